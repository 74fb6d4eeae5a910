"""Intake screening: contraindication rules from data, answers and case facts in, a decision out.

A screening is a FHIR *QuestionnaireResponse* to the *Questionnaire* that ``questions_for`` builds
from ``protocols/contraindications.yaml``. The engine is pure: no clock (the caller passes
``on_date``), no I/O except ``load_rules``, which reads the file it is handed.

Decision order, most restrictive first: urgent refer > defer > refer > incomplete > local > caution >
clear. An ``urgent_refer`` finding gives the decision ``refer`` with ``urgent`` set: it may be an
emergency, so it outranks everything and can never be overridden or cleared on this screening.
``refer`` outranks ``incomplete`` because a refer finding is already known to block the plan and
its next step (a doctor's clearance) takes days, so it is the headline to act on; the missing
answers are still listed in the result. Both block a plan, so the order never lets one through.
A ``yes`` to an absolute rule always gives ``defer``, whatever else is missing.
"""

from __future__ import annotations

import datetime as dt
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
from clinic.domain.rules import DataFileError, MissingFact, Problems, StartRule, parse_start_rule

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
_OLD_REGION_WORDS = {
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
REGION_WORDS = {region: _OLD_REGION_WORDS.get(region) or bodymap.region_words(region) for region in REGIONS}
RECORD_FIELDS = (
    "blood_thinners", "diabetes", "heart_disease", "high_blood_pressure", "low_blood_pressure",
    "osteoporosis", "cancer", "pregnancy", "reduced_sensation", "oil_allergy",
)
SIDES = bodymap.SIDE_INPUTS
ANSWER_VALUES = ("yes", "no", "not_known")

# The conditions are the loaded protocols, each with its case facts (``Library.case_facts()``): nothing
# here lists them. A gate may only read the facts of the protocols it names (typos are caught at load).
ConditionFacts = Mapping[str, tuple[CaseFact, ...]]

DECISION_ORDER = ("defer", "refer", "incomplete", "local", "caution", "clear")
CATEGORY_DECISION = {
    "absolute": "defer", "urgent_refer": "refer", "refer": "refer", "local": "local", "relative": "caution",
}
DECISION_WORDS = {
    "defer": "Do not treat today.",
    "refer": "Do not treat yet: a doctor must clear the patient first.",
    "incomplete": "Not finished: answer the open questions before treating.",
    "local": "Treat, but avoid the marked areas.",
    "caution": "Treat, with the precautions listed.",
    "clear": "No contraindication found: treat as planned.",
}
URGENT_WORDS = "Do not treat: this may be an emergency. Send the patient to A&E or their doctor today."

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
    _check_condition(rules, condition)
    groups = []
    for group in GROUPS:
        questions = tuple(
            r for r in rules.rules if r.group == group and r.question is not None and r.applies_to(condition)
        )
        if questions:
            groups.append(QuestionGroup(group=group, title=GROUP_TITLES[group], questions=questions))
    return tuple(groups)


def _check_condition(rules: RuleSet, condition: str | None) -> None:
    if condition is not None and condition not in rules.conditions:
        raise ValueError(f"unknown condition {condition!r}; expected one of {', '.join(rules.conditions)}")


# --------------------------------------------------------------------------------------------
# Screening
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The therapist's answer to one question; regions and side mark where a 'yes' applies."""

    value: str
    detail: str = ""
    regions: tuple[str, ...] = ()
    side: str | None = None

    def __post_init__(self) -> None:
        if self.value not in ANSWER_VALUES:
            raise ValueError(f"answer must be one of {', '.join(ANSWER_VALUES)}, got {self.value!r}")
        if not isinstance(self.detail, str):
            raise ValueError(f"detail must be text, got {self.detail!r}")
        if not isinstance(self.regions, tuple):
            raise ValueError(f"regions must be a tuple, got {self.regions!r}")
        for region in self.regions:
            if region not in REGIONS:
                raise ValueError(f"unknown region {region!r}; expected one of {', '.join(REGIONS)}")
        if self.side is not None and self.side not in SIDES:
            raise ValueError(f"side must be one of {', '.join(SIDES)}, got {self.side!r}")


@dataclass(frozen=True)
class Finding:
    """A rule that applies to this patient today, with what to do about it."""

    rule_id: str
    category: str
    regions: tuple[str, ...]
    side: str | None
    therapist_text: str
    patient_text: str
    detail: str = ""
    earliest_date: dt.date | None = None
    start_when: str = ""
    waiting_for: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    name: str = ""  # plain words, after "you had": "a raised temperature"

    @property
    def label(self) -> str:
        """The finding's name as a therapist reads it in a list (never its id)."""
        words = self.name or self.rule_id.replace("_", " ")
        return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class ScreeningResult:
    """The decision and everything behind it; nothing is dropped when a worse finding exists."""

    decision: str
    findings: tuple[Finding, ...]
    earliest_date: dt.date | None
    unanswered: tuple[str, ...]
    not_known: tuple[str, ...]
    missing_facts: tuple[str, ...]
    impossible_facts: tuple[str, ...]
    unmarked: tuple[str, ...]
    ignored: tuple[str, ...]
    on_date: dt.date
    condition: str | None
    rules_version: int

    @property
    def words(self) -> str:
        """The decision as a short sentence for the therapist."""
        if self.urgent:
            return URGENT_WORDS
        return DECISION_WORDS[self.decision]

    @property
    def urgent(self) -> bool:
        """True when a finding may be an emergency: medical help today, never an override."""
        return any(f.category == "urgent_refer" for f in self.findings)

    @property
    def incomplete(self) -> bool:
        """True while a question, a case fact or a marked region is missing or impossible."""
        return bool(self.unanswered or self.not_known or self.missing_facts or self.impossible_facts
                    or self.unmarked)


def screen(
    answers: Mapping[str, Answer],
    facts: Mapping[str, Any],
    rules: RuleSet,
    on_date: dt.date,
    condition: str | None = None,
) -> ScreeningResult:
    """Judge answers and case facts against the rules on ``on_date``; missing or unknown never gives clear."""
    _check_condition(rules, condition)
    if not isinstance(on_date, dt.date) or isinstance(on_date, dt.datetime):
        raise ValueError(f"on_date must be a date, got {on_date!r}")
    findings: list[Finding] = []
    unanswered: list[str] = []
    not_known: list[str] = []
    missing_facts: list[str] = []
    impossible_facts: list[str] = []
    unmarked: list[str] = []
    asked: set[str] = set()
    for rule in rules.rules:
        if not rule.applies_to(condition):
            continue
        if rule.gate is not None:
            finding = _judge_gate(rule, rule.gate, facts, rules.facts_of(condition), on_date, missing_facts,
                                  impossible_facts)
            if finding is not None:
                findings.append(finding)
            continue
        asked.add(rule.id)
        answer = answers.get(rule.id)
        if answer is None:
            unanswered.append(rule.id)
        elif answer.value == "not_known":
            not_known.append(rule.id)
        elif answer.value == "yes":
            if rule.chosen_regions and not answer.regions:
                unmarked.append(rule.id)
            findings.append(_finding_from_answer(rule, answer))

    incomplete = bool(unanswered or not_known or missing_facts or impossible_facts or unmarked)
    present = {CATEGORY_DECISION[f.category] for f in findings} | ({"incomplete"} if incomplete else set())
    decision = next((d for d in DECISION_ORDER if d in present), "clear")
    if any(f.category == "urgent_refer" for f in findings):
        decision = "refer"  # may be an emergency: it outranks even "do not treat today"
    dates = [f.earliest_date for f in findings if f.earliest_date is not None]
    return ScreeningResult(
        decision=decision,
        findings=tuple(findings),
        earliest_date=max(dates) if dates else None,
        unanswered=tuple(unanswered),
        not_known=tuple(not_known),
        missing_facts=tuple(dict.fromkeys(missing_facts)),
        impossible_facts=tuple(dict.fromkeys(impossible_facts)),
        unmarked=tuple(unmarked),
        ignored=tuple(sorted(set(answers) - asked)),
        on_date=on_date,
        condition=condition,
        rules_version=rules.version,
    )


def _finding_from_answer(rule: Rule, answer: Answer) -> Finding:
    if rule.chosen_regions:
        regions = answer.regions
        # No side marked on a region rule: keep clear of both sides rather than guess one.
        side = answer.side or ("both" if rule.category == "local" else None)
    else:
        regions, side = rule.regions, None
    return Finding(
        rule_id=rule.id,
        category=rule.category,
        regions=regions,
        side=side,
        therapist_text=_fill(rule.therapist_text, regions, side),
        patient_text=_fill(rule.patient_text, regions, side),
        detail=answer.detail,
        start_when=rule.start_when,
        blocks=rule.blocks,
        name=rule.name,
    )


def _judge_gate(
    rule: Rule,
    gate: Gate,
    facts: Mapping[str, Any],
    case_facts: tuple[CaseFact, ...],
    on_date: dt.date,
    missing_facts: list[str],
    impossible_facts: list[str],
) -> Finding | None:
    if gate.when is not None:
        value = facts.get(gate.when.fact)
        if value in (None, "", "not_known"):
            missing_facts.append(gate.when.fact)
            return None
        if value != gate.when.equals:
            return None
    earliest = None
    past_events = {fact.name for fact in case_facts if fact.past_event}
    waiting = tuple(f for f in gate.waits_for if facts.get(f) in (None, ""))
    if gate.until is not None:
        dated: list[dt.date] = []
        for term in gate.until.dates:
            if term.fact in waiting:
                continue
            value = facts.get(term.fact)
            if term.fact in past_events and isinstance(value, dt.date) and value > on_date:
                impossible_facts.append(term.fact)
                return None
            try:
                dated.append(term.earliest(facts))
            except MissingFact as exc:
                missing_facts.append(exc.fact)
                return None
        earliest = max(dated) if dated else None
        if earliest is not None and earliest <= on_date:
            if not waiting:
                return None
            earliest = None  # a date already past says nothing while the gate still waits for an event
    side_fact = next((fact.name for fact in case_facts if fact.type == "side"), None)
    side = facts.get(side_fact) if side_fact and facts.get(side_fact) in SIDES else None
    regions = rule.regions
    if gate.region_fact is not None:
        value = facts.get(gate.region_fact)
        named = (value,) if isinstance(value, str) else tuple(value or ())
        if named and all(r in REGIONS for r in named):
            regions = named
    return Finding(
        rule_id=rule.id,
        category=rule.category,
        regions=regions,
        side=side,
        therapist_text=_fill(rule.therapist_text, regions, side),
        patient_text=_fill(rule.patient_text, regions, side),
        earliest_date=earliest,
        start_when=rule.start_when,
        waiting_for=waiting,
        blocks=rule.blocks,
        name=rule.name,
    )


def _fill(text: str, regions: tuple[str, ...], side: str | None) -> str:
    side_word = {"left": "left", "right": "right", "both": "left and right"}.get(side or "", "")
    region_words = _join([REGION_WORDS[r] for r in regions]) if regions else "hand and arm"
    filled = text.format(side=side_word, regions=region_words, where=_where(regions, side_word))
    return " ".join(filled.split())


def _where(regions: tuple[str, ...], side_word: str) -> str:
    """Plain words for the marked places: 'your left wrist and the back of your left hand'."""
    plain = [REGION_WORDS[r] for r in regions if r in _OLD_REGION_WORDS and r not in ("back_of_hand", "neck_shoulder")]
    parts = [f"your {side_word} {_join(plain)}"] if plain else []
    if "back_of_hand" in regions:
        parts.append(f"the back of your {side_word} hand")
    if "neck_shoulder" in regions:
        parts.append(f"your neck and {side_word} shoulder")
    side = {"left": "left", "right": "right"}.get(side_word, "both")
    parts += [bodymap.patient_words(r, side) for r in regions if r not in _OLD_REGION_WORDS]
    return _join(parts) if parts else f"your {side_word} hand and arm"


def _join(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
