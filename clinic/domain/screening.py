"""Intake screening: contraindication rules from data, answers and case facts in, a decision out.

A screening is a FHIR *QuestionnaireResponse* to the *Questionnaire* that ``questions_for``
(``clinic.domain.screening_rules``) builds from ``protocols/contraindications.yaml``. The engine is pure: no
clock (the caller passes ``on_date``) and no I/O.

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.domain import bodymap
from clinic.domain.protocol_model import CaseFact
from clinic.domain.rules import MissingFact
from clinic.domain.screening_rules import (
    REGION_WORDS,
    REGIONS,
    SHORT_REGION_WORDS,
    SIDES,
    Gate,
    Rule,
    RuleSet,
    check_condition,
)

ANSWER_VALUES = ("yes", "no", "not_known")

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
    check_condition(rules, condition)
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
    plain = [REGION_WORDS[r] for r in regions if r in SHORT_REGION_WORDS and r not in ("back_of_hand", "neck_shoulder")]
    parts = [f"your {side_word} {_join(plain)}"] if plain else []
    if "back_of_hand" in regions:
        parts.append(f"the back of your {side_word} hand")
    if "neck_shoulder" in regions:
        parts.append(f"your neck and {side_word} shoulder")
    side = {"left": "left", "right": "right"}.get(side_word, "both")
    parts += [bodymap.patient_words(r, side) for r in regions if r not in SHORT_REGION_WORDS]
    return _join(parts) if parts else f"your {side_word} hand and arm"


def _join(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
