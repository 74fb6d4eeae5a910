"""What a local finding does to a plan's items (CLINICAL.md §2.1): blocked kinds, on a region and side.

A finding (an ``AvoidLine``) blocks the kinds it names on its regions, and everything inside them, on
its side only. An item of a blocked kind that works on such a place is *narrowed* — the blocked
places are left out ("leave out the right index finger's middle joint") — where its kind allows
(touch, movement), and *left out on that side* where it does not (a grip or a soak uses the whole
hand). An item with nothing left is removed, with the reason kept for the plan page.

The protocol owns its own injury (``Protocol.injury``): the generic finding for the same injury at
the same place is not a plan-wide block; instead each stage protects the injured area with the kinds
its ``injured_area`` does not allow, and the joints a cast holds while ``held`` is true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from clinic.domain import bodymap
from clinic.domain.bodymap import Place
from clinic.domain.kinds import BLOCKABLE_KINDS, ITEM_KINDS, NARROWABLE_KINDS, NEVER_BLOCKED
from clinic.domain.plan_model import AvoidLine, PlanDraft, PlannedTechnique, Removal
from clinic.domain.protocol_model import HomeExercise, Protocol, RegionsFrom, Stage
from clinic.domain.screening import Finding

INJURED_AREA_RULE = "injured_area"
HELD_JOINTS_RULE = "held_joints"
# A stage that does not say what is allowed on the injured area allows only what is never blocked.
DEFAULT_INJURED_AREA = ("position", "education")

Item = PlannedTechnique | HomeExercise


# --------------------------------------------------------------------------------------------
# Sides and places
# --------------------------------------------------------------------------------------------


def item_sides(protocol: Protocol, facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The sides a plan's items are done on: the protocol's injured side, or both when it names none."""
    if protocol.injury is None or protocol.injury.side is None:
        return bodymap.SIDES
    value = facts.get(protocol.injury.side)
    try:
        return bodymap.parse_side(value)
    except ValueError:
        return bodymap.SIDES


def _line_blocks(line: AvoidLine) -> frozenset[str]:
    # A line stored before the body map has no blocks: it blocked every kind, and still does.
    return frozenset(line.blocks) if line.blocks else frozenset(BLOCKABLE_KINDS)


def _blocked_by(line: AvoidLine, item_kind: str) -> bool:
    if item_kind in NEVER_BLOCKED:
        return False
    # An item without a kind (a plan made before kinds) is blocked by any finding: fail closed.
    return item_kind not in ITEM_KINDS or item_kind in _line_blocks(line)


def line_places(line: AvoidLine) -> frozenset[Place]:
    """The leaf places a line keeps clear of."""
    try:
        sides = bodymap.parse_side(line.side)
    except ValueError:
        sides = bodymap.SIDES
    return bodymap.places([r for r in line.regions if bodymap.is_region(r)], sides)


def finding_words(line: AvoidLine, name: str = "") -> str:
    """A finding in a few words for a list of reasons: 'a hot, swollen joint: the right index finger's middle
    joint'; without a name, the first sentence of the therapist's text."""
    what = name or line.therapist_text.split(". ")[0].rstrip(".")
    where = bodymap.places_words(bodymap.condense(line_places(line)))
    return f"{what}: {where}" if where else what


def narrowed_by(item: Item, lines: tuple[AvoidLine, ...]) -> tuple[AvoidLine, ...]:
    """The lines that narrowed ``item`` (its ``leave_out_reason`` holds their therapist texts)."""
    return tuple(line for line in lines if line.therapist_text and line.therapist_text in item.leave_out_reason)


def item_places(item: Item) -> frozenset[Place]:
    """Where an item works now: its regions on its sides, less what a finding left out."""
    sides = item.sides or bodymap.SIDES
    every = bodymap.places([r for r in item.regions if bodymap.is_region(r)], sides)
    return every - _decode_places(item.leave_out)


def _encode_places(chosen: Iterable[Place]) -> tuple[str, ...]:
    return tuple(f"{p.side}:{p.region}" for p in bodymap.condense(chosen))


def _decode_places(codes: Iterable[str]) -> frozenset[Place]:
    out: set[Place] = set()
    for code in codes:
        side, _, region = code.partition(":")
        out |= bodymap.places([region], [side])
    return frozenset(out)


def leave_out_words(item: Item) -> str:
    """The narrowing in plain words for the therapist and the patient: 'Leave out the right wrist.'"""
    if not item.leave_out:
        return ""
    left_out = _decode_places(item.leave_out)
    every = bodymap.places([r for r in item.regions if bodymap.is_region(r)], item.sides or bodymap.SIDES)
    whole_sides = [s for s in bodymap.SIDES if {p for p in every if p.side == s} and
                   {p for p in every if p.side == s} <= left_out]
    kept_sides = [s for s in (item.sides or bodymap.SIDES) if s not in whole_sides]
    parts = [p for p in bodymap.condense(left_out) if p.side not in whole_sides]
    words = []
    if whole_sides and kept_sides:
        kept, gone = bodymap.side_words(kept_sides), bodymap.side_words(whole_sides)
        words.append(f"{kept.capitalize()} side only, not the {gone}.")
    if parts:
        words.append(f"Leave out {bodymap.join_words([bodymap.short_words(p) for p in parts])}.")
    return " ".join(words)


# --------------------------------------------------------------------------------------------
# Filtering one item
# --------------------------------------------------------------------------------------------


def filter_item(item: Item, lines: tuple[AvoidLine, ...], where: str, name: str) -> tuple[Item | None, Removal | None]:
    """The item as it may stay (narrowed when needed), or None with the removal and its reason (CS-03)."""
    places = item_places(item)
    blocked: set[Place] = set()
    hits: list[AvoidLine] = []
    for line in lines:
        if not _blocked_by(line, item.item_kind):
            continue
        here = places & line_places(line)
        if here:
            blocked |= here
            hits.append(line)
    for side, line in _busy_other_hand(item, places, lines):
        blocked |= {p for p in places if p.side == side}
        hits.append(line)
    if not hits:
        return item, None
    if item.item_kind in NARROWABLE_KINDS:
        kept = places - blocked
    else:  # a grip or a soak uses the whole hand: a blocked place leaves the item out on that side
        bad_sides = {p.side for p in blocked}
        kept = frozenset(p for p in places if p.side not in bad_sides)
    reasons = _reasons(hits)
    if not kept:
        touched = bodymap.condense(blocked)
        return None, Removal(
            kind=where,
            ref=item.ref,
            name=name,
            regions=tuple(dict.fromkeys(p.region for p in touched)),
            rule_ids=tuple(line.rule_id for line in hits),
            reason=_removal_reason(item, touched, hits, lines, places) + f" {reasons}",
        )
    every = bodymap.places([r for r in item.regions if bodymap.is_region(r)], item.sides or bodymap.SIDES)
    narrowed = replace(item, leave_out=_encode_places(every - kept), leave_out_reason=reasons)
    return narrowed, None


_OTHER = {"left": "right", "right": "left"}
# What the doing hand does in self-massage: it touches and presses.
_DOING_KINDS = frozenset({"touch", "load"})


def _busy_other_hand(item: Item, places: frozenset[Place], lines: tuple[AvoidLine, ...]) -> list[tuple[str, AvoidLine]]:
    """(side worked on, finding) where the other hand that does a self-massage item must be kept free (C28)."""
    if not getattr(item, "with_other_hand", False):
        return []
    out = []
    for side in sorted({p.side for p in places}):
        doing = bodymap.places(["hand", "wrist"], [_OTHER[side]])
        for line in lines:
            if (_line_blocks(line) & _DOING_KINDS) and doing & line_places(line):
                out.append((side, line))
    return out


def _reasons(lines: list[AvoidLine]) -> str:
    return " ".join(dict.fromkeys(line.therapist_text for line in lines))


def _removal_reason(item: Item, touched: tuple[Place, ...], hits: list[AvoidLine], lines: tuple[AvoidLine, ...],
                    places: frozenset[Place]) -> str:
    busy = _busy_other_hand(item, places, lines)
    if busy and all(line in {b[1] for b in busy} for line in hits):
        hands = bodymap.side_words([_OTHER[side] for side, _ in busy])
        return f"It is done with the {hands} hand, which must be kept free of it; a carer may do it instead."
    return f"It works on {bodymap.places_words(touched)}."


def item_problems(item: Item, lines: tuple[AvoidLine, ...]) -> list[str]:
    """Why an item in a plan breaks a finding (CS-03); empty when it keeps clear of every blocked place."""
    places = item_places(item)
    out = []
    for line in lines:
        if _blocked_by(line, item.item_kind) and places & line_places(line):
            out.append(f"It works on {bodymap.places_words(places & line_places(line))}. {line.therapist_text}")
    for side, line in _busy_other_hand(item, places, lines):
        out.append(f"It is done with the {_OTHER[side]} hand. {line.therapist_text}")
    return out


# --------------------------------------------------------------------------------------------
# The protocol's own injury
# --------------------------------------------------------------------------------------------


def _from_facts(sources: tuple[RegionsFrom, ...], facts: Mapping[str, Any], finger: str | None) -> list[str]:
    out: list[str] = []
    for source in sources:
        value = facts.get(source.fact)
        for key, regions in source.regions:
            if key != value:
                continue
            for region in regions:
                if region == "neighbour_finger":
                    if finger is not None:
                        out.append(bodymap.neighbour_finger(finger))
                else:
                    out.append(region)
    return out


def injured_regions(protocol: Protocol, facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The body-map regions of the protocol's own injury, from the case facts; () when it names none."""
    if protocol.injury is None:
        return ()
    found = _from_facts(protocol.injury.at, facts, None)
    # The most precise fact wins: a named finger inside 'fingers' narrows it to that finger.
    precise = [r for r in found if not any(o != r and bodymap.inside(o, r) for o in found)]
    return tuple(dict.fromkeys(precise))


def held_regions(protocol: Protocol, facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The regions a cast or splint holds still (thumb spica: the thumb; buddy strapping: the neighbour finger)."""
    if protocol.injury is None:
        return ()
    fingers = [f for r in injured_regions(protocol, facts) if (f := bodymap.finger_of(r))]
    return tuple(dict.fromkeys(_from_facts(protocol.injury.held, facts, fingers[0] if fingers else None)))


def owns(protocol: Protocol, facts: Mapping[str, Any], finding: Finding) -> bool:
    """True when a finding is the protocol's own injury at its own place, which the stages handle."""
    injury = protocol.injury
    if injury is None or finding.rule_id not in injury.owns or finding.category != "local":
        return False
    if not finding.regions:  # a gate of the protocol's own condition (the acute period): its stages handle it
        return True
    sides = item_sides(protocol, facts)
    own = bodymap.places(injured_regions(protocol, facts) + held_regions(protocol, facts), sides)
    try:
        marked = bodymap.places(finding.regions, bodymap.parse_side(finding.side))
    except ValueError:
        return False
    # Only a finding wholly on the injured (or held) area is the protocol's; one elsewhere stays ordinary (C28).
    return bool(marked) and marked <= own


def stage_protect(protocol: Protocol, stage: Stage, facts: Mapping[str, Any]) -> tuple[AvoidLine, ...]:
    """What a stage keeps clear of on the protocol's injured area and on the joints a cast holds."""
    regions = injured_regions(protocol, facts)
    if not regions:
        return ()
    side_values = item_sides(protocol, facts)
    side = side_values[0] if len(side_values) == 1 else "both"
    allowed = stage.injured_area if stage.injured_area is not None else DEFAULT_INJURED_AREA
    lines = []
    blocks = tuple(k for k in BLOCKABLE_KINDS if k not in allowed)
    if blocks:
        lines.append(_protect_line(INJURED_AREA_RULE, regions, side, blocks, "the injured area"))
    held = tuple(r for r in held_regions(protocol, facts) if r not in regions)
    if stage.held and held:
        what = "the joints the cast or splint holds"
        lines.append(_protect_line(HELD_JOINTS_RULE, held, side, BLOCKABLE_KINDS, what))
    return tuple(lines)


def _protect_line(rule_id: str, regions: tuple[str, ...], side: str, blocks: tuple[str, ...], what: str) -> AvoidLine:
    therapist = bodymap.join_words([bodymap.therapist_words(r, side) for r in regions])
    patient = bodymap.patient_places_words(regions, side)
    blocked_words = bodymap.join_words([_KIND_SHORT[k] for k in blocks]).replace(" and ", " or ")
    return AvoidLine(
        rule_id=rule_id,
        regions=regions,
        side=side,
        therapist_text=f"In this stage, no {blocked_words} on {what} ({therapist}).",
        patient_text=f"In this stage, do not {_patient_verbs(blocks, patient, regions)}.",
        blocks=blocks,
    )


def _patient_verbs(blocks: tuple[str, ...], place: str, regions: tuple[str, ...]) -> str:
    """'massage, stretch or move your right wrist, or put weight through it'.

    "Move" is said only of joints: "do not move your forearm" would contradict bending the elbow.
    """
    joints = any(r not in _NOT_JOINTS for r in regions)
    verbs = [v for k, v in (("touch", "massage"), ("passive_movement", "stretch"), ("active_movement", "move"))
             if k in blocks and (k != "active_movement" or joints)]
    extra = [v for k, v in (("load", "put weight through it or grip with it"), ("heat_water", "put heat on it"))
             if k in blocks]
    head = f"{' or '.join([', '.join(verbs[:-1]), verbs[-1]] if len(verbs) > 1 else verbs)} {place}" if verbs else ""
    if not head:
        return " or ".join(v.replace(" it", f" {place}", 1) for v in extra)
    return ", or ".join([head, *extra])


_NOT_JOINTS = frozenset({"neck_shoulder", "upper_arm", "forearm", "palm", "back_of_hand"})

_KIND_SHORT = {
    "touch": "massage",
    "passive_movement": "passive movement",
    "active_movement": "active movement",
    "load": "load",
    "heat_water": "heat",
}


# --------------------------------------------------------------------------------------------
# Never an empty plan
# --------------------------------------------------------------------------------------------


def empty_plan_problems(draft: PlanDraft) -> list[str]:
    """Why a plan whose current stage has nothing in the clinic and nothing at home cannot be approved (C31)."""
    if draft.current_stage is None:
        return []
    stage = draft.stage(draft.current_stage)
    if stage.clinic or stage.home:
        return []
    removed = "; ".join(f"{r.name}: {r.reason}" for r in stage.removed) or "the stage lists nothing"
    return [
        f"Stage {stage.number} ({stage.title}) has nothing left to do in the clinic or at home, so this plan "
        f"cannot be approved. What the findings removed: {removed}"
    ]
