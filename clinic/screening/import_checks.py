"""Screening rows from a patient import, judged again like the screening pages judge (REL-12).

A screening's decision is what the engine decides for its answers and case facts; a file could say
"no contraindication" for a patient with a fever. So each imported screening is screened again with this
installation's rules on its own date, its stored judgment must be exactly that, and its stored words are
replaced by the engine's. Overrides and clearances pass the same rule the pages ask (never on an urgent
refer, only open findings). Rows that reference a screening arrive after it, with its new id.
"""

from __future__ import annotations

from typing import Any

from clinic.domain.screening import screen
from clinic.domain.screening_json import answers_from_json, facts_from_json, result_to_json
from clinic.library import screening_rules
from clinic.models import Screening
from clinic.patients.registry import ImportContext
from clinic.settings.operations import MAX_VALID_DAYS, MIN_VALID_DAYS

# The parts of a stored result that are words for people (this installation's wording replaces them); the
# rest is the judgment, which must match.
_WORDING = ("words",)
_FINDING_WORDING = ("therapist_text", "patient_text", "start_when", "name")


def _judgment(result: Any) -> Any:
    if not isinstance(result, dict):
        return result
    out = {k: v for k, v in result.items() if k not in _WORDING}
    findings = out.get("findings")
    if isinstance(findings, list):
        out["findings"] = [{k: v for k, v in f.items() if k not in _FINDING_WORDING} if isinstance(f, dict) else f
                           for f in findings]
    return out


def _decision_words(result: Any) -> str:
    if not isinstance(result, dict):
        return repr(result)
    return f"{result.get('decision')}{', urgent' if result.get('urgent') else ''}"


def imported_screening_problems(row: dict, context: ImportContext) -> list[str]:
    """Screen the stored answers and facts again; refuse a stored decision or result the engine does not give."""
    rules = screening_rules()
    if row["rules_version"] != rules.version:
        return [f"rules_version: it was made with screening rules version {row['rules_version']} and this "
                f"installation judges with version {rules.version}, so its decision cannot be checked; screen "
                "the patient again here instead"]
    try:
        answers = answers_from_json(row["answers"])
        facts = facts_from_json({**row["facts"], "condition": row["condition"]}, rules)
    except ValueError as exc:
        return [str(exc)]
    result = screen(answers, facts, rules, row["on_date"], condition=row["condition"])
    judged = result_to_json(result)
    problems = context.not_after_now("screened_at", row["screened_at"])
    if abs((context.local_date(row["screened_at"]) - row["on_date"]).days) > 1:
        problems.append(f"on_date: {row['on_date'].isoformat()} is not the day it was screened "
                        f"({row['screened_at'].isoformat()})")
    valid_days = (row["valid_until"] - row["on_date"]).days
    if not MIN_VALID_DAYS <= valid_days <= MAX_VALID_DAYS:
        problems.append(f"valid_until: a screening stays valid {MIN_VALID_DAYS} to {MAX_VALID_DAYS} days, "
                        f"not {valid_days}")
    if row["decision"] != result.decision or _judgment(row["result"]) != _judgment(judged):
        problems.insert(0, f"its stored decision ({row['decision']}; result {_decision_words(row['result'])}) is "
                           f"not what the screening rules decide for its answers ({_decision_words(judged)})")
    row["result"] = judged  # the engine's words, not the file's
    return problems


def _screening(row: dict, context: ImportContext) -> Screening:
    return context.db.get(Screening, row["screening_id"])


def imported_override_problems(row: dict, context: ImportContext) -> list[str]:
    """An override only where the override page would allow it (never on an urgent refer)."""
    from clinic.screening.operations import override_problem

    screening = _screening(row, context)
    problems = context.not_after_now("at", row["at"])
    if row["at"] < screening.screened_at:
        problems.append("at: the override is dated before its screening")
    rule_ids = [r for r in row["rule_ids"].split(",") if r]
    problem = override_problem(context.db, screening, rule_ids, row["reason"])
    return ([problem] if problem else []) + problems


def imported_clearance_problems(row: dict, context: ImportContext) -> list[str]:
    """A clearance only where the clearance page would allow it (never on an urgent refer)."""
    from clinic.screening.operations import clearance_problem

    screening = _screening(row, context)
    problems = context.not_after_now("recorded_at", row["recorded_at"])
    problem = clearance_problem(context.db, screening, rule_id=row["rule_id"], cleared_by=row["cleared_by"],
                                cleared_on=row["cleared_on"], note=row["note"],
                                today=context.local_date(min(row["recorded_at"], context.now)))
    return ([problem] if problem else []) + problems

