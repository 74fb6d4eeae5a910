"""The kinds of measure: what each stores in ``OutcomeMeasure.values`` (computed by the domain scorers), how its
score reads in words, and which way is better. Plain Python; no database, no request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clinic.domain import measures as m
from clinic.domain import outcomes


@dataclass(frozen=True)
class Kind:
    """A kind of measure: its title, the unit of its score, the score's range and whether lower is better."""

    id: str
    title: str
    unit: str  # written after a score: " points", " %", "/10"
    low: float
    high: float
    lower_is_better: bool
    score_words: str  # what the score is, for the chart's axis and the letters


KINDS: dict[str, Kind] = {k.id: k for k in (
    Kind("quickdash", "QuickDASH", "", 0, 100, True, "0 = no disability, 100 = most"),
    Kind("prwe", "PRWE", "", 0, 100, True, "0 = no pain or difficulty, 100 = most"),
    Kind("psfs", "Patient-specific functional scale", "", 0, 10, False, "mean of the named activities, 10 = as before"),
    Kind("pain", "Pain at rest and on activity", "", 0, 10, True, "the worse of the two, 0 = none, 10 = worst"),
    Kind("grip", "Grip", " %", 0, 200, False, "affected hand as % of the other"),
    Kind("pinch", "Pinch", " %", 0, 200, False, "key pinch, affected hand as % of the other"),
    Kind("rom", "Range of motion", " %", 0, 200, False, "mean of the motions, affected side as % of the other"),
)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def fmt(value: float) -> str:
    """A score as a person reads it: 45.5, 50 (no '.0')."""
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


# ------------------------------------------------------------------------------------------- values


def quickdash_values(items: Sequence[int | None], modules: Mapping[str, Sequence[int | None]]) -> dict[str, Any]:
    """QuickDASH answers, their score and the optional modules answered (all 4 items, or left out)."""
    out: dict[str, Any] = outcomes.quickdash_values(items)
    answered_modules = {}
    for module_id, module_items in modules.items():
        if any(v is not None for v in module_items):
            score = m.quickdash_module(module_items).score
            answered_modules[module_id] = {"items": list(module_items), "score": _round(score)}
    if answered_modules:
        out["modules"] = answered_modules
    return out


def grip_values(side: str, affected_kg: float, other_kg: float) -> dict[str, Any]:
    """Grip of both hands and the affected as % of the other."""
    return outcomes.grip_values(side, affected_kg, other_kg)


def prwe_values(items: Sequence[int | None]) -> dict[str, Any]:
    """PRWE answers, subscales, total (the score) and how many answers were replaced by the subscale mean."""
    result = m.prwe(items)
    return {"items": list(items), "pain": _round(result.pain), "function": _round(result.function),
            "answered": result.answered, "replaced": result.replaced, "score": _round(result.total)}


def psfs_values(activities: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """The named activities, their ratings and the mean."""
    result = m.psfs(activities)
    return {"activities": [{"name": n, "rating": r} for n, r in result.activities], "score": _round(result.score)}


def pain_values(at_rest: int | None, on_activity: int | None) -> dict[str, Any]:
    """Pain at rest and on activity; the score is the worse of the two."""
    result = m.pain_nrs(at_rest, on_activity)
    return {"at_rest": result.at_rest, "on_activity": result.on_activity, "score": result.score}


def rom_values(side: str, motions: Mapping[str, tuple[int | None, int | None]]) -> dict[str, Any]:
    """Degrees per motion, both sides; the score is the mean affected-as-%-of-other."""
    result = m.rom(motions)
    kept = {k: list(v) for k, v in motions.items() if v[0] is not None or v[1] is not None}
    return {"side": side, "motions": kept, "score": _round(result.score)}


def pinch_values(side: str, kinds: Mapping[str, tuple[float | None, float | None]]) -> dict[str, Any]:
    """Kg per kind of pinch, both sides; the score is key pinch (else the first measured) as % of the other."""
    result = m.pinch(kinds)
    kept = {k: list(v) for k, v in kinds.items() if v[0] is not None or v[1] is not None}
    return {"side": side, "kinds": kept, "score": _round(result.score)}


def _pairs(raw: Any) -> dict[str, tuple[Any, Any]]:
    if not isinstance(raw, dict):
        raise ValueError("expected measured pairs")
    return {str(k): (v[0], v[1]) for k, v in raw.items() if isinstance(v, list) and len(v) == 2}


def rescore(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values the measure's page would store for the inputs held in ``values`` (import checks a stored score
    against its answers with it); ValueError when the inputs are not what the page accepts."""
    if kind == "quickdash":
        modules = {k: v["items"] for k, v in (values.get("modules") or {}).items()}
        return quickdash_values(values["items"], modules)
    if kind == "grip":
        if values["other_kg"] == 0:  # the page asks 0.1 to 200 kg for the other hand
            raise ValueError("other grip (kg): expected a number from 0.1 to 200, got 0")
        return grip_values(values["side"], values["affected_kg"], values["other_kg"])
    if kind == "prwe":
        return prwe_values(values["items"])
    if kind == "psfs":
        return psfs_values([(a["name"], a["rating"]) for a in values["activities"]])
    if kind == "pain":
        return pain_values(values.get("at_rest"), values.get("on_activity"))
    if kind in ("rom", "pinch"):
        if values.get("side") not in ("left", "right"):
            raise ValueError(f"side: expected left or right, got {values.get('side')!r}")
        if kind == "rom":
            return rom_values(values["side"], _pairs(values["motions"]))
        return pinch_values(values["side"], _pairs(values["kinds"]))
    raise ValueError(f"kind: {kind!r} is not a measure this clinic records ({', '.join(KINDS)})")


# -------------------------------------------------------------------------------------------- words


def _side(values: Mapping[str, Any]) -> str:
    return {"left": "left", "right": "right"}.get(values.get("side", ""), "affected")


def describe(kind: str, values: Mapping[str, Any]) -> str:
    """The measure in one line of words, as a therapist writes it in the notes."""
    score = values.get("score")
    if kind == "quickdash":
        words = (f"{fmt(score)} (0 = no disability, 100 = most)" if score is not None else
                 f"not scored ({values.get('answered', 0)} of 11 answered; 10 are needed)")
        for module_id, module in (values.get("modules") or {}).items():
            name = {"work": "work module", "sports": "sports/performing arts module"}.get(module_id, module_id)
            words += f"; {name} {fmt(module['score'])}" if module.get("score") is not None else f"; {name} not scored"
        return words
    if kind == "grip":
        return (f"{fmt(values['affected_kg'])} kg {_side(values)}, {fmt(values['other_kg'])} kg other hand"
                + (f" ({fmt(score)} % of the other hand)" if score is not None else ""))
    if kind == "prwe":
        if score is None:
            return "not scored (too many questions unanswered)"
        replaced = values.get("replaced", 0)
        return (f"{fmt(score)} of 100 (pain {fmt(values['pain'])}, function {fmt(values['function'])})"
                + (f"; {replaced} unanswered item{'s' if replaced != 1 else ''} given the subscale mean"
                   if replaced else ""))
    if kind == "psfs":
        acts = ", ".join(f"{a['name']} {a['rating']}" for a in values.get("activities", []))
        return f"mean {fmt(score)} of 10 ({acts})"
    if kind == "pain":
        parts = []
        if values.get("at_rest") is not None:
            parts.append(f"at rest {values['at_rest']}")
        if values.get("on_activity") is not None:
            parts.append(f"on activity {values['on_activity']}")
        return ", ".join(parts) + " (0 = none, 10 = worst)"
    if kind == "rom":
        names = {mo.id: mo.name for mo in m.ROM_MOTIONS}
        parts = [f"{names.get(k, k)} {_deg(a)} / {_deg(o)}" for k, (a, o) in values.get("motions", {}).items()]
        return (f"{_side(values).capitalize()} side / other side: " + "; ".join(parts)
                + (f" (mean {fmt(score)} % of the other side)" if score is not None else ""))
    if kind == "pinch":
        names = dict(m.PINCH_KINDS)
        parts = [f"{names.get(k, k)} {_kg(a)} / {_kg(o)}" for k, (a, o) in values.get("kinds", {}).items()]
        return (f"{_side(values).capitalize()} / other hand: " + "; ".join(parts)
                + (f" ({fmt(score)} % of the other hand)" if score is not None else ""))
    return "" if score is None else fmt(score)


def _deg(value: float | None) -> str:
    return "—" if value is None else f"{fmt(value)}°"


def _kg(value: float | None) -> str:
    return "—" if value is None else f"{fmt(value)} kg"
