"""The protocol keys about its own injury (CLINICAL.md §2.1): ``injury:`` at the top, ``injured_area:`` and
``held:`` in each stage. Read here; used by ``clinic.domain.plan_filtering``.

```yaml
injury:
  side: affected_side                # the side fact; the plan's items are done on that side
  owns: [unhealed_fracture]          # generic screening rules for this same injury
  at:                                # where the injury is, from case facts (value: [regions])
    - fact: bone
      regions: {distal_radius: [wrist], scaphoid: [wrist]}
  held:                              # joints a cast or splint holds; neighbour_finger = the strapped one
    - fact: cast_holds
      regions: {thumb_spica: [forearm, wrist, palm, back_of_hand, thumb]}
stages:
  - id: after_cast
    injured_area: [touch, active_movement, position, education]   # kinds allowed on the injury
    held: false                                                   # true while the cast holds joints
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clinic.domain import bodymap
from clinic.domain.kinds import ITEM_KINDS
from clinic.domain.protocol_model import CaseFact, Injury, RegionsFrom
from clinic.domain.rules import Problems
from clinic.domain.yaml_checks import _identifier, _list, _mapping, _show

_INJURY_KEYS = {
    "side": "the side fact, such as affected_side",
    "owns": "the ids of the generic screening rules for this injury",
    "at": "a list of {fact, regions} giving where the injury is",
    "held": "a list of {fact, regions} giving the joints a cast or splint holds",
}
# A region word that means the finger strapped to the injured one (buddy strapping).
NEIGHBOUR = "neighbour_finger"


def parse_injury(raw: Any, problems: Problems, facts: Mapping[str, CaseFact]) -> Injury | None:
    """The ``injury:`` key; problems name the key path."""
    body = _mapping(raw, "injury", problems, {}, _INJURY_KEYS)
    if body is None:
        return None
    side = body.get("side")
    if side is not None and (side not in facts or facts[side].type != "side"):
        sides = ", ".join(n for n, f in facts.items() if f.type == "side") or "none"
        problems.add("injury.side", f"expected a side fact of this protocol ({sides}), got {_show(side)}")
        side = None
    owns = tuple(
        rid for i, rid in enumerate(_list(body.get("owns"), "injury.owns", problems, "rule ids"))
        if _identifier(rid, f"injury.owns[{i}]", problems)
    )
    return Injury(
        side=side,
        owns=owns,
        at=_regions_from(body.get("at"), "injury.at", problems, facts),
        held=_regions_from(body.get("held"), "injury.held", problems, facts),
    )


def _regions_from(raw: Any, path: str, problems: Problems, facts: Mapping[str, CaseFact]) -> tuple[RegionsFrom, ...]:
    out = []
    for i, item in enumerate(_list(raw, path, problems, "{fact, regions} entries")):
        here = f"{path}[{i}]"
        body = _mapping(item, here, problems, {"fact": "a choice fact", "regions": "value: [regions] lines"}, {})
        if body is None or "fact" not in body or "regions" not in body:
            continue
        fact = facts.get(body["fact"]) if isinstance(body["fact"], str) else None
        if fact is None or fact.type not in ("choice", "side"):
            problems.add(f"{here}.fact", f"expected a choice fact of this protocol, got {_show(body['fact'])}")
            continue
        mapping = body["regions"]
        if not isinstance(mapping, dict) or not mapping:
            problems.add(f"{here}.regions", f"expected value: [regions] lines, got {_show(mapping)}")
            continue
        pairs = []
        for value, regions in mapping.items():
            at = f"{here}.regions.{value}"
            if value not in fact.values:
                problems.add(at, f"{_show(value)} is not a value of {fact.name} ({', '.join(fact.values)})")
                continue
            if not isinstance(regions, list):
                problems.add(at, f"expected a list of body regions, got {_show(regions)}")
                continue
            bad = [r for r in regions if r != NEIGHBOUR and not bodymap.is_region(r)]
            if bad:
                problems.add(at, f"unknown body region {_show(bad[0])}; expected regions such as wrist, "
                                 f"thumb_cmc, index_pip or {NEIGHBOUR}")
                continue
            pairs.append((value, tuple(regions)))
        out.append(RegionsFrom(fact=fact.name, regions=tuple(pairs)))
    return tuple(out)


def parse_injured_area(raw: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
    """A stage's ``injured_area:``: the kinds allowed on the protocol's injured area in that stage."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        problems.add(path, f"expected a list of kinds from {', '.join(ITEM_KINDS)}, got {_show(raw)}")
        return None
    for i, kind in enumerate(raw):
        if kind not in ITEM_KINDS:
            problems.add(f"{path}[{i}]", f"expected one of {', '.join(ITEM_KINDS)}, got {_show(kind)}")
    return tuple(k for k in ITEM_KINDS if k in raw)


def parse_held(raw: Any, path: str, problems: Problems) -> bool:
    """A stage's ``held:``: true while a cast or splint holds the joints ``injury.held`` names."""
    if raw is None:
        return False
    if not isinstance(raw, bool):
        problems.add(path, f"expected true or false, got {_show(raw)}")
        return False
    return raw
