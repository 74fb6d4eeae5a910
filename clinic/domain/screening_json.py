"""Screening as JSON: the answers and facts `clinic screen` reads, and the stored or printed result.

The format is documented in ``protocols/screening.md``; the judging itself is ``clinic.domain.screening``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from clinic.domain.screening import Answer, Finding, ScreeningResult
from clinic.domain.screening_rules import ISO_DATE, RuleSet, expected_one_of, json_shown


def answers_from_json(obj: Any) -> dict[str, Answer]:
    """Answers from JSON: {"fever": "no", "open_wound": {"answer": "yes", "regions": [...]}}."""
    if not isinstance(obj, dict):
        raise ValueError(f"answers: expected an object of question id → answer, got {json_shown(obj)}")
    answers: dict[str, Answer] = {}
    for rule_id, raw in obj.items():
        if isinstance(raw, str):
            raw = {"answer": raw}
        if not isinstance(raw, dict):
            raise ValueError(f"answers.{rule_id}: expected yes, no, not_known or an object, got {json_shown(raw)}")
        unknown = set(raw) - {"answer", "detail", "regions", "side"}
        if unknown:
            first = sorted(unknown)[0]
            raise ValueError(f"answers.{rule_id}.{first}: expected one of answer, detail, regions, side")
        regions = raw.get("regions", [])
        if not isinstance(regions, list):
            raise ValueError(f"answers.{rule_id}.regions: expected a list, got {json_shown(regions)}")
        try:
            answers[rule_id] = Answer(
                value=raw.get("answer"),
                detail=raw.get("detail", ""),
                regions=tuple(regions),
                side=raw.get("side"),
            )
        except ValueError as exc:
            raise ValueError(f"answers.{rule_id}: {exc}") from None
    return answers


def facts_from_json(obj: Any, rules: RuleSet) -> dict[str, Any]:
    """Case facts from JSON, typed by the protocol's facts (dates become dates); "condition" is skipped."""
    if not isinstance(obj, dict):
        raise ValueError(f"facts: expected an object of fact name → value, got {json_shown(obj)}")
    condition = condition_from_json(obj, rules)
    by_name = {fact.name: fact for fact in rules.facts_of(condition)}
    known = tuple(by_name)
    facts: dict[str, Any] = {}
    for name, value in obj.items():
        if name == "condition" or value is None:
            continue
        if name not in known:
            of = condition or "any protocol"
            raise ValueError(f"facts.{name}: not a case fact of {of}; {expected_one_of(known, name)}")
        fact = by_name[name]
        if fact.is_date:
            if not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
                raise ValueError(f"facts.{name}: expected a date like 2026-03-14, got {json_shown(value)}")
            try:
                facts[name] = dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"facts.{name}: {value} is not a real date") from None
        elif fact.values:
            if value not in fact.values:
                raise ValueError(f"facts.{name}: {expected_one_of(fact.values, value)}")
            facts[name] = value
        elif isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            facts[name] = tuple(value) if isinstance(value, list) else value
        else:
            raise ValueError(f"facts.{name}: expected text or a list of text, got {json_shown(value)}")
    return facts


def condition_from_json(obj: Any, rules: RuleSet) -> str | None:
    """The protocol id in a facts file's "condition" key, or None when it has none."""
    if not isinstance(obj, dict) or obj.get("condition") is None:
        return None
    condition = obj["condition"]
    if condition not in rules.conditions:
        raise ValueError(
            f"facts.condition: expected one of {', '.join(rules.conditions)}, got {json_shown(condition)}"
        )
    return condition


def result_to_json(result: ScreeningResult) -> dict[str, Any]:
    """The result as JSON-ready data with a stable key order and ISO dates."""

    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "decision": result.decision,
        "urgent": result.urgent,
        "words": result.words,
        "on_date": iso(result.on_date),
        "condition": result.condition,
        "rules_version": result.rules_version,
        "earliest_date": iso(result.earliest_date),
        "findings": [
            {
                "rule_id": f.rule_id,
                "category": f.category,
                "regions": list(f.regions),
                "side": f.side,
                "therapist_text": f.therapist_text,
                "patient_text": f.patient_text,
                "detail": f.detail,
                "earliest_date": iso(f.earliest_date),
                "start_when": f.start_when,
                "waiting_for": list(f.waiting_for),
                "blocks": list(f.blocks),
                "name": f.name,
            }
            for f in result.findings
        ],
        "unanswered": list(result.unanswered),
        "not_known": list(result.not_known),
        "missing_facts": list(result.missing_facts),
        "impossible_facts": list(result.impossible_facts),
        "unmarked": list(result.unmarked),
        "ignored": list(result.ignored),
    }


def result_from_json(obj: Mapping[str, Any]) -> ScreeningResult:
    """A stored result (``result_to_json``) back as a ScreeningResult; keys added later default."""

    def day(value: Any) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    findings = tuple(
        Finding(
            rule_id=f["rule_id"], category=f["category"], regions=tuple(f.get("regions") or ()),
            side=f.get("side"), therapist_text=f.get("therapist_text", ""), patient_text=f.get("patient_text", ""),
            detail=f.get("detail", ""), earliest_date=day(f.get("earliest_date")),
            start_when=f.get("start_when", ""), waiting_for=tuple(f.get("waiting_for") or ()),
            name=f.get("name", ""),
        )
        for f in obj.get("findings", [])
    )
    return ScreeningResult(
        decision=obj["decision"], findings=findings, earliest_date=day(obj.get("earliest_date")),
        unanswered=tuple(obj.get("unanswered", ())), not_known=tuple(obj.get("not_known", ())),
        missing_facts=tuple(obj.get("missing_facts", ())), impossible_facts=tuple(obj.get("impossible_facts", ())),
        unmarked=tuple(obj.get("unmarked", ())), ignored=tuple(obj.get("ignored", ())),
        on_date=day(obj.get("on_date")) or dt.date.min, condition=obj.get("condition"),
        rules_version=obj.get("rules_version", 0),
    )
