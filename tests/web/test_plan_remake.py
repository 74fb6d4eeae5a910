"""C29 through the web: a plan made again from new case facts keeps the therapist's approved edits where the item
still exists, and the plan page lists, before approval, what could not be carried over and why."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from clinic.domain import planning
from clinic.extensions import db
from clinic.models import AuditEvent
from tests.conftest import require_tool
from tests.helpers.pages import text_of
from tests.helpers.plans import approve, approved_plan, edit_form, new_plan, plan_row, plan_url, revisions

INFLAMMATORY = {"arthritis_type": "inflammatory_arthritis"}  # the osteoarthritis-only stage goes


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.fixture
def patient(make_patient):
    return make_patient()


def current_stage(app, plan_id: int):
    draft = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    return next(s for s in draft.stages if s.current)


def pdf_text(data: bytes) -> str:
    tool = require_tool("pdftotext")
    return subprocess.run([tool, "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_c29_the_edited_dose_and_note_survive_the_cast_removal_date_moving_and_print(app, therapist, patient):
    plan_id = approved_plan(therapist, app, patient, "fracture")
    stage = current_stage(app, plan_id)
    exercise = next(e for e in stage.home if e.dose.repetitions is not None)
    reps = exercise.dose.repetitions
    data = edit_form(app, therapist, patient, plan_id)
    data[f"s{stage.number}__{exercise.ref}__repetitions"] = str(reps + 2)
    data["patient_notes"] = "Keep the hand up on a cushion in the evening."
    assert therapist.post(plan_url(patient, plan_id, "/edit"), data=data).status_code == 302
    assert approve(therapist, app, patient, plan_id).status_code == 302  # revision 2 holds the edits

    response = new_plan(therapist, patient, "fracture", cast_removal_date="2026-02-25")
    assert response.status_code == 302, text_of(response)[:2000]

    draft = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    assert draft.fact_values()["cast_removal_date"].isoformat() == "2026-02-25"
    again = next(e for e in draft.stage(stage.id).home if e.ref == exercise.ref)
    assert again.dose.repetitions == reps + 2
    assert draft.patient_notes == "Keep the hand up on a cushion in the evening."
    page = text_of(therapist.get(plan_url(patient, plan_id)))
    assert "Made again from new facts: your earlier changes" in page
    assert f"{exercise.title}: your dose is kept ({reps + 2} times" in page
    assert "Your note for the patient is kept." in page and "Not carried over" not in page

    assert approve(therapist, app, patient, plan_id).status_code == 302
    assert len(revisions(app, plan_id)) == 3
    page = text_of(therapist.get(plan_url(patient, plan_id)))
    assert "Made again from new facts" not in page  # approved: the list has done its job
    handout = therapist.get(plan_url(patient, plan_id, "/revisions/3/handout.pdf"))
    assert handout.status_code == 200
    words = " ".join(pdf_text(handout.data).split())
    assert "Keep the hand up on a cushion in the evening." in words
    assert exercise.title in words and f"{reps + 2} times" in words


def test_c29_an_edit_whose_stage_is_gone_from_the_remade_plan_is_listed_before_approval(app, therapist, patient):
    plan_id = approved_plan(therapist, app, patient, "arthritis")
    before = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    response = new_plan(therapist, patient, "arthritis", **INFLAMMATORY)
    assert response.status_code == 302, text_of(response)[:2000]
    remade = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    gone = next(s for s in before.stages if s.id not in {t.id for t in remade.stages})
    exercise = next(e for e in gone.home if e.dose.repetitions is not None)

    # Start again from the osteoarthritis plan, with a dose changed in the stage that is about to go.
    assert new_plan(therapist, patient, "arthritis").status_code == 302
    data = edit_form(app, therapist, patient, plan_id)
    data[f"s{gone.number}__{exercise.ref}__repetitions"] = str(exercise.dose.repetitions + 3)
    data["team_notes"] = "Thumb base sore after putty."
    assert therapist.post(plan_url(patient, plan_id, "/edit"), data=data).status_code == 302

    response = new_plan(therapist, patient, "arthritis", **INFLAMMATORY)
    assert response.status_code == 302
    landing = text_of(therapist.get(response.headers["Location"]))
    assert "1 of your earlier changes could not be carried over" in landing
    assert "Not carried over (1) — check these before approving:" in landing
    assert (f"Stage {gone.number} of the earlier plan ({gone.title}), {exercise.title} "
            f"({exercise.dose.repetitions + 3} times") in landing
    assert "its stage is not part of the new plan" in landing
    assert "Your note for the team is kept." in landing
    assert planning.plan_from_canonical(plan_row(app, plan_id).draft).team_notes == "Thumb base sore after putty."
    with app.app_context():
        details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "plan_update")).all()
    assert details[-1].endswith("generated; edits kept 1, not kept 1")  # the audit trail says so too
