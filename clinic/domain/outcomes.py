"""Outcome measures (FHIR *Observation* values): QuickDASH, grip strength, pain trend.

Pure functions; CLINICAL.md §5 gives the rules.
"""

from __future__ import annotations

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
