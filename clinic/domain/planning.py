"""Plan engine: a protocol, the case facts and a screening in, a draft plan (a FHIR *CarePlan*) out.

``generate_plan`` is pure and deterministic (CS-10): no clock (the caller passes ``on_date``), no
I/O, and every collection in the draft is a tuple in a fixed order, so the same inputs give equal
drafts and the same canonical JSON. It fails closed (CLINICAL.md §1): an absolute finding without a
valid override (CS-01, CS-02), a refer finding without a clearance, open screening questions, and
missing or impossible case facts (CS-04) all raise ``PlanBlocked`` naming every problem.

In the draft, every stage that applies to the facts carries its earliest day computed from the
facts (never from "today"), and a stage is current only from that day on (CS-05). Techniques and
home exercises on a locally contraindicated region are removed with the reason kept (CS-03), also
after the therapist's edits. ``plan_to_canonical`` and ``plan_digest`` give the JSON and digest an
approved revision is frozen with (CS-09); ``needs_review`` says when an approved plan must be looked
at again (CS-06, CS-11).

This module gathers the public names; each job has its own module: ``plan_model`` (the draft),
``plan_checks`` (what blocks a plan), ``plan_generation``, ``plan_edits``, ``plan_json`` (canonical
JSON and digest), ``plan_review`` (diffs, needs review) and ``wording`` (dates in words).
"""

from __future__ import annotations

from clinic.domain.plan_checks import (
    OVERRIDE_ROLES,
    check_clearance,
    check_facts,
    check_override,
)
from clinic.domain.plan_edits import add_home_exercise, local_problems, remove_home_exercise, set_home_dose, set_notes
from clinic.domain.plan_filtering import empty_plan_problems, leave_out_words
from clinic.domain.plan_generation import generate_plan
from clinic.domain.plan_json import plan_digest, plan_from_canonical, plan_to_canonical
from clinic.domain.plan_model import (
    PLAN_FORMAT,
    AvoidLine,
    Clearance,
    Override,
    PlanBlocked,
    PlanDraft,
    PlanEditError,
    PlanFact,
    PlannedStage,
    PlannedTechnique,
    Precaution,
    Removal,
    ScreeningRef,
)
from clinic.domain.plan_review import diff_plans, needs_review, protocol_changed
from clinic.domain.wording import format_day

__all__ = [
    "empty_plan_problems",
    "leave_out_words",
    "OVERRIDE_ROLES",
    "PLAN_FORMAT",
    "AvoidLine",
    "Clearance",
    "Override",
    "PlanBlocked",
    "PlanDraft",
    "PlanEditError",
    "PlanFact",
    "PlannedStage",
    "PlannedTechnique",
    "Precaution",
    "Removal",
    "ScreeningRef",
    "add_home_exercise",
    "check_clearance",
    "check_facts",
    "check_override",
    "diff_plans",
    "format_day",
    "generate_plan",
    "local_problems",
    "needs_review",
    "protocol_changed",
    "plan_digest",
    "plan_from_canonical",
    "plan_to_canonical",
    "remove_home_exercise",
    "set_home_dose",
    "set_notes",
]
