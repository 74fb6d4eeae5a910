"""Plans stored in an earlier canonical layout still open (issue 12, item 10).

An approved revision is frozen: its canonical JSON and digest are never rewritten (CS-09). To read one made with
an earlier layout, ``upgraded`` returns a copy in the current layout, one step per format, filling what the earlier
rules did not record with what they meant. The stored JSON and its digest stay exactly as they were, so the
handout of an old revision prints the digest it was approved with.

Format history:
1. Until issue 12: regions without joints, one side per finding, no kinds of plan item.
2. Issue 12: body map with sides and joints, kinds of plan item, stages by confirmed criteria.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from clinic.domain.plan_model import PLAN_FORMAT

__all__ = ["made_with_earlier_rules", "stored_format", "upgraded"]


def _from_1(body: dict[str, Any]) -> dict[str, Any]:
    """Format 1 → 2. Nothing the earlier rules recorded changes meaning; new keys get their 'not recorded' value."""
    return body


# format n -> the function that turns a format-n plan body into format n + 1
_STEPS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1}


def stored_format(canonical: Mapping[str, Any]) -> int | None:
    """The layout version a plan was stored with, or None when it does not say."""
    value = canonical.get("format") if isinstance(canonical, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def made_with_earlier_rules(canonical: Mapping[str, Any]) -> bool:
    """True for a plan stored in an earlier layout than today's."""
    version = stored_format(canonical)
    return version is not None and version < PLAN_FORMAT


def upgraded(canonical: Mapping[str, Any]) -> Mapping[str, Any]:
    """The plan in today's layout: itself when it is already, else an upgraded copy; ValueError for a format that
    is unknown or newer than this app."""
    version = stored_format(canonical)
    if version == PLAN_FORMAT:
        return canonical
    if version is None or version > PLAN_FORMAT or version not in _STEPS:
        raise ValueError(f"format {canonical.get('format')!r} is not {PLAN_FORMAT} and cannot be read")
    body = copy.deepcopy(dict(canonical["plan"])) if isinstance(canonical.get("plan"), Mapping) else None
    if body is None:
        raise ValueError("expected an object with 'format' and 'plan'")
    while version < PLAN_FORMAT:
        body = _STEPS[version](body)
        version += 1
    return {"format": PLAN_FORMAT, "plan": body}
