"""Moving a plan on to its next stage (pure: a draft in, a draft out).

A stage is entered only when the therapist confirms its entry criteria (``clinic.domain.staging``: the
``move_on_when`` of the stage before and the stage's own ``confirm:`` lines) *and* the stage's earliest day,
computed from the case facts, has come (CS-05, CLINICAL.md §3). A stage still waiting for a date (the
doctor has not yet confirmed healing) needs that date recorded in the case facts first, which
generates the plan again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import replace

from clinic.domain.planning import PlanDraft, PlanEditError, PlannedStage, format_day
from clinic.domain.staging import entry_criteria

__all__ = ["current_stage", "move_to_next_stage", "next_stage", "next_stage_criteria"]


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


def next_stage_criteria(draft: PlanDraft) -> tuple[str, ...]:
    """What the therapist confirms before the next stage begins (empty after the last stage)."""
    target = next_stage(draft)
    return entry_criteria(draft.stages, target.id) if target is not None else ()


def move_to_next_stage(
    draft: PlanDraft, confirmed: tuple[str, ...], on_date: dt.date, already: Collection[tuple[str, str]] = ()
) -> PlanDraft:
    """The draft with the next stage current; PlanEditError says why not (criteria, dates, last stage).

    ``confirmed`` are the criteria ticked now; ``already`` the (stage id, criterion) pairs recorded before."""
    target = next_stage(draft)
    if target is None:
        raise PlanEditError("This is the last stage of the plan; there is no stage to move on to.")
    needed = entry_criteria(draft.stages, target.id)
    missing = [c for c in needed if c not in confirmed and (target.id, c) not in already]
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
