"""Stored plans read back once per process: ``read_plan`` is ``plan_from_canonical`` with a cache keyed by the
plan's digest (the hash of its canonical JSON).

Reading a plan back checks every key and type and CS-03 (about a millisecond for a four-stage plan); its digest
takes a fifth of that. A revision never changes, a draft changes only by being saved again (a new digest), and the
value read back is frozen, so one plan read back serves every page that shows it: the patient page, the plan page
and its history, the diary read back over each revision.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from clinic.domain import planning
from clinic.domain.planning import PlanDraft

CACHED_PLANS = 256  # a few days of a busy clinic's plans and revisions; each holds a few tens of kB


class _Stored:
    """A plan's canonical JSON, equal to another by digest only (the cache's key)."""

    __slots__ = ("canonical", "digest")

    def __init__(self, canonical: Mapping[str, Any]):
        self.canonical: Mapping[str, Any] | None = canonical
        self.digest = planning.plan_digest(canonical)

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Stored) and other.digest == self.digest


@functools.lru_cache(maxsize=CACHED_PLANS)
def _read(stored: _Stored) -> PlanDraft:
    assert stored.canonical is not None
    draft = planning.plan_from_canonical(stored.canonical)
    stored.canonical = None  # the key stays in the cache: it need not keep the JSON alive
    return draft


def read_plan(canonical: Mapping[str, Any]) -> PlanDraft:
    """The plan back from its canonical JSON, as ``plan_from_canonical`` (ValueError when it cannot be read, never
    cached), read once per process for each distinct plan."""
    return _read(_Stored(canonical))
