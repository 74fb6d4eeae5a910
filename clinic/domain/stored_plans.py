"""Checks for a plan that arrives from outside the plan pages (a patient import, REL-12).

A plan made on the pages passed every edit check on the way; a plan read from a file passed none. This
runs the same checks on it: it must read back as a plan (CS-03 included), its notes and doses must be
what the edit functions accept, its pictures must be ours, and an approved revision's digest must be
the digest of its content (CS-09), so content changed after export is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from clinic.domain.plan_edits import set_home_dose, set_notes
from clinic.domain.plan_json import plan_digest, plan_from_canonical
from clinic.domain.plan_model import PlanEditError


def stored_plan_problems(canonical: Any, illustration_ids: Set[str]) -> list[str]:
    """What is wrong with a plan's canonical JSON, in words; empty when the plan pages could have made it."""
    if not isinstance(canonical, Mapping):
        return ["expected a plan object"]
    try:
        draft = plan_from_canonical(canonical)
    except (ValueError, TypeError) as exc:
        return [str(exc)]
    problems = []
    try:
        set_notes(draft, draft.patient_notes, draft.team_notes)
    except PlanEditError as exc:
        problems.append(str(exc))
    for stage in draft.stages:
        for index, exercise in enumerate(stage.home):
            where = f"stage {stage.number}, {exercise.title}"
            try:
                set_home_dose(draft, stage.id, index, exercise.dose)
            except PlanEditError as exc:
                problems.append(f"{where}: {exc}")
            if exercise.illustration and exercise.illustration not in illustration_ids:
                problems.append(f"{where}: {exercise.illustration!r} is not one of our illustrations")
    return problems


def revision_problems(canonical: Any, digest: Any, illustration_ids: Set[str]) -> list[str]:
    """``stored_plan_problems`` plus: the stored digest must be the digest of the content (CS-09)."""
    problems = stored_plan_problems(canonical, illustration_ids)
    if isinstance(canonical, Mapping) and plan_digest(canonical) != digest:
        problems.insert(0, "its digest does not match its content: the plan was changed after it was approved "
                           "or exported")
    return problems
