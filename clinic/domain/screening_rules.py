"""The contraindication rules file (``protocols/contraindications.yaml``): its schema, loading and the questions
it asks. Judging answers against the rules is ``clinic.domain.screening``; the format is documented in
``protocols/screening.md``.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clinic.domain import bodymap
from clinic.domain.kinds import BLOCKABLE_KINDS, NEVER_BLOCKED
from clinic.domain.protocol_model import CaseFact
from clinic.domain.rules import DataFileError, Problems, StartRule, parse_start_rule

CATEGORIES = ("absolute", "urgent_refer", "refer", "local", "relative")
GROUPS = ("general_health", "skin", "circulation", "condition")
GROUP_TITLES = {
    "general_health": "General health",
    "skin": "Skin",
    "circulation": "Heart and circulation",
    "condition": "The condition",
}
# Every region of the body map (clinic.domain.bodymap), from the neck down to each finger joint.
REGIONS = bodymap.REGIONS
SHORT_REGION_WORDS = {
    "fingers": "fingers",
    "thumb": "thumb",
    "palm": "palm",
    "back_of_hand": "back of the hand",
    "wrist": "wrist",
    "forearm": "forearm",
    "elbow": "elbow",
    "upper_arm": "upper arm",
    "shoulder": "shoulder",
    "neck_shoulder": "neck and shoulder",
}
# Region words without a side: the old short ones, and the body map's words for the finer regions.
REGION_WORDS = {region: SHORT_REGION_WORDS.get(region) or bodymap.region_words(region) for region in REGIONS}
RECORD_FIELDS = (
    "blood_thinners", "diabetes", "heart_disease", "high_blood_pressure", "low_blood_pressure",
    "osteoporosis", "cancer", "pregnancy", "reduced_sensation", "oil_allergy",
)
SIDES = bodymap.SIDE_INPUTS

# The conditions are the loaded protocols, each with its case facts (``Library.case_facts()``): nothing
# here lists them. A gate may only read the facts of the protocols it names (typos are caught at load).
ConditionFacts = Mapping[str, tuple[CaseFact, ...]]

_RULE_KEYS = {
    "id", "group", "question", "help", "category", "regions", "therapist_text", "patient_text", "source",
    "record_field", "conditions", "gate", "start_when", "name", "blocks", "prompt",
}
_GATE_KEYS = {"until", "waits_for", "when", "region_fact"}
_PLACEHOLDERS = {"side", "regions", "where"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactEquals:
    """A gate applies only when the case fact ``fact`` has the value ``equals``."""

    fact: str
    equals: str


@dataclass(frozen=True)
class Gate:
    """A rule decided from case facts: closed until the ``until`` dates have passed.

    ``waits_for`` names facts that stay empty until an event happens (a doctor declares the patient
    stable); while one is empty the gate stays closed with no date. Any other missing fact makes
    the screening incomplete.
    """

    until: StartRule | None = None
    waits_for: tuple[str, ...] = ()
    when: FactEquals | None = None
    region_fact: str | None = None  # a local gate's region comes from this case fact (bruise_area)


@dataclass(frozen=True)
class Rule:
    """One contraindication or condition gate from contraindications.yaml."""

    id: str
    group: str
    category: str
    regions: tuple[str, ...]
    chosen_regions: bool
    therapist_text: str
    patient_text: str
    source: str
    question: str | None = None
    help: str = ""
    record_field: str | None = None
    conditions: tuple[str, ...] = ()
    gate: Gate | None = None
    start_when: str = ""
    name: str = ""  # plain words, after "you had": "a raised temperature"
    blocks: tuple[str, ...] = ()  # the kinds of plan item a local finding blocks on its region
    prompt: str = ""  # what the therapist must arrange when the finding is present (gout ruled out...)

    @property
    def label(self) -> str:
        """The name as a therapist reads it in a list: 'A raised temperature'."""
        return self.name[:1].upper() + self.name[1:]

    def applies_to(self, condition: str | None) -> bool:
        """True when the rule is asked for this protocol (no ``conditions`` means every protocol)."""
        if not self.conditions:
            return True
        return condition in self.conditions


@dataclass(frozen=True)
class RuleSet:
    """The validated contents of contraindications.yaml."""

    version: int
    rules: tuple[Rule, ...]
    # protocol id -> its case facts, in the order the protocols are offered
    conditions: ConditionFacts = field(default_factory=dict)

    def facts_of(self, condition: str | None) -> tuple[CaseFact, ...]:
        """The case facts of this protocol; for no protocol, every fact of every protocol (first one wins)."""
        if condition is not None:
            return self.conditions[condition]
        seen: dict[str, CaseFact] = {}
        for facts in self.conditions.values():
            for fact in facts:
                seen.setdefault(fact.name, fact)
        return tuple(seen[name] for name in sorted(seen))

    def get(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError when there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@dataclass(frozen=True)
class QuestionGroup:
    """Questions shown together on the screening form."""

    group: str
    title: str
    questions: tuple[Rule, ...]


def load_rules(path: str | Path, conditions: ConditionFacts) -> RuleSet:
    """Read and validate a contraindications file against the loaded protocols' case facts
    (``Library.case_facts()``); DataFileError lists every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError([f"{path.name}: not valid YAML: {exc}"]) from exc
    return parse_rules(raw, path.name, conditions=conditions)


def parse_rules(raw: Any, file: str = "contraindications.yaml", *, conditions: ConditionFacts) -> RuleSet:
    """Validate already-loaded YAML data; DataFileError lists every problem with its key path."""
    problems = Problems(file)
    if not isinstance(raw, dict):
        problems.add("", f"expected a mapping with 'version' and 'items', got {json_shown(raw)}")
        problems.raise_if_any()
    for key in sorted(set(raw) - {"version", "items"}):
        problems.add(key, "unknown key; expected 'version' or 'items'")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.add("version", f"expected a whole number of 1 or more, got {json_shown(version)}")
    items = raw.get("items")
    rules: list[Rule] = []
    if not isinstance(items, list) or not items:
        problems.add("items", f"expected a list of rules, got {json_shown(items)}")
    else:
        seen: set[str] = set()
        for i, item in enumerate(items):
            rule = _parse_rule(item, f"items[{i}]", problems, conditions)
            if rule is None:
                continue
            if rule.id in seen:
                problems.add(f"items[{i}].id", f"duplicate id {json_shown(rule.id)}")
            seen.add(rule.id)
            rules.append(rule)
    problems.raise_if_any()
    return RuleSet(version=version, rules=tuple(rules), conditions=dict(conditions))


def _parse_rule(item: Any, path: str, problems: Problems, catalogue: ConditionFacts) -> Rule | None:
    if not isinstance(item, dict):
        problems.add(path, f"expected a mapping, got {json_shown(item)}")
        return None
    before = len(problems.items)
    for key in sorted(set(item) - _RULE_KEYS, key=str):
        problems.add(f"{path}.{key}", f"unknown key; expected one of {', '.join(sorted(_RULE_KEYS))}")
    rule_id = item.get("id")
    if not (isinstance(rule_id, str) and rule_id.isidentifier() and rule_id.islower()):
        problems.add(f"{path}.id", f"expected a lower-case name like fresh_bruise, got {json_shown(rule_id)}")
    group = _choice(item, "group", GROUPS, path, problems)
    category = _choice(item, "category", CATEGORIES, path, problems)
    texts = {key: _text(item, key, path, problems) for key in ("therapist_text", "patient_text", "source")}
    # Plain words for the finding; a clinic's own rule without one reads as its id in words.
    texts["name"] = _text(item, "name", path, problems, required=False) or ""
    for key in ("therapist_text", "patient_text"):
        _check_placeholders(texts[key], f"{path}.{key}", problems)
    start_when = _text(item, "start_when", path, problems, required=False)
    prompt = _text(item, "prompt", path, problems, required=False)

    regions_raw = item.get("regions")
    chosen = regions_raw == "chosen"
    regions: tuple[str, ...] = ()
    if not chosen:
        if not isinstance(regions_raw, list):
            problems.add(
                f"{path}.regions", f"expected a list of regions or 'chosen', got {json_shown(regions_raw)}"
            )
        else:
            for j, region in enumerate(regions_raw):
                if region not in REGIONS:
                    problems.add(f"{path}.regions[{j}]", expected_one_of(REGIONS, region))
            regions = tuple(r for r in regions_raw if r in REGIONS)

    conditions: tuple[str, ...] = ()
    if "conditions" in item:
        raw_conditions = item["conditions"]
        if not isinstance(raw_conditions, list) or not raw_conditions:
            problems.add(f"{path}.conditions", f"expected a list of protocol ids, got {json_shown(raw_conditions)}")
        else:
            for j, condition in enumerate(raw_conditions):
                if condition not in catalogue:
                    problems.add(f"{path}.conditions[{j}]", expected_one_of(tuple(catalogue), condition))
            conditions = tuple(c for c in raw_conditions if c in catalogue)

    record_field = None
    if "record_field" in item:
        record_field = _choice(item, "record_field", RECORD_FIELDS, path, problems)

    question = help_text = None
    gate = None
    if "gate" in item:
        if "question" in item or "help" in item or "record_field" in item:
            problems.add(path, "a gate is decided from case facts; remove 'question', 'help', 'record_field'")
        if chosen:
            problems.add(f"{path}.regions", "a gate has no answer to choose regions from; list the regions")
        if not conditions:
            problems.add(f"{path}.conditions", "a gate needs the protocols whose case facts it reads")
        gate = _parse_gate(item["gate"], f"{path}.gate", {c: catalogue[c] for c in conditions}, problems)
        if gate is not None and gate.region_fact and category != "local":
            problems.add(f"{path}.gate.region_fact", "only a local gate takes its region from a case fact")
    else:
        question = _text(item, "question", path, problems)
        help_text = _text(item, "help", path, problems)

    blocks = _parse_blocks(item, path, category, problems)

    if len(problems.items) > before:
        return None
    return Rule(
        id=rule_id,
        group=group,
        category=category,
        regions=regions,
        chosen_regions=chosen,
        therapist_text=texts["therapist_text"],
        patient_text=texts["patient_text"],
        source=texts["source"],
        question=question,
        help=help_text or "",
        record_field=record_field,
        conditions=conditions,
        gate=gate,
        start_when=start_when or "",
        name=texts["name"],
        blocks=blocks,
        prompt=prompt or "",
    )


def _parse_blocks(item: dict, path: str, category: str, problems: Problems) -> tuple[str, ...]:
    """A local rule names the kinds of plan item it blocks on its region (CLINICAL.md §2.1)."""
    if "blocks" not in item:
        if category == "local":
            problems.add(
                f"{path}.blocks", f"missing; a local rule lists the kinds it blocks: {', '.join(BLOCKABLE_KINDS)}"
            )
        return ()
    if category != "local":
        problems.add(f"{path}.blocks", "only a local rule blocks kinds of plan item on a region; remove it")
        return ()
    raw = item["blocks"]
    if not isinstance(raw, list) or not raw:
        kinds = ", ".join(BLOCKABLE_KINDS)
        problems.add(f"{path}.blocks", f"expected a list of kinds from {kinds}, got {json_shown(raw)}")
        return ()
    for j, kind in enumerate(raw):
        if kind in NEVER_BLOCKED:
            problems.add(f"{path}.blocks[{j}]", f"{kind} is never blocked by a local finding; remove it")
        elif kind not in BLOCKABLE_KINDS:
            problems.add(f"{path}.blocks[{j}]", expected_one_of(BLOCKABLE_KINDS, kind))
    return tuple(k for k in BLOCKABLE_KINDS if k in raw)


def _parse_gate(raw: Any, path: str, conditions: ConditionFacts, problems: Problems) -> Gate | None:
    if not isinstance(raw, dict):
        problems.add(path, f"expected a mapping with 'until', 'waits_for' or 'when', got {json_shown(raw)}")
        return None
    for key in sorted(set(raw) - _GATE_KEYS, key=str):
        problems.add(f"{path}.{key}", "unknown key; expected one of region_fact, until, waits_for, when")

    def check_fact(fact: str, where: str) -> None:
        for condition, facts in conditions.items():
            names = tuple(sorted(f.name for f in facts))
            if fact not in names:
                problems.add(where, f"not a case fact of the {condition} protocol: {expected_one_of(names, fact)}")

    until = None
    if "until" in raw:
        until = parse_start_rule(raw["until"], f"{path}.until", problems)
        if until.confirmations:
            problems.add(f"{path}.until", "a gate uses 'after' terms only; say the condition in 'start_when'")
        for j, term in enumerate(until.dates):
            for fact in term.facts_used():
                check_fact(fact, f"{path}.until[{j}]")
    waits_for: tuple[str, ...] = ()
    if "waits_for" in raw:
        raw_waits = raw["waits_for"]
        if not isinstance(raw_waits, list) or not all(isinstance(f, str) for f in raw_waits):
            problems.add(f"{path}.waits_for", f"expected a list of case-fact names, got {json_shown(raw_waits)}")
        else:
            for j, fact in enumerate(raw_waits):
                check_fact(fact, f"{path}.waits_for[{j}]")
            waits_for = tuple(raw_waits)
    when = None
    if "when" in raw:
        body = raw["when"]
        if (not isinstance(body, dict) or set(body) != {"fact", "equals"}
                or not isinstance(body["fact"], str) or not isinstance(body["equals"], str)):
            problems.add(f"{path}.when", f"expected {{fact: NAME, equals: VALUE}}, got {json_shown(body)}")
        else:
            check_fact(body["fact"], f"{path}.when.fact")
            choices = next((f.values for facts in conditions.values() for f in facts if f.name == body["fact"]), ())
            if choices and body["equals"] not in choices:
                problems.add(f"{path}.when.equals", expected_one_of(choices, body['equals']))
            when = FactEquals(body["fact"], body["equals"])
    region_fact = None
    if "region_fact" in raw:
        if not isinstance(raw["region_fact"], str):
            problems.add(f"{path}.region_fact", f"expected a case-fact name, got {json_shown(raw['region_fact'])}")
        else:
            check_fact(raw["region_fact"], f"{path}.region_fact")
            region_fact = raw["region_fact"]
    if until is None and when is None:
        problems.add(path, "expected 'until' (dates), 'when' (a fact value) or both")
    return Gate(until=until, waits_for=waits_for, when=when, region_fact=region_fact)


def _choice(item: dict, key: str, allowed: tuple[str, ...], path: str, problems: Problems) -> str:
    value = item.get(key)
    if value not in allowed:
        problems.add(f"{path}.{key}", expected_one_of(allowed, value))
    return value


def _text(item: dict, key: str, path: str, problems: Problems, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(f"{path}.{key}", f"expected a sentence, got {json_shown(value)}")
        return None
    return value.strip()


def _check_placeholders(text: str | None, path: str, problems: Problems) -> None:
    if not text:
        return
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        problems.add(path, f"broken {{placeholder}}: {exc}")
        return
    for name in names:
        if name not in _PLACEHOLDERS:
            problems.add(path, f"expected placeholders {{where}}, {{side}}, {{regions}} only, got {{{name}}}")


def expected_one_of(allowed: tuple[str, ...], value: Any) -> str:
    return f"expected one of {', '.join(allowed)}, got {json_shown(value)}"


def json_shown(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def questions_for(rules: RuleSet, condition: str | None = None) -> tuple[QuestionGroup, ...]:
    """The questions to ask for this protocol, grouped in form order; gates ask nothing."""
    check_condition(rules, condition)
    groups = []
    for group in GROUPS:
        questions = tuple(
            r for r in rules.rules if r.group == group and r.question is not None and r.applies_to(condition)
        )
        if questions:
            groups.append(QuestionGroup(group=group, title=GROUP_TITLES[group], questions=questions))
    return tuple(groups)


def check_condition(rules: RuleSet, condition: str | None) -> None:
    if condition is not None and condition not in rules.conditions:
        raise ValueError(f"unknown condition {condition!r}; expected one of {', '.join(rules.conditions)}")


