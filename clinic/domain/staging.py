"""Which stage of a plan is current: its date has come AND its entry criteria are confirmed (CLINICAL.md §3).

The calendar alone never moves a plan on. A stage's entry criteria are what the therapist confirms before it
begins: the stage before it says when to move on (``move_on_when``) and the stage itself may add its own
(the ``confirm:`` lines of its ``starts``). The first stage has none: it begins on its date. A later stage is
current only when every stage up to it has its date and its criteria confirmed, so no stage is skipped.

Pure: the confirmations are (stage id, criterion) pairs the caller read from the database.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from clinic.domain.plan_model import PlannedStage

__all__ = ["choose_current", "entry_criteria", "missing_criteria"]


def entry_criteria(stages: Sequence[PlannedStage], stage_id: str) -> tuple[str, ...]:
    """What the therapist confirms before the stage ``stage_id`` begins, in the protocol's words, in order."""
    index = next(i for i, stage in enumerate(stages) if stage.id == stage_id)
    if index == 0:
        return ()
    return tuple(dict.fromkeys((*stages[index - 1].move_on_when, *stages[index].confirmations)))


def missing_criteria(
    stages: Sequence[PlannedStage], stage_id: str, confirmed: Collection[tuple[str, str]]
) -> tuple[str, ...]:
    """The entry criteria of ``stage_id`` not yet confirmed."""
    return tuple(c for c in entry_criteria(stages, stage_id) if (stage_id, c) not in confirmed)


def choose_current(stages: Sequence[PlannedStage], confirmed: Collection[tuple[str, str]]) -> str | None:
    """The id of the current stage, or None when the first stage's date has not come.

    Walks the stages in order and stops at the first one whose date has not come or whose entry criteria
    are not all confirmed."""
    current = None
    for stage in stages:
        if not stage.date_reached or missing_criteria(stages, stage.id, confirmed):
            break
        current = stage.id
    return current
