"""The exercise diary brought back (OUT-06): the printed sheet's ticks and pain scores turned into adherence and
the 24-hour pain response. Pure: days in, numbers out.

Adherence of an exercise = ticks ÷ boxes printed over the days the diary covers (a day left blank on the sheet is
not counted at all; a day with something written counts its empty boxes as not done). Overall adherence = all
ticks ÷ all boxes. The 24-hour pain response compares a day's pain before exercising with the day before's: higher
is "worse the next morning", the sign the pain rule uses (CLINICAL.md §3.3: if it is worse the next morning, do
less).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_DIARY_DAYS = 28
MAX_BOXES = 4  # the sheet prints one box per time a day, at most 4


def boxes(times_per_day: int | None) -> int:
    """How many boxes a day the printed diary gives an exercise done ``times_per_day``."""
    return min(max(times_per_day or 1, 1), MAX_BOXES)


@dataclass(frozen=True)
class DiaryDay:
    """One day of the diary: ticks per exercise (done, boxes) and the pain before and after (0–10 or None)."""

    day: dt.date
    ticks: Mapping[str, tuple[int, int]]
    pain_before: int | None = None
    pain_after: int | None = None

    def __post_init__(self) -> None:
        for ref, (done, total) in self.ticks.items():
            if not 0 <= done <= total <= MAX_BOXES:
                raise ValueError(f"{self.day}: {ref}: {done} ticks of {total} boxes")
        for name, value in (("pain before", self.pain_before), ("pain after", self.pain_after)):
            if value is not None and not 0 <= value <= 10:
                raise ValueError(f"{self.day}: {name} must be from 0 to 10, got {value}")


@dataclass(frozen=True)
class ExerciseAdherence:
    """Ticks against boxes of one exercise."""

    ref: str
    done: int
    boxes: int

    @property
    def percent(self) -> float | None:
        """Done as % of the boxes (None with no boxes)."""
        return self.done / self.boxes * 100 if self.boxes else None


@dataclass(frozen=True)
class Adherence:
    """Per exercise and overall, over ``days`` diary days."""

    exercises: tuple[ExerciseAdherence, ...]
    days: int

    @property
    def percent(self) -> float | None:
        """All ticks as % of all boxes."""
        total = sum(e.boxes for e in self.exercises)
        return sum(e.done for e in self.exercises) / total * 100 if total else None


def adherence(days: Sequence[DiaryDay]) -> Adherence:
    """Adherence per exercise (in the order first seen) and overall."""
    done: dict[str, int] = {}
    total: dict[str, int] = {}
    for day in days:
        for ref, (ticks, box_count) in day.ticks.items():
            done[ref] = done.get(ref, 0) + ticks
            total[ref] = total.get(ref, 0) + box_count
    return Adherence(tuple(ExerciseAdherence(ref, done[ref], total[ref]) for ref in done), len(days))


@dataclass(frozen=True)
class PainResponse:
    """The pain rule read from the diary: days the pain after exercising was above the limit, and days the pain
    before exercising was higher than the day before (worse the next morning)."""

    above_limit: tuple[dt.date, ...]
    worse_next_morning: tuple[dt.date, ...]
    limit: int

    @property
    def keeps_the_rule(self) -> bool:
        """True when no day broke the pain rule."""
        return not self.above_limit and not self.worse_next_morning


def pain_response(days: Sequence[DiaryDay], limit: int = 5) -> PainResponse:
    """The 24-hour pain response over the diary days (in date order); ``limit`` is the most pain allowed after
    exercising (the pain rule: above 5 of 10 is too much)."""
    ordered = sorted(days, key=lambda d: d.day)
    above = tuple(d.day for d in ordered if d.pain_after is not None and d.pain_after > limit)
    worse = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        if (after.day - before.day).days == 1 and before.pain_before is not None and after.pain_before is not None \
                and after.pain_before > before.pain_before:
            worse.append(after.day)
    return PainResponse(above, tuple(worse), limit)
