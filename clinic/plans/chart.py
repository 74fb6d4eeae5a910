"""The progress chart as plain geometry; ``templates/plans/_chart.html`` draws it as SVG (escaped).

Three panels share one time axis: pain before and after sessions (0–10), QuickDASH (0–100, with the
band of ±14 points around the first score: changes inside it are not meaningful) and grip as % of the
other hand. Each series has its own marker shape and dash pattern and every point its value written
beside it, so the chart reads without colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from clinic.domain.outcomes import QUICKDASH_MCID

WIDTH = 640
LEFT = 52
RIGHT = 24
PANEL_HEIGHT = 150
PANEL_GAP = 76
TOP = 30


@dataclass(frozen=True)
class Point:
    """A point in SVG coordinates and the value written beside it."""

    x: float
    y: float
    label: str
    day: dt.date


@dataclass(frozen=True)
class Series:
    """One line: its name in the legend, marker shape, dash pattern and points."""

    name: str
    marker: str  # circle, square, diamond, triangle
    dash: str  # SVG stroke-dasharray ("" = solid)
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        """The SVG path through the points."""
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))


@dataclass(frozen=True)
class Band:
    """A horizontal band (the meaningful-change band) with its label."""

    top: float
    bottom: float
    label: str


@dataclass(frozen=True)
class Panel:
    """One measure over time."""

    title: str
    top: float
    height: float
    y_ticks: tuple[tuple[float, str], ...]
    series: tuple[Series, ...]
    band: Band | None = None
    reference: tuple[float, str] | None = None
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """The whole chart: size, shared time ticks and the panels."""

    width: int
    height: int
    left: int
    right: int
    x_ticks: tuple[tuple[float, str], ...]
    panels: tuple[Panel, ...]
    summary: str  # the chart in words, for screen readers


def _x_scale(days: list[dt.date]):
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    usable = WIDTH - LEFT - RIGHT

    def x(day: dt.date) -> float:
        if first == last:
            return LEFT + usable / 2
        return LEFT + (day - first).days / span * usable

    ticks = []
    count = min(6, (last - first).days + 1)
    for i in range(count):
        day = first + dt.timedelta(days=round(i * (last - first).days / max(count - 1, 1)))
        ticks.append((x(day), f"{day.day} {day:%b}"))
    return x, tuple(dict.fromkeys(ticks))


def _y_scale(top: float, low: float, high: float):
    def y(value: float) -> float:
        value = min(max(value, low), high)
        return top + PANEL_HEIGHT - (value - low) / (high - low) * PANEL_HEIGHT
    return y


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def build(sessions: Iterable, outcomes: Iterable) -> Chart | None:
    """The chart of a patient's sessions (pain) and outcome measures; None when there is nothing to draw."""
    sessions = list(sessions)
    pain_before = [(s.on_date, s.pain_before) for s in sessions if s.pain_before is not None]
    pain_after = [(s.on_date, s.pain_after) for s in sessions if s.pain_after is not None]
    outcomes = list(outcomes)
    dash = [(o.on_date, o.score) for o in outcomes if o.kind == "quickdash" and o.score is not None]
    grip = [(o.on_date, o.score) for o in outcomes if o.kind == "grip" and o.score is not None]
    days = [d for d, _v in (*pain_before, *pain_after, *dash, *grip)]
    if not days:
        return None
    x, x_ticks = _x_scale(days)
    panels = []
    top = TOP
    words = []
    if pain_before or pain_after:
        y = _y_scale(top, 0, 10)
        series = tuple(
            Series(name, marker, dash_pattern, tuple(Point(x(d), y(v), str(v), d) for d, v in values))
            for name, marker, dash_pattern, values in (
                ("Pain before the session", "circle", "", pain_before),
                ("Pain after the session", "square", "6 4", pain_after),
            ) if values
        )
        panels.append(Panel("Pain (0 = none, 10 = worst)", top, PANEL_HEIGHT,
                            tuple((y(v), str(v)) for v in (0, 5, 10)), series))
        words.append(f"Pain before: {', '.join(str(v) for _d, v in pain_before) or 'none'}; "
                     f"after: {', '.join(str(v) for _d, v in pain_after) or 'none'}.")
        top += PANEL_HEIGHT + PANEL_GAP
    if dash:
        y = _y_scale(top, 0, 100)
        first = dash[0][1]
        band = Band(y(first + QUICKDASH_MCID), y(first - QUICKDASH_MCID),
                    f"±{QUICKDASH_MCID:g} points around the first score: a change inside this band is not meaningful")
        series = (Series("QuickDASH score", "diamond", "", tuple(Point(x(d), y(v), _fmt(v), d) for d, v in dash)),)
        change = dash[-1][1] - first
        note = ""
        if len(dash) > 1:
            meaningful = abs(change) >= QUICKDASH_MCID
            direction = "better" if change < 0 else "worse"
            note = (f"QuickDASH change since the first score: {_fmt(change)} points "
                    f"({'a meaningful change, ' + direction if meaningful else 'not a meaningful change'}).")
        panels.append(Panel("QuickDASH (0 = no disability, 100 = most)", top, PANEL_HEIGHT,
                            tuple((y(v), str(v)) for v in (0, 50, 100)), series, band=band, note=note))
        words.append(f"QuickDASH scores: {', '.join(_fmt(v) for _d, v in dash)}. {note}")
        top += PANEL_HEIGHT + PANEL_GAP
    if grip:
        high = max(100.0, *(v for _d, v in grip))
        high = float(int(high / 25 + 0.999) * 25)
        y = _y_scale(top, 0, high)
        series = (Series("Grip, % of the other hand", "triangle", "2 3",
                         tuple(Point(x(d), y(v), f"{_fmt(v)} %", d) for d, v in grip)),)
        panels.append(Panel("Grip (affected hand as % of the other)", top, PANEL_HEIGHT,
                            tuple((y(v), f"{v:.0f} %") for v in (0, high / 2, high)), series,
                            reference=(y(100), "100 % = as strong as the other hand")))
        words.append(f"Grip: {', '.join(_fmt(v) + ' %' for _d, v in grip)}.")
        top += PANEL_HEIGHT + PANEL_GAP
    return Chart(width=WIDTH, height=int(top - PANEL_GAP + 34), left=LEFT, right=RIGHT, x_ticks=x_ticks,
                 panels=tuple(panels), summary=" ".join(words))
