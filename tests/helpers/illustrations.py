"""The illustration ids the handouts may use."""

from __future__ import annotations

IDS = [
    "hands-rub-soap",
    "fist-fast-open-slow",
    "fist-slow-fan-fast",
    "finger-tip-to-base",
    "palm-knead-lines",
    "wrist-circles",
    "cream-rub-in",
    "ball-roll-palm",
    "balls-in-palm",
    "piano-taps",
    "soft-ball-squeeze",
    "pick-up-coins",
    "buttons-zip",
    "bead-fingering",
    "hand-elevation",
    "shoulder-elbow-moves",
    "stroke-toward-elbow",
    "self-massage-tool",
    "static-hold-wrist",
    "light-weight-wrist",
    "relaxed-hand-tap",
    "finger-turn-on-table",
    "bend-straighten-assisted",
    "spread-close-fingers",
    "warm-water-soak",
    "wrist-stretch",
]
