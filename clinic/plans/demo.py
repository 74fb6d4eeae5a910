"""Demo plans: one screened patient per condition with an approved plan, a few sessions and outcome
measures, made with the same operations as the web pages (``clinic demo``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from clinic.domain.screening import Answer
from clinic.domain.screening_rules import questions_for
from clinic.library import library, screening_rules
from clinic.models import Patient, User
from clinic.plans import operations as ops
from clinic.screening import operations as screening_ops

# Record number of the demo patient (in clinic.demo.PATIENTS order) -> condition and case facts, with dates
# as days before today.
CASES: dict[int, tuple[str, dict]] = {
    0: ("tendinitis", {"tendon_area": "thumb_side_wrist", "affected_side": "left", "onset_date": 40,
                       "acute_over_date": 26}),
    1: ("fracture", {"fracture_date": 52, "bone": "distal_radius", "affected_side": "right",
                     "treatment": "cast_or_splint", "cast_removal_date": 9}),
    2: ("bruise", {"injury_date": 9, "bruise_area": "hand", "affected_side": "left", "vessel_or_muscle_damage": "no",
                   "swelling_pain_gone_date": 3}),
    3: ("arthritis", {"arthritis_type": "inflammatory_arthritis", "affected_side": "both",
                      "joints": "knuckles of the index and middle fingers", "flare_settled_date": 12}),
    4: ("stroke", {"stroke_date": 45, "stroke_type": "ischaemic", "affected_side": "right",
                   "medically_stable_date": 38, "cleared_by": "Dr L. Osei, stroke unit"}),
}
# Days before today, pain before and after: a course that is getting better.
SESSIONS = ((12, 6, 4), (8, 5, 3), (4, 4, 2), (1, 3, 1))
QUICKDASH = ((12, [4, 4, 3, 3, 3, 4, 3, 3, 4, 2, 3]), (1, [3, 2, 2, 2, 2, 3, 2, 2, 2, 1, 2]))
GRIP = ((12, 9.5, 28.0), (1, 16.0, 28.5))


def _answers(patient: Patient, condition: str) -> dict[str, Answer]:
    """'no' to every question, except what the record says yes to (as a therapist confirms it)."""
    answers = {}
    for group in questions_for(screening_rules(), condition):
        for rule in group.questions:
            recorded = (patient.history_facts or {}).get(rule.record_field) if rule.record_field else None
            answers[rule.id] = Answer("yes" if recorded == "yes" else "no")
    return answers


def load(db: Session, patients: list[Patient], therapist: User, now: dt.datetime) -> None:
    """Screen, plan, approve (rendering the handout as approval does), then sessions and outcome measures."""
    for index, (condition, raw) in CASES.items():
        load_case(db, patients[index], condition, raw, therapist, now)


def case_facts(raw: dict, today: dt.date) -> dict:
    """The case facts of ``CASES`` with their dates counted back from ``today``."""
    return {k: today - dt.timedelta(days=v) if k.endswith("_date") else v for k, v in raw.items()}


def load_case(db: Session, patient: Patient, condition: str, raw: dict, therapist: User, now: dt.datetime):
    """One demo case: screened, an approved plan with its handout, sessions and outcome measures; the plan."""
    today = ops.clinic_today(db, patient, now)
    facts = case_facts(raw, today)
    screening_ops.record_screening(
        db, patient, answers=_answers(patient, condition), facts=facts, condition=condition,
        rules=screening_rules(), user=therapist, now=now, valid_days=ops.clinic_of(db, patient).screening_valid_days)
    plan, _created = ops.create_or_update_plan(db, patient, condition, facts, library=library(), user=therapist,
                                               now=now)
    ops.confirm_reached_stages(db, plan, patient, library=library(), user=therapist, now=now)
    ops.approve_plan(db, plan, patient, expected_version=plan.version, library=library(), user=therapist, now=now)
    stage = plan.draft["plan"]["current_stage"]
    draft = ops.draft_of(plan)
    done = [t.ref for t in draft.stage(stage).clinic][:3]
    for days, before, after in SESSIONS:
        ops.record_session(db, plan, on_date=today - dt.timedelta(days=days), stage_id=stage, techniques=done,
                           pain_before=before, pain_after=after, notes="", user=therapist, now=now)
    for days, items in QUICKDASH:
        ops.record_quickdash(db, patient, on_date=today - dt.timedelta(days=days), items=items, user=therapist,
                             now=now)
    if condition in ("fracture", "stroke", "tendinitis"):
        for days, affected, other in GRIP:
            ops.record_grip(db, patient, on_date=today - dt.timedelta(days=days),
                            side=facts["affected_side"], affected_kg=affected, other_kg=other, user=therapist,
                            now=now)
    return plan
