"""Scorers of the measures a hand therapist reports (FHIR *Observation* values), beyond QuickDASH and grip
(``clinic.domain.outcomes``): the QuickDASH optional modules, PRWE, PSFS, pain NRS, range of motion and pinch.

Pure functions: numbers in, a frozen result out, ``ValueError`` with a sentence for anything out of range or not a
number. Each scorer's docstring gives its published rule. The wording patients read (items and answers) is data:
``protocols/measures/*.yaml`` (``clinic.domain.questionnaires``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "PINCH_KINDS", "PRWE_FUNCTION_ITEMS", "PRWE_ITEMS", "PRWE_PAIN_ITEMS", "PSFS_MAX", "PSFS_MIN",
    "QUICKDASH_MODULE_ITEMS", "ROM_MOTIONS", "Motion", "PainNrs", "Pinch", "Prwe", "Psfs", "QuickDashModule",
    "RomSet", "SideBySide", "pain_nrs", "pinch", "prwe", "psfs", "quickdash_module", "rom",
]


def _whole(name: str, value: object, low: int, high: int) -> int:
    """``value`` as a whole number from low to high, or ValueError naming the answer."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    return value


def _items(name: str, items: Sequence[int | None], count: int, low: int, high: int) -> list[int | None]:
    if isinstance(items, str | bytes):
        raise ValueError(f"{name}: expected a list of {count} answers, got text {items!r}")
    if len(items) != count:
        raise ValueError(f"{name} has {count} items; got {len(items)}")
    return [None if v is None else _whole(f"{name} item {n}", v, low, high) for n, v in enumerate(items, start=1)]


# ------------------------------------------------------------------------------ QuickDASH modules

QUICKDASH_MODULE_ITEMS = 4


@dataclass(frozen=True)
class QuickDashModule:
    """A QuickDASH Work or Sports/Performing Arts module: ``score`` is None unless all 4 items were answered."""

    score: float | None
    answered: int


def quickdash_module(items: Sequence[int | None]) -> QuickDashModule:
    """Score an optional QuickDASH module (Work, or Sports/Performing Arts): 4 items answered 1–5.

    Published rule (Institute for Work & Health, *The QuickDASH Outcome Measure* scoring): all 4 items must be
    answered (no missing item is allowed in a module); score = ((sum ÷ 4) − 1) × 25, from 0 (no difficulty) to
    100 (unable)."""
    values = _items("QuickDASH module", items, QUICKDASH_MODULE_ITEMS, 1, 5)
    answered = [v for v in values if v is not None]
    if len(answered) < QUICKDASH_MODULE_ITEMS:
        return QuickDashModule(score=None, answered=len(answered))
    return QuickDashModule(score=(sum(answered) / QUICKDASH_MODULE_ITEMS - 1) * 25, answered=len(answered))


# ------------------------------------------------------------------------------------------ PRWE

PRWE_PAIN_ITEMS = 5
PRWE_FUNCTION_ITEMS = 10
PRWE_ITEMS = PRWE_PAIN_ITEMS + PRWE_FUNCTION_ITEMS
# Missing-item rule (see ``prwe``): at most this many unanswered items per subscale are replaced.
PRWE_MAX_MISSING_PAIN = 1
PRWE_MAX_MISSING_FUNCTION = 2


@dataclass(frozen=True)
class Prwe:
    """A PRWE result: pain 0–50, function 0–50, total 0–100 (None when too many items are missing)."""

    pain: float | None
    function: float | None
    answered: int
    replaced: int  # unanswered items given their subscale's mean

    @property
    def total(self) -> float | None:
        """Pain + function, 0 (no pain or disability) to 100; None unless both subscales are scored."""
        return None if self.pain is None or self.function is None else self.pain + self.function


def _subscale(values: list[int | None], max_missing: int) -> tuple[float | None, int]:
    answered = [v for v in values if v is not None]
    missing = len(values) - len(answered)
    if missing > max_missing or not answered:
        return None, 0
    mean = sum(answered) / len(answered)
    return sum(answered) + missing * mean, missing


def prwe(items: Sequence[int | None]) -> Prwe:
    """Score the Patient-Rated Wrist Evaluation: 15 items, each 0–10 (items 1–5 pain, 6–15 function).

    Published rule (MacDermid 1998; *PRWE User Manual*, MacDermid 2011): pain = sum of the 5 pain items (0–50);
    function = sum of the 10 function items ÷ 2 (0–50); total = pain + function (0–100, higher is worse).

    Missing items: the user manual allows an unanswered item to be replaced by the mean of the answered items of
    its subscale. We replace at most 1 of the 5 pain items and at most 2 of the 10 function items (20 % of each
    subscale, our limit: beyond it the score would rest too much on guessed values) and otherwise give that
    subscale, and so the total, no score. The result says how many items were replaced."""
    values = _items("PRWE", items, PRWE_ITEMS, 0, 10)
    pain, pain_replaced = _subscale(values[:PRWE_PAIN_ITEMS], PRWE_MAX_MISSING_PAIN)
    function_sum, function_replaced = _subscale(values[PRWE_PAIN_ITEMS:], PRWE_MAX_MISSING_FUNCTION)
    return Prwe(pain=pain, function=None if function_sum is None else function_sum / 2,
                answered=sum(v is not None for v in values),
                replaced=(pain_replaced if pain is not None else 0)
                + (function_replaced if function_sum is not None else 0))


# ------------------------------------------------------------------------------------------ PSFS

PSFS_MIN = 3
PSFS_MAX = 5
PSFS_NAME_MAX = 120


@dataclass(frozen=True)
class Psfs:
    """A PSFS result: the activities as named, their 0–10 ratings and the mean (0 = unable, 10 = as before)."""

    activities: tuple[tuple[str, int], ...]

    @property
    def score(self) -> float:
        """The mean rating, 0–10 (higher is better)."""
        return sum(r for _n, r in self.activities) / len(self.activities)


def psfs(activities: Sequence[tuple[str, int]]) -> Psfs:
    """Score the Patient-Specific Functional Scale: 3 to 5 activities the patient names, each rated 0 (unable to
    do it) to 10 (able to do it as before the problem).

    Published rule (Stratford et al. 1995): score = mean of the activity ratings. The same activities are
    rated again at each visit; the usual meaningful change for the mean is 2 points (protocol data)."""
    if isinstance(activities, str | bytes) or not PSFS_MIN <= len(activities) <= PSFS_MAX:
        raise ValueError(f"PSFS: name {PSFS_MIN} to {PSFS_MAX} activities")
    out = []
    for number, (name, rating) in enumerate(activities, start=1):
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"PSFS activity {number}: name the activity")
        if len(name.strip()) > PSFS_NAME_MAX:
            raise ValueError(f"PSFS activity {number}: at most {PSFS_NAME_MAX} characters")
        out.append((name.strip(), _whole(f"PSFS activity {number}", rating, 0, 10)))
    return Psfs(activities=tuple(out))


# --------------------------------------------------------------------------------------- pain NRS


@dataclass(frozen=True)
class PainNrs:
    """Pain on the 0–10 numeric rating scale at rest and on activity (either may be not asked)."""

    at_rest: int | None
    on_activity: int | None

    @property
    def score(self) -> int:
        """The worse of the two (what the trend and the stage checks follow)."""
        return max(v for v in (self.at_rest, self.on_activity) if v is not None)


def pain_nrs(at_rest: int | None, on_activity: int | None) -> PainNrs:
    """Pain numeric rating scale (NPRS): 0 (no pain) to 10 (worst pain imaginable), asked at rest and on
    activity, any day (not only in a session). At least one of the two is needed."""
    if at_rest is None and on_activity is None:
        raise ValueError("Pain: give the pain at rest, on activity, or both")
    return PainNrs(at_rest=None if at_rest is None else _whole("pain at rest", at_rest, 0, 10),
                   on_activity=None if on_activity is None else _whole("pain on activity", on_activity, 0, 10))


# ---------------------------------------------------------------------------- sides: ROM, pinch


@dataclass(frozen=True)
class SideBySide:
    """One value measured on both sides: the affected side as a percentage of the other (None when the
    other side is 0 or not measured)."""

    name: str
    affected: float | None
    other: float | None

    @property
    def percent(self) -> float | None:
        """Affected as % of the other side."""
        if self.affected is None or self.other is None or self.other == 0:
            return None
        return self.affected / self.other * 100

    @property
    def difference(self) -> float | None:
        """Other minus affected (the deficit), in the measure's unit."""
        return None if self.affected is None or self.other is None else self.other - self.affected


@dataclass(frozen=True)
class Motion:
    """A range-of-motion measurement: its name, the largest plausible value in degrees."""

    id: str
    name: str
    high: int


# Active range of motion measured with a goniometer, in degrees from the neutral zero position. The upper limits
# only refuse typing slips; they sit above the usual adult ranges (AAOS: wrist flexion ~80, extension ~70,
# radial deviation ~20, ulnar ~30, pronation and supination ~80–90; finger TAM ~260 = MCP + PIP + DIP flexion
# minus extension deficits, Kleinert/ASSH).
ROM_MOTIONS = (
    Motion("wrist_flexion", "Wrist flexion", 120),
    Motion("wrist_extension", "Wrist extension", 120),
    Motion("radial_deviation", "Radial deviation", 60),
    Motion("ulnar_deviation", "Ulnar deviation", 70),
    Motion("pronation", "Forearm pronation", 120),
    Motion("supination", "Forearm supination", 120),
    Motion("finger_tam", "Finger total active motion", 320),
)
_MOTION = {m.id: m for m in ROM_MOTIONS}


@dataclass(frozen=True)
class RomSet:
    """One range-of-motion set: each motion measured, affected against the other side (degrees)."""

    motions: tuple[SideBySide, ...]

    @property
    def score(self) -> float | None:
        """Mean of the motions' affected-as-%-of-other, over the motions measured on both sides."""
        percents = [m.percent for m in self.motions if m.percent is not None]
        return sum(percents) / len(percents) if percents else None


def rom(values: Mapping[str, tuple[int | None, int | None]]) -> RomSet:
    """Range of motion in whole degrees, affected side against the other, per motion of ``ROM_MOTIONS``.

    Rule: each motion is compared side to side (affected ÷ other × 100 %), the usual way to report a one-sided
    hand or wrist problem (ASHT *Clinical Assessment Recommendations*); the set's summary is the mean of those
    percentages. A motion may be left out; at least one must have the affected side measured."""
    out = []
    for motion_id, (affected, other) in values.items():
        motion = _MOTION.get(motion_id)
        if motion is None:
            raise ValueError(f"Range of motion: unknown motion {motion_id!r}")
        a = None if affected is None else _whole(f"{motion.name} (affected side)", affected, 0, motion.high)
        o = None if other is None else _whole(f"{motion.name} (other side)", other, 0, motion.high)
        if a is not None or o is not None:
            out.append(SideBySide(motion.name, a, o))
    if not any(m.affected is not None for m in out):
        raise ValueError("Range of motion: measure at least one motion of the affected side")
    order = [m.name for m in ROM_MOTIONS]
    return RomSet(motions=tuple(sorted(out, key=lambda m: order.index(m.name))))


# --------------------------------------------------------------------------------------- pinch

PINCH_KINDS = (("key", "Key (lateral) pinch"), ("tip", "Tip pinch"), ("three_jaw", "Three-jaw (palmar) pinch"))
PINCH_MAX_KG = 50.0


@dataclass(frozen=True)
class Pinch:
    """Pinch strengths (kg), each affected against the other side."""

    kinds: tuple[SideBySide, ...]

    @property
    def score(self) -> float | None:
        """Key pinch (the one most often reported) as % of the other side, else the first measured."""
        percents = [k.percent for k in self.kinds if k.percent is not None]
        return percents[0] if percents else None


def _kg(name: str, value: float | None, low: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= PINCH_MAX_KG:
        raise ValueError(f"{name}: expected a number of kg from {low:g} to {PINCH_MAX_KG:g}, got {value!r}")
    return float(value)


def pinch(values: Mapping[str, tuple[float | None, float | None]]) -> Pinch:
    """Pinch strength with a pinch gauge (kg): key, tip and three-jaw, each the mean of the trials, affected side as
    a percentage of the other, as for grip (ASHT *Clinical Assessment Recommendations*, Mathiowetz 1985 method).
    A kind may be left out; at least one must have both sides."""
    labels = dict(PINCH_KINDS)
    out = []
    for kind, (affected, other) in values.items():
        if kind not in labels:
            raise ValueError(f"Pinch: unknown kind {kind!r}")
        a = _kg(f"{labels[kind]} (affected side)", affected, 0)
        o = _kg(f"{labels[kind]} (other side)", other, 0.1)
        if a is not None or o is not None:
            out.append(SideBySide(labels[kind], a, o))
    if not any(k.percent is not None for k in out):
        raise ValueError("Pinch: measure at least one kind of pinch on both sides")
    order = [label for _k, label in PINCH_KINDS]
    return Pinch(kinds=tuple(sorted(out, key=lambda k: order.index(k.name))))
