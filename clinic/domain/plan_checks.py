"""Checks that block a plan (fail closed, CLINICAL.md §1): overrides, clearances, open screening
questions, and missing or impossible case facts (CS-01, CS-02, CS-04).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from clinic.domain.plan_model import Clearance, Override
from clinic.domain.protocol_model import CaseFact, Protocol
from clinic.domain.screening import ScreeningResult
from clinic.domain.wording import format_day

# Which dates may lie ahead (type planned_date) and the order dates must respect (after:) are in each
# protocol's facts; a date of type "date" describes an event that has happened (CS-04).
_OLDEST_DATE = dt.date(1900, 1, 1)

# Who may override an absolute contraindication: only the treating clinicians (README: therapists treat).
OVERRIDE_ROLES = ("therapist",)
_MIN_REASON = 20
_MAX_NOTES = 10_000

# ---------------------------------------------------------------------------------------------
# Checks that block a plan
# ---------------------------------------------------------------------------------------------


def _is_day(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _words(rule_id: str) -> str:
    return rule_id.replace("_", " ")


def _needs_override(screening: ScreeningResult) -> bool:
    return screening.decision == "defer" or any(f.category == "absolute" for f in screening.findings)


def _needs_clearance(screening: ScreeningResult) -> bool:
    return screening.decision == "refer" or any(f.category in ("refer", "urgent_refer") for f in screening.findings)


def check_urgent(screening: ScreeningResult) -> list[str]:
    """An urgent refer finding (a possible clot, heart problem, stroke...) blocks every plan: nothing lifts it."""
    urgent = [f.label for f in screening.findings if f.category == "urgent_refer"]
    if not urgent:
        return []
    return [
        f"The screening found {', '.join(urgent).lower()}: this may be an emergency. Send the patient to A&E or "
        f"their doctor today. No override or clearance can lift it; screen again once a doctor has seen them."
    ]


def check_override(
    override: Override | None, screening: ScreeningResult, on_date: dt.date
) -> list[str]:
    """Problems with an override of the screening's absolute findings; empty when it is valid (CS-02)."""
    if not _needs_override(screening):
        return []
    found = [f for f in screening.findings if f.category == "absolute"]
    names = ", ".join(f.label.lower() for f in found) or "the absolute contraindication"
    if override is None:
        return [
            f"The screening says do not treat ({names}); a therapist must record an override "
            f"(choosing the contraindication, with a reason) before a plan can be made."
        ]
    problems: list[str] = []
    if not isinstance(override.by, str) or not override.by.strip():
        problems.append("The override does not say who recorded it.")
    if override.role not in OVERRIDE_ROLES:
        problems.append(
            f"An override must be recorded by a {' or '.join(OVERRIDE_ROLES)}, not {override.role!r}."
        )
    reason = override.reason if isinstance(override.reason, str) else ""
    if len(reason.strip()) < _MIN_REASON:
        problems.append(f"The override reason must be at least {_MIN_REASON} characters.")
    folded = " ".join(reason.casefold().split())
    for finding in found:
        rule_id = finding.rule_id
        if override.rule_ids:
            if rule_id not in override.rule_ids:
                problems.append(f"The override does not choose the contraindication {finding.label.lower()}.")
            continue
        if rule_id.casefold() not in folded and _words(rule_id).casefold() not in folded:
            problems.append(
                f"The override reason must name the contraindication {rule_id} "
                f"(write {rule_id!r} or {_words(rule_id)!r})."
            )
    if not _is_day(override.recorded_on):
        problems.append("The override has no date.")
    elif override.recorded_on < screening.on_date:
        problems.append(
            f"The override of {format_day(override.recorded_on)} is older than the screening of "
            f"{format_day(screening.on_date)}; record it again for this screening."
        )
    elif override.recorded_on > on_date:
        problems.append(f"The override is dated {format_day(override.recorded_on)}, after the plan date.")
    return problems


def check_clearance(
    clearance: Clearance | None, screening: ScreeningResult, on_date: dt.date
) -> list[str]:
    """Problems with the clearance of the screening's refer findings; empty when it is valid."""
    if not _needs_clearance(screening):
        return []
    refer = [f.rule_id for f in screening.findings if f.category == "refer"]
    names = ", ".join(refer) or "the referral"
    if clearance is None:
        return [
            f"The screening says refer first ({names}); record who cleared the patient, when, "
            f"and what they said before a plan can be made."
        ]
    problems: list[str] = []
    if not isinstance(clearance.by, str) or not clearance.by.strip():
        problems.append("The clearance does not say who cleared the patient.")
    if not isinstance(clearance.note, str) or not clearance.note.strip():
        problems.append("The clearance has no note saying what was cleared.")
    if not _is_day(clearance.cleared_on):
        problems.append("The clearance has no date.")
    elif clearance.cleared_on > on_date:
        problems.append(f"The clearance is dated {format_day(clearance.cleared_on)}, after the plan date.")
    return problems


def _screening_problems(protocol: Protocol, screening: ScreeningResult, on_date: dt.date) -> list[str]:
    problems: list[str] = []
    if screening.condition != protocol.id:
        problems.append(
            f"The screening was for {screening.condition or 'no condition'}, not for {protocol.id}; "
            f"screen the patient for {protocol.id}."
        )
    if screening.on_date > on_date:
        problems.append(
            f"The screening is dated {format_day(screening.on_date)}, after the plan date {format_day(on_date)}."
        )
    questions = {fact.name: fact.question for fact in protocol.facts}

    def facts_named(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"“{questions[n]}”" if n in questions else n for n in names)

    lists = (
        ("Unanswered screening questions", screening.unanswered),
        ('Screening questions answered "not known"', screening.not_known),
        ("Case facts the screening needed but did not have", facts_named(screening.missing_facts)),
        ("Impossible case facts in the screening", facts_named(screening.impossible_facts)),
        ("Screening findings without their body regions marked", screening.unmarked),
    )
    for label, items in lists:
        if items:
            problems.append(f"{label}: {', '.join(items)}.")
    if screening.decision == "incomplete" and not any(items for _, items in lists):
        problems.append("The screening is not finished.")
    return problems


def _named(fact: CaseFact) -> str:
    """A case fact as the therapist knows it: the question the form asks ("“When was the bone broken?”")."""
    return f"“{fact.question}”"


def check_facts(protocol: Protocol, facts: Mapping[str, Any], on_date: dt.date) -> list[str]:
    """Every missing or impossible case fact for this protocol, each named by its question (CS-04); empty when
    all is well."""
    problems: list[str] = []
    known = {fact.name: fact for fact in protocol.facts}
    for name in sorted(set(facts) - set(known), key=str):
        problems.append(
            f"Unknown case fact {name!r}; {protocol.id} records: {', '.join(known)}."
        )
    for fact in protocol.facts:
        value = facts.get(fact.name)
        if value is None or value == "":
            if fact.required:
                problems.append(f"Missing case fact: {fact.question}")
            continue
        problems.extend(_fact_value_problems(fact, value, on_date))
    for later, earlier in protocol.date_order():
        a, b = facts.get(later), facts.get(earlier)
        if later in known and earlier in known and _is_day(a) and _is_day(b) and a < b:
            problems.append(
                f"Impossible dates: {_named(known[later])} ({format_day(a)}) is before "
                f"{_named(known[earlier])} ({format_day(b)})."
            )
    return problems


def _fact_value_problems(fact: CaseFact, value: Any, on_date: dt.date) -> list[str]:
    if fact.is_date:
        if not _is_day(value):
            return [f"{_named(fact)} must be a date (a day, no time), got {value!r}."]
        if value < _OLDEST_DATE:
            return [f"Impossible date: {_named(fact)} is {format_day(value)}, before 1900."]
        if value > on_date and fact.past_event:
            return [
                f"Impossible date: {_named(fact)} is {format_day(value)}, after the plan date "
                f"{format_day(on_date)}; it describes something that has already happened."
            ]
        return []
    if fact.values:
        if value not in fact.values:
            words = [o.label for o in fact.options] or [v.replace("_", " ") for v in fact.values]
            return [f"{_named(fact)} must be one of: {', '.join(words)}; got {value!r}."]
        return []
    if not isinstance(value, str) or not value.strip():
        return [f"{_named(fact)} must be text, got {value!r}."]
    return []


