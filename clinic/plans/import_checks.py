"""Plan rows from a patient import, held to the rules of the plan pages (REL-12); see clinic.domain.stored_plans."""

from __future__ import annotations

import functools

from clinic.domain.protocols import illustration_ids_in
from clinic.domain.stored_plans import revision_problems, stored_plan_problems
from clinic.library import ILLUSTRATIONS

PAIN_RANGE = range(0, 11)  # the session form's 0-10 scale


@functools.cache
def _illustrations() -> frozenset[str]:
    return frozenset(illustration_ids_in(ILLUSTRATIONS))


def imported_plan_problems(row: dict) -> list[str]:
    """A plan's draft must be a plan the pages could have made."""
    return [f"draft: {p}" for p in stored_plan_problems(row.get("draft"), _illustrations())]


def imported_revision_problems(row: dict) -> list[str]:
    """An approved revision: a valid plan whose digest is the digest of its content (CS-09)."""
    return revision_problems(row.get("canonical"), row.get("digest"), _illustrations())


def imported_session_problems(row: dict) -> list[str]:
    """A treatment session: pain on the 0-10 scale."""
    return [f"{name}: {row[name]} is not on the 0-10 scale" for name in ("pain_before", "pain_after")
            if row.get(name) is not None and row[name] not in PAIN_RANGE]
