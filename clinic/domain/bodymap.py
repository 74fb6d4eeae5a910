"""The body map (CLINICAL.md §2.1): regions of the arm and hand as a tree, each on a side, in plain words.

A region id names a place without a side (``index_pip``); a *place* is a region on one side
(``Place("right", "index_pip")``). A finding on a region blocks that region and every region inside
it, on its side only. Items of a plan work on regions; to narrow them, regions are broken down to the
smallest regions (*leaves*) they contain and put back together (``condense``) after the blocked ones
are left out.

The ids ``fingers``, ``thumb``, ``palm``, ``back_of_hand``, ``wrist``, ``forearm``, ``elbow``,
``upper_arm``, ``shoulder`` and ``neck_shoulder`` keep the meaning they had before the map had
joints, so stored screenings and plans still read. Old data may say side ``both``: it means both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SIDES = ("left", "right")
# "both" is accepted on input (old screenings, a finding on both wrists) and means left and right.
SIDE_INPUTS = (*SIDES, "both")

_FINGERS = ("index", "middle", "ring", "little")
_FINGER_WORDS = {"index": "index finger", "middle": "middle finger", "ring": "ring finger", "little": "little finger"}
# Finger joints from the hand outwards: (suffix, patient words, abbreviation for therapists).
_FINGER_JOINTS = (("mcp", "knuckle", "MCP"), ("pip", "middle joint", "PIP"), ("dip", "end joint", "DIP"))
_THUMB_JOINTS = (("cmc", "base joint", "CMC"), ("mcp", "knuckle", "MCP"), ("ip", "end joint", "IP"))


@dataclass(frozen=True)
class Region:
    """One region of the map: its id, the region it lies in, and how to say it.

    ``pattern`` is patient wording with ``{your}`` standing for "your left" / "the left" etc.
    ``short`` is how a list of left-out places reads ("the right index finger's middle joint").
    """

    id: str
    parent: str | None
    label: str
    pattern: str
    short: str


def _build() -> tuple[Region, ...]:
    out = [
        Region("neck_shoulder", None, "Neck and shoulder", "{your_neck} neck and {side} shoulder",
               "the neck and {side} shoulder"),
        Region("shoulder", None, "Shoulder", "{your} shoulder", "the {side} shoulder"),
        Region("upper_arm", None, "Upper arm", "{your} upper arm", "the {side} upper arm"),
        Region("elbow", None, "Elbow", "{your} elbow", "the {side} elbow"),
        Region("forearm", None, "Forearm", "{your} forearm", "the {side} forearm"),
        Region("wrist", None, "Wrist", "{your} wrist", "the {side} wrist"),
        Region("hand", None, "Whole hand", "{your} hand", "the {side} hand"),
        Region("back_of_hand", "hand", "Back of the hand", "the back of {your} hand", "the back of the {side} hand"),
        Region("palm", "hand", "Palm", "the palm of {your} hand", "the {side} palm"),
        Region("thumb", "hand", "Thumb (all of it)", "{your} thumb", "the {side} thumb"),
    ]
    for suffix, words, abbr in _THUMB_JOINTS:
        out.append(Region(f"thumb_{suffix}", "thumb", f"Thumb {words} ({abbr})",
                          f"the {words} of {{your}} thumb", f"the {{side}} thumb's {words}"))
    out.append(Region("fingers", "hand", "All four fingers", "{your} fingers", "the {side} fingers"))
    for finger in _FINGERS:
        name = _FINGER_WORDS[finger]
        out.append(Region(finger, "fingers", name.capitalize() + " (all of it)", f"{{your}} {name}",
                          f"the {{side}} {name}"))
        for suffix, words, abbr in _FINGER_JOINTS:
            out.append(Region(f"{finger}_{suffix}", finger, f"{name.capitalize()} {words} ({abbr})",
                              f"the {words} of {{your}} {name}", f"the {{side}} {name}'s {words}"))
    return tuple(out)


_TREE = _build()
_BY_ID = {region.id: region for region in _TREE}
# Every region id in map order: from the neck down to the fingertips.
REGIONS: tuple[str, ...] = tuple(region.id for region in _TREE)
_CHILDREN: dict[str, tuple[str, ...]] = {
    rid: tuple(r.id for r in _TREE if r.parent == rid) for rid in REGIONS
}
# Therapist abbreviations shown after the plain words: "the middle joint (PIP) of the right index finger".
_ABBR = {f"thumb_{s}": a for s, _, a in _THUMB_JOINTS} | {
    f"{f}_{s}": a for f in _FINGERS for s, _, a in _FINGER_JOINTS
}


@dataclass(frozen=True, order=True)
class Place:
    """A region on one side."""

    side: str
    region: str

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {', '.join(SIDES)}, got {self.side!r}")
        if self.region not in _BY_ID:
            raise ValueError(f"unknown region {self.region!r}")


# --------------------------------------------------------------------------------------------
# Reading values
# --------------------------------------------------------------------------------------------


def parse_region(value: object) -> str:
    """The region id itself; ValueError with a readable message when it is not one."""
    if not isinstance(value, str) or value not in _BY_ID:
        raise ValueError(f"unknown body region {value!r}; expected one of {', '.join(REGIONS)}")
    return value


def parse_side(value: object) -> tuple[str, ...]:
    """The sides a stored side value means: 'left' → (left,), 'both' or no side → (left, right)."""
    if value is None or value == "" or value == "both":
        return SIDES
    if value not in SIDES:
        raise ValueError(f"side must be one of {', '.join(SIDE_INPUTS)}, got {value!r}")
    return (value,)


def is_region(value: object) -> bool:
    """True for a known region id."""
    return isinstance(value, str) and value in _BY_ID


# --------------------------------------------------------------------------------------------
# The tree
# --------------------------------------------------------------------------------------------


def parent(region: str) -> str | None:
    """The region this one lies in, or None for a top region."""
    return _BY_ID[parse_region(region)].parent


def ancestors(region: str) -> tuple[str, ...]:
    """The regions this one lies in, nearest first."""
    out = []
    up = parent(region)
    while up is not None:
        out.append(up)
        up = _BY_ID[up].parent
    return tuple(out)


def inside(region: str, container: str) -> bool:
    """True when ``region`` is ``container`` or lies inside it (index_pip is inside index, fingers, hand)."""
    return region == container or container in ancestors(region)


def overlap(a: str, b: str) -> bool:
    """True when one region lies inside the other: they share some of the body."""
    return inside(a, b) or inside(b, a)


def leaves(region: str) -> tuple[str, ...]:
    """The smallest regions that make up ``region`` (a region without parts is its own leaf)."""
    children = _CHILDREN[parse_region(region)]
    if not children:
        return (region,)
    return tuple(leaf for child in children for leaf in leaves(child))


def places(regions: Iterable[str], sides: Iterable[str]) -> frozenset[Place]:
    """Every leaf of every region on every side, as places."""
    return frozenset(Place(side, leaf) for side in sides for region in regions for leaf in leaves(region))


def condense(leaf_places: Iterable[Place]) -> tuple[Place, ...]:
    """The fewest places that cover exactly these leaves (all four fingers' joints → fingers), in map order."""
    chosen = set(leaf_places)
    out: list[Place] = []
    for side in SIDES:
        on_side = {p.region for p in chosen if p.side == side}
        out += [Place(side, r) for r in _cover(on_side)]
    return tuple(out)


def _cover(leaf_ids: set[str]) -> list[str]:
    out: list[str] = []

    def walk(region: str) -> None:
        parts = leaves(region)
        if all(leaf in leaf_ids for leaf in parts):
            out.append(region)
            return
        if any(leaf in leaf_ids for leaf in parts):
            for child in _CHILDREN[region]:
                walk(child)

    for top in (r.id for r in _TREE if r.parent is None):
        walk(top)
    return out


def neighbour_finger(finger: str) -> str:
    """The finger a broken finger is usually strapped to (buddy strapping): the one towards the middle."""
    return {"index": "middle", "middle": "ring", "ring": "middle", "little": "ring"}[finger]


def finger_of(region: str) -> str | None:
    """The finger (index … little) a region belongs to, or None."""
    for rid in (region, *ancestors(region)):
        if rid in _FINGERS:
            return rid
    return None


# --------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------


def label(region: str) -> str:
    """The region's name on a form, without a side: 'Index finger middle joint (PIP)'."""
    return _BY_ID[parse_region(region)].label


def side_words(sides: Iterable[str]) -> str:
    """'left', 'right' or 'left and right'."""
    chosen = [s for s in SIDES if s in set(sides)]
    return " and ".join(chosen)


def patient_words(region: str, side: str | None) -> str:
    """How a patient reads a place: 'the middle joint of your right index finger', 'your left wrist'."""
    found = _BY_ID[parse_region(region)]
    words = side_words(parse_side(side))
    return found.pattern.format(your=f"your {words}", your_neck="your", side=words)


def therapist_words(region: str, side: str | None) -> str:
    """How a therapist reads a place: 'the middle joint (PIP) of the right index finger'."""
    found = _BY_ID[parse_region(region)]
    words = side_words(parse_side(side))
    text = found.pattern.format(your=f"the {words}", your_neck="the", side=words)
    abbr = _ABBR.get(region)
    if abbr:
        head, _, rest = text.partition(" of ")
        text = f"{head} ({abbr}) of {rest}"
    return text


def region_words(region: str) -> str:
    """A region without a side or article, for lists: "index finger's middle joint", "back of the hand"."""
    words = " ".join(_BY_ID[parse_region(region)].short.format(side="").split())
    return words.removeprefix("the ")


def short_words(place: Place) -> str:
    """A place in a list of what to leave out: "the right index finger's middle joint"."""
    return _BY_ID[place.region].short.format(side=place.side)


def places_words(chosen: Iterable[Place]) -> str:
    """Several places in one phrase, condensed first: 'the right index finger's middle joint and the left wrist'."""
    return join_words([short_words(p) for p in condense(_leaf_places(chosen))])


def patient_places_words(regions: Iterable[str], side: str | None) -> str:
    """Regions on a side in the patient's words, joined: 'your right wrist and the back of your right hand'."""
    return join_words([patient_words(r, side) for r in regions])


def _leaf_places(chosen: Iterable[Place]) -> set[Place]:
    return {Place(p.side, leaf) for p in chosen for leaf in leaves(p.region)}


def join_words(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def form_parts() -> dict[str, tuple]:
    """The map for a screening form: whole regions to tick first, then each digit's joints.

    ``whole``: (title, region ids) for the arm and the hand down to each whole digit;
    ``joints``: (digit title, its joint ids) — the smallest regions, ticked only when one joint is affected.
    """
    arm = tuple(r.id for r in _TREE if r.parent is None and r.id != "hand")
    hand = ("hand", "back_of_hand", "palm", "thumb", "fingers", *_FINGERS)
    joints = [("Thumb", _CHILDREN["thumb"])]
    joints += [(_FINGER_WORDS[f].capitalize(), _CHILDREN[f]) for f in _FINGERS]
    return {"whole": (("Arm", arm), ("Hand", hand)), "joints": tuple(joints),
            "joint_ids": tuple(j for _, ids in joints for j in ids)}


def region_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Regions grouped for a form's select: (group title, ((id, label), ...)), from the arm down to each joint."""
    arm = tuple((r.id, r.label) for r in _TREE if r.parent is None and r.id != "hand")
    hand = (("hand", "Whole hand"), ("back_of_hand", "Back of the hand"), ("palm", "Palm"))
    thumb = tuple((rid, label(rid)) for rid in ("thumb", *_CHILDREN["thumb"]))
    groups: list[tuple[str, tuple[tuple[str, str], ...]]] = [("Arm", arm), ("Hand", hand), ("Thumb", thumb)]
    groups.append(("Fingers", (("fingers", label("fingers")),)))
    for finger in _FINGERS:
        groups.append((_FINGER_WORDS[finger].capitalize(),
                       tuple((rid, label(rid)) for rid in (finger, *_CHILDREN[finger]))))
    return tuple(groups)
