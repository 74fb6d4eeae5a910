"""Kinds of plan item (CLINICAL.md §2.1): what an item does to a region, so a finding blocks only what harms.

Every technique and home exercise has one kind; every local contraindication names the kinds it
blocks on its region. Position (raising the hand, resting in a splint) and education (pain rule,
pacing) are never blocked by a local finding: raising the hand in a cast is what the patient should do.
"""

from __future__ import annotations

ITEM_KINDS = ("touch", "passive_movement", "active_movement", "load", "position", "heat_water", "education")
NEVER_BLOCKED = frozenset({"position", "education"})
BLOCKABLE_KINDS = tuple(kind for kind in ITEM_KINDS if kind not in NEVER_BLOCKED)

# Kinds whose item can leave one region out and still make sense (stroke the hand but not the index
# finger's middle joint; move the free fingers). A grip, a ball squeeze or a soak uses the whole hand:
# with one blocked place on a side it is left out on that side, never narrowed within it.
NARROWABLE_KINDS = frozenset({"touch", "passive_movement", "active_movement", "position", "education"})

KIND_WORDS = {
    "touch": "massage or touch",
    "passive_movement": "passive movement",
    "active_movement": "active movement",
    "load": "load (grip, squeezing, weights)",
    "position": "positioning",
    "heat_water": "heat or water",
    "education": "advice",
}
# What the patient is told not to do, by kind: "Do not massage or press on your right wrist".
KIND_PATIENT_VERBS = {
    "touch": "massage or rub",
    "passive_movement": "let anyone move or stretch",
    "active_movement": "move",
    "load": "grip, squeeze or lift with",
    "heat_water": "put heat on or soak",
}


def kinds_words(kinds: tuple[str, ...] | list[str] | frozenset[str]) -> str:
    """'massage or touch, passive movement and heat or water' in ITEM_KINDS order."""
    words = [KIND_WORDS[k] for k in ITEM_KINDS if k in set(kinds)]
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def parse_kind(value: object) -> str:
    """The kind itself; ValueError naming the allowed kinds otherwise."""
    if not isinstance(value, str) or value not in ITEM_KINDS:
        raise ValueError(f"expected one of {', '.join(ITEM_KINDS)}, got {value!r}")
    return value
