"""Outcome measures (FHIR *Observation* values): QuickDASH, grip strength, pain trend.

Pure functions; CLINICAL.md §5 gives the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

QUICKDASH_ITEMS = 11
QUICKDASH_MIN_ANSWERED = 10
# About 14 points is the change a patient notices (CLINICAL.md §5).
QUICKDASH_MCID = 14.0
# Two points on the 0–10 pain scale is the usual meaningful change for a numeric rating scale.
PAIN_MEANINGFUL_CHANGE = 2


@dataclass(frozen=True)
class QuickDash:
    """A QuickDASH result: ``score`` is None when fewer than 10 items were answered."""

    score: float | None
    answered: int

    @property
    def valid(self) -> bool:
        """True when enough items were answered to give a score."""
        return self.score is not None


def quickdash(items: Sequence[int | None]) -> QuickDash:
    """Score 11 QuickDASH items (1–5, None for unanswered): ((sum ÷ answered) − 1) × 25."""
    if isinstance(items, str | bytes):
        raise ValueError(f"QuickDASH: expected a list of {QUICKDASH_ITEMS} answers, got text {items!r}")
    if len(items) != QUICKDASH_ITEMS:
        raise ValueError(f"QuickDASH has {QUICKDASH_ITEMS} items; got {len(items)}")
    answered = []
    for number, value in enumerate(items, start=1):
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ValueError(f"QuickDASH item {number}: expected a whole number from 1 to 5, got {value!r}")
        answered.append(value)
    if len(answered) < QUICKDASH_MIN_ANSWERED:
        return QuickDash(score=None, answered=len(answered))
    score = (sum(answered) / len(answered) - 1) * 25
    return QuickDash(score=score, answered=len(answered))


def quickdash_change_is_meaningful(before: float, after: float) -> bool:
    """True when two QuickDASH scores differ by at least the meaningful change (14 points)."""
    for name, value in (("before", before), ("after", after)):
        _check_range(name, value, 0, 100)
    return abs(after - before) >= QUICKDASH_MCID


def grip_percent(affected_kg: float | None, other_kg: float | None) -> float | None:
    """Affected-side grip as a percentage of the other side; None when the other side is 0 or missing."""
    if affected_kg is None or other_kg is None:
        return None
    _check_range("affected grip (kg)", affected_kg, 0, 200)
    _check_range("other grip (kg)", other_kg, 0, 200)
    if other_kg == 0:
        return None
    return affected_kg / other_kg * 100


def pain_trend(scores: Sequence[int]) -> str:
    """'better', 'worse' or 'same' from the first to the last 0–10 pain score; 'not_enough' below two."""
    for number, value in enumerate(scores, start=1):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
            raise ValueError(f"pain score {number}: expected a whole number from 0 to 10, got {value!r}")
    if len(scores) < 2:
        return "not_enough"
    change = scores[-1] - scores[0]
    if change <= -PAIN_MEANINGFUL_CHANGE:
        return "better"
    if change >= PAIN_MEANINGFUL_CHANGE:
        return "worse"
    return "same"


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name}: expected a number from {low} to {high}, got {value!r}")


# ------------------------------------------------------------------- what is stored, for the pages and import

GRIP_SIDES = ("left", "right")
PAIN_SCALE = range(0, 11)


def quickdash_values(items: Sequence[int | None]) -> dict:
    """The stored values of a QuickDASH: its items, how many were answered, the score to one decimal."""
    result = quickdash(items)
    return {"items": list(items), "answered": result.answered,
            "score": round(result.score, 1) if result.score is not None else None}


def grip_values(side: str, affected_kg: float, other_kg: float) -> dict:
    """The stored values of a grip measure; the score is the affected side as a percentage of the other."""
    if side not in GRIP_SIDES:
        raise ValueError(f"side: expected one of {', '.join(GRIP_SIDES)}, got {side!r}")
    percent = grip_percent(affected_kg, other_kg)
    return {"affected_kg": affected_kg, "other_kg": other_kg, "side": side,
            "score": round(percent, 1) if percent is not None else None}


def session_problems(stage_ids: Sequence[str], on_date: dt.date, stage_id: str, pain_before: int | None,
                     pain_after: int | None, today: dt.date) -> list[str]:
    """Why a treatment session cannot be recorded (the stage must be one of the plan's, the day not after
    ``today``, pain on the 0-10 scale); empty when it can."""
    problems = []
    if stage_id not in stage_ids:
        problems.append(f"The plan has no stage {stage_id!r}.")
    if on_date > today:
        problems.append("A session cannot be recorded for a day after today.")
    for name, value in (("before", pain_before), ("after", pain_after)):
        if value is not None and (isinstance(value, bool) or value not in PAIN_SCALE):
            problems.append(f"Pain {name} must be from 0 to 10.")
    return problems
