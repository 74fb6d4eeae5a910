"""Moving an approved plan on to its next stage (pure: a draft in, a draft out).

A stage is entered only when the therapist confirms its ``move_on_when`` criteria *and* the stage's
earliest day, computed from the case facts, has come (CS-05). A stage still waiting for a date (the
doctor has not yet confirmed healing) needs that date recorded in the case facts first, which
generates the plan again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from clinic.domain.planning import PlanDraft, PlanEditError, PlannedStage, format_day

__all__ = ["current_stage", "move_to_next_stage", "next_stage"]


def current_stage(draft: PlanDraft) -> PlannedStage | None:
    """The stage marked current, or None when no stage has started yet."""
    return next((s for s in draft.stages if s.id == draft.current_stage), None)


def next_stage(draft: PlanDraft) -> PlannedStage | None:
    """The stage after the current one (the first stage when none has started), or None after the last."""
    current = current_stage(draft)
    if current is None:
        return draft.stages[0] if draft.stages else None
    index = draft.stages.index(current)
    return draft.stages[index + 1] if index + 1 < len(draft.stages) else None


def move_to_next_stage(draft: PlanDraft, confirmed: tuple[str, ...], on_date: dt.date) -> PlanDraft:
    """The draft with the next stage current; PlanEditError says why not (criteria, dates, last stage)."""
    current = current_stage(draft)
    target = next_stage(draft)
    if target is None:
        raise PlanEditError("This is the last stage of the plan; there is no stage to move on to.")
    needed = current.move_on_when if current is not None else ()
    missing = [c for c in needed if c not in confirmed]
    if missing:
        raise PlanEditError("Confirm every criterion before moving on: " + "; ".join(missing))
    if target.earliest is None or not target.firm:
        raise PlanEditError(
            f"Stage {target.number} ({target.title}) has no date yet: {target.window}. "
            "Record the missing date in the case facts first (update the plan's facts)."
        )
    if target.earliest > on_date:
        raise PlanEditError(
            f"Stage {target.number} ({target.title}) cannot start before {format_day(target.earliest)}."
        )
    stages = tuple(
        replace(s, current=s.id == target.id, date_reached=s.date_reached or s.id == target.id)
        for s in draft.stages
    )
    return replace(draft, stages=stages, current_stage=target.id)
