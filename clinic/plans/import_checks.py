"""Plan rows from a patient import, held to the rules of the plan pages (REL-12); see clinic.domain.stored_plans.

Sessions and outcome measures go through the same functions the session and measure pages use
(``clinic.domain.outcomes``): a stored score must be the score of its answers, pain is on the 0-10 scale.
"""

from __future__ import annotations

import functools

from clinic.domain.outcomes import grip_values, quickdash_values, session_problems
from clinic.domain.plan_json import plan_from_canonical
from clinic.domain.protocols import illustration_ids_in
from clinic.domain.stored_plans import revision_problems, stored_plan_problems
from clinic.library import ILLUSTRATIONS
from clinic.models import Plan, PlanStatus, Screening
from clinic.patients.registry import ImportContext

MEASURE_INPUTS = {"quickdash": ("items",), "grip": ("side", "affected_kg", "other_kg")}


@functools.cache
def _illustrations() -> frozenset[str]:
    return frozenset(illustration_ids_in(ILLUSTRATIONS))


def _urgent_screening(context: ImportContext, screening_id: int | None) -> list[str]:
    """A plan may never rest on a screening that found a possible emergency (it can be neither overridden nor
    cleared, so no page could have approved a plan on it)."""
    screening = context.db.get(Screening, screening_id) if screening_id is not None else None
    if screening is not None and screening.result.get("urgent"):
        return ["its screening found a possible emergency: no plan can be made or approved on it"]
    return []


def imported_plan_problems(row: dict, context: ImportContext) -> list[str]:
    """A plan's draft must be a plan the pages could have made."""
    problems = [f"draft: {p}" for p in stored_plan_problems(row.get("draft"), _illustrations())]
    if row.get("status") not in {s.value for s in PlanStatus}:
        problems.append(f"status: {row.get('status')!r} is not one of {sorted(s.value for s in PlanStatus)}")
    return problems + _urgent_screening(context, row.get("screening_id"))


def imported_revision_problems(row: dict, context: ImportContext) -> list[str]:
    """An approved revision: a valid plan whose digest is the digest of its content (CS-09)."""
    problems = revision_problems(row.get("canonical"), row.get("digest"), _illustrations())
    problems += context.not_after_now("approved_at", row["approved_at"])
    return problems + _urgent_screening(context, row.get("screening_id"))


def _stage_ids(context: ImportContext, plan_id: int) -> list[str]:
    plan = context.db.get(Plan, plan_id)
    try:
        return [s.id for s in plan_from_canonical(plan.draft).stages]
    except (ValueError, TypeError):
        return []


def imported_session_problems(row: dict, context: ImportContext) -> list[str]:
    """A treatment session as the session page records it: a stage of its plan, not dated after it was
    recorded, pain on the 0-10 scale."""
    problems = session_problems(_stage_ids(context, row["plan_id"]), row["on_date"], row["stage_id"],
                                row["pain_before"], row["pain_after"],
                                context.local_date(min(row["recorded_at"], context.now)))
    return problems + context.not_after_now("recorded_at", row["recorded_at"])


def imported_measure_problems(row: dict, context: ImportContext) -> list[str]:
    """An outcome measure the measure pages record, scored again: its stored values must be exactly what the
    page stores for its inputs (a QuickDASH score of 0 on answers that score 100 is refused)."""
    values = row["values"]
    kind = row["kind"]
    if kind not in MEASURE_INPUTS:
        return [f"kind: {kind!r} is not a measure this clinic records ({', '.join(MEASURE_INPUTS)})"]
    missing = [name for name in MEASURE_INPUTS[kind] if name not in values]
    if missing:
        return [f"values: {', '.join(missing)} missing"]
    try:
        if kind == "quickdash":
            items = values["items"]
            expected = quickdash_values(items if isinstance(items, list) else str(items))
        else:
            affected, other = values["affected_kg"], values["other_kg"]
            expected = grip_values(values["side"], affected, other)
            if other == 0:  # the grip page asks 0.1 to 200 kg for the other hand: a percentage of nothing is none
                raise ValueError("other grip (kg): expected a number from 0.1 to 200, got 0")
    except (ValueError, TypeError) as exc:
        return [f"values: {exc}"]
    problems = []
    if values != expected:
        problems.append(f"values: the stored score {values.get('score')!r} is not the score of its answers "
                        f"({expected['score']!r}), or it holds values the page does not store")
    if row["on_date"] > context.local_date(min(row["recorded_at"], context.now)):
        problems.append("on_date: a measure cannot be dated after it was recorded")
    return problems + context.not_after_now("recorded_at", row["recorded_at"])


def imported_stage_move_problems(row: dict, context: ImportContext) -> list[str]:
    """A stage move between stages of its plan."""
    stages = _stage_ids(context, row["plan_id"])
    return [f"{name}: {row[name]!r} is not a stage of its plan" for name in ("from_stage", "to_stage")
            if row[name] and row[name] not in stages]


def imported_confirmation_problems(row: dict, context: ImportContext) -> list[str]:
    """A confirmed entry criterion of a stage of its plan."""
    if row["stage_id"] not in _stage_ids(context, row["plan_id"]):
        return [f"stage_id: {row['stage_id']!r} is not a stage of its plan"]
    return context.not_after_now("at", row["at"])
