"""The progress chart as plain geometry; ``templates/plans/_chart.html`` draws it as SVG (escaped).

Panels share one time axis: pain before and after sessions (0–10), then each measure recorded (QuickDASH, PRWE,
PSFS, pain NRS, grip, pinch, range of motion), with a band of the protocol's meaningful change (MCID) around the
first score: changes inside it are not meaningful. Each series has its own marker shape and dash pattern and
every point its value written beside it, so the chart reads without colour; the numbers are also given as tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from clinic.domain.outcomes import QUICKDASH_MCID
from clinic.domain.protocol_measures import MeasureTarget
from clinic.measures.kinds import KINDS

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
    tables: tuple = ()  # the numbers as tables (``Table``), under the chart


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


# Marker and dash pattern of each measure, never two alike (nor like the session pain lines: circle solid,
# square "6 4"): each line is told apart without colour, in the legend too.
STYLES = {"quickdash": ("diamond", ""), "prwe": ("triangle", "8 3"), "psfs": ("circle", "2 3"),
          "pain": ("square", "4 2 1 2"), "grip": ("triangle", "2 3"), "pinch": ("diamond", "4 2 1 2"),
          "rom": ("square", "8 3")}
# The QuickDASH optional modules share its panel (same 0–100 scale), each line told apart like the others.
MODULES = {"work": ("Work module", "circle", "8 3"), "sports": ("Sports and performing arts module", "diamond", "2 3")}
# Kinds drawn after pain, in this order (clinic.measures.kinds has their titles and ranges).
MEASURE_ORDER = ("quickdash", "prwe", "psfs", "pain", "grip", "pinch", "rom")
REFERENCE = {"grip": "100 % = as strong as the other hand", "pinch": "100 % = as strong as the other hand",
             "rom": "100 % = as far as the other side"}
_DEFAULT = MeasureTarget("quickdash", QUICKDASH_MCID, "CLINICAL.md section 5")


@dataclass(frozen=True)
class Table:
    """The chart's numbers as a table (WCAG 1.1.1): a caption, column heads and one row per date."""

    caption: str
    heads: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _change_note(title: str, values: list[tuple[dt.date, float]], target: MeasureTarget | None, unit: str,
                 lower_is_better: bool) -> str:
    if len(values) < 2:
        return ""
    first, last = values[0][1], values[-1][1]
    change = last - first
    direction = "better" if (change < 0) == lower_is_better else "worse"
    words = f"{title} change since the first score: {_fmt(change)}{unit}"
    if target is None:
        return words + " (no meaningful-change figure is set for this measure in the protocol)."
    threshold = target.threshold(first)
    meaningful = abs(change) >= threshold and change != 0
    return (words + f" ({'a meaningful change, ' + direction if meaningful else 'not a meaningful change'}). "
            f"Meaningful from {_fmt(threshold)}{unit}: {target.source}.")


def build(sessions: Iterable, outcomes: Iterable,
          target: Callable[[str], MeasureTarget | None] | None = None) -> Chart | None:
    """The chart of a patient's sessions (pain) and measures; None when there is nothing to draw.

    ``target(measure)`` gives the protocol's meaningful-change figure of a measure (None: no band). Without it,
    QuickDASH uses CLINICAL.md's 14 points."""
    target = target or (lambda kind: _DEFAULT if kind == "quickdash" else None)
    sessions = list(sessions)
    pain_before = [(s.on_date, s.pain_before) for s in sessions if s.pain_before is not None]
    pain_after = [(s.on_date, s.pain_after) for s in sessions if s.pain_after is not None]
    outcomes = list(outcomes)
    by_kind: dict[str, list[tuple[dt.date, float]]] = {}
    for o in outcomes:
        if o.kind in KINDS and o.score is not None:
            by_kind.setdefault(o.kind, []).append((o.on_date, float(o.score)))
    modules: dict[str, list[tuple[dt.date, float]]] = {}
    for o in outcomes:
        if o.kind == "quickdash" and o.score is not None:
            for module_id, module in ((getattr(o, "values", None) or {}).get("modules") or {}).items():
                if module_id in MODULES and module.get("score") is not None:
                    modules.setdefault(module_id, []).append((o.on_date, float(module["score"])))
    days = [d for d, _v in (*pain_before, *pain_after, *(p for v in by_kind.values() for p in v))]
    if not days:
        return None
    x, x_ticks = _x_scale(days)
    panels: list[Panel] = []
    tables: list[Table] = []
    top: float = TOP
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
        panels.append(Panel("Pain (0 = none, 10 = worst) before and after sessions", top, PANEL_HEIGHT,
                            tuple((y(v), str(v)) for v in (0, 5, 10)), series))
        words.append(f"Pain before: {', '.join(str(v) for _d, v in pain_before) or 'none'}; "
                     f"after: {', '.join(str(v) for _d, v in pain_after) or 'none'}.")
        dates = sorted({d for d, _v in (*pain_before, *pain_after)})
        before, after = dict(pain_before), dict(pain_after)
        tables.append(Table("Pain in sessions", ("Date", "Before", "After"), tuple(
            (f"{d.day} {d:%b %Y}", str(before.get(d, "—")), str(after.get(d, "—"))) for d in dates)))
        top += PANEL_HEIGHT + PANEL_GAP
    for kind_id in (k for k in MEASURE_ORDER if k in by_kind):
        kind = KINDS[kind_id]
        values = by_kind[kind_id]
        unit = kind.unit
        high = kind.high
        if unit == " %":
            high = float(int(max(100.0, *(v for _d, v in values)) / 25 + 0.999) * 25)
        y = _y_scale(top, kind.low, high)
        marker, dash = STYLES[kind_id]
        goal = target(kind_id)
        band = None
        if goal is not None:
            first = values[0][1]
            size = goal.threshold(first)
            band = Band(y(first + size), y(first - size),
                        f"±{_fmt(size)} points around the first score: a change inside this band is not meaningful"
                        if unit != " %" else f"±{_fmt(size)} % around the first: not a meaningful change")
        series = (Series(f"{kind.title}", marker, dash,
                         tuple(Point(x(d), y(v), f"{_fmt(v)}{unit}", d) for d, v in values)),)
        module_words: list[str] = []
        module_tables: list[Table] = []
        if kind_id == "quickdash":
            for module_id, module_values in modules.items():
                title, module_marker, module_dash = MODULES[module_id]
                series += (Series(f"QuickDASH {title.lower()}", module_marker, module_dash,
                                  tuple(Point(x(d), y(v), _fmt(v), d) for d, v in module_values)),)
                module_words.append(f"QuickDASH {title.lower()}: {', '.join(_fmt(v) for _d, v in module_values)}.")
                module_tables.append(Table(f"QuickDASH {title.lower()}", ("Date", f"{title} ({kind.score_words})"),
                                    tuple((f"{d.day} {d:%b %Y}", _fmt(v)) for d, v in module_values)))
        note = _change_note(kind.title, values, goal, " points" if unit != " %" else " %", kind.lower_is_better)
        ticks = tuple((y(v), f"{_fmt(v)}{unit}") for v in (kind.low, (kind.low + high) / 2, high))
        panels.append(Panel(f"{kind.title} ({kind.score_words})", top, PANEL_HEIGHT, ticks, series, band=band,
                            reference=(y(100), REFERENCE.get(kind_id, "")) if unit == " %" else None, note=note))
        words.append(f"{kind.title}: {', '.join(_fmt(v) + unit for _d, v in values)}. {note}")
        tables.append(Table(kind.title, ("Date", f"{kind.title} ({kind.score_words})"),
                            tuple((f"{d.day} {d:%b %Y}", f"{_fmt(v)}{unit}") for d, v in values)))
        words.extend(module_words)
        tables.extend(module_tables)
        top += PANEL_HEIGHT + PANEL_GAP
    return Chart(width=WIDTH, height=int(top - PANEL_GAP + 34), left=LEFT, right=RIGHT, x_ticks=x_ticks,
                 panels=tuple(panels), summary=" ".join(words), tables=tuple(tables))
