"""`clinic import` trusts nothing in the file (REL-12): every row is checked like the pages check input,
every approved revision's digest is recomputed, the clinic must match exactly, and nothing is written when
anything is refused. Both databases."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from clinic.domain.planning import plan_digest
from clinic.extensions import db
from clinic.models import Clinic, HandoutFile, Patient, Plan, PlanRevision
from clinic.patients import operations as patient_ops
from tests.helpers.plans import approved_plan, plan_row

pytestmark = pytest.mark.db

BAD_PICTURE = "../../../../etc/passwd"


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.fixture
def exported(app, therapist, make_patient, tmp_path):
    """(patient id, plan id, the export as a dict) of a patient with an approved fracture plan and a session."""
    pid = make_patient(history_notes="Distal radius fracture, cast six weeks.")
    plan_id = approved_plan(therapist, app, pid, "fracture")
    therapist.post(f"/patients/{pid}/plans/{plan_id}/sessions/new", data={
        "on_date": "2026-03-02", "stage_id": plan_row(app, plan_id).draft["plan"]["current_stage"],
        "pain_before": "5", "pain_after": "2", "notes": "Went well."})
    with app.app_context():
        document = json.loads(patient_ops.export_json(db.session, db.session.get(Patient, pid)))
    assert document["tables"]["treatment_sessions"], "the session was recorded"
    return pid, plan_id, document


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Patient, PlanRevision, Clinic))


def _import(app, runner, tmp_path, document, *args):
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    before = _counts(app)
    result = runner.invoke(args=["import", str(path), *args])
    return result, before, _counts(app)


def _home_exercises(canonical: dict):
    for stage in canonical["plan"]["stages"]:
        yield from stage["home"]


def _as_new_record(document: dict) -> dict:
    edited = copy.deepcopy(document)
    edited["patient"]["record_number"] = "P-IMPORT-1"
    return edited


def test_rel12_600_repetitions_under_the_old_digest_are_refused_naming_the_revision(app, runner, exported, tmp_path):
    _pid, _plan_id, document = exported
    edited = _as_new_record(document)
    revision = edited["tables"]["plan_revisions"][0]
    for exercise in _home_exercises(revision["canonical"]):
        if exercise["dose"].get("repetitions") is not None:
            exercise["dose"]["repetitions"] = 600
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0
    assert "plan_revisions[0]: its digest does not match its content" in result.output
    assert after == before  # nothing written: no patient, no revision, no clinic


def test_rel12_an_unchanged_export_still_imports(app, runner, exported, tmp_path):
    result, before, after = _import(app, runner, tmp_path, _as_new_record(exported[2]))
    assert result.exit_code == 0, result.output
    assert after == (before[0] + 1, before[1] + 1, before[2])


def test_rel12_a_dose_outside_what_the_plan_page_accepts_is_refused_even_with_a_matching_digest(
        app, runner, exported, tmp_path):
    edited = _as_new_record(exported[2])
    revision = edited["tables"]["plan_revisions"][0]
    exercise = next(e for e in _home_exercises(revision["canonical"]) if e["dose"].get("repetitions"))
    exercise["dose"]["repetitions"] = 6000
    revision["digest"] = plan_digest(revision["canonical"])  # the attacker recomputes the digest too
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0
    assert "plan_revisions[0]:" in result.output and "Repetitions must be a whole number from" in result.output
    assert after == before


def test_rel12_an_illustration_path_is_refused_at_import(app, runner, exported, tmp_path):
    edited = _as_new_record(exported[2])
    revision = edited["tables"]["plan_revisions"][0]
    next(_home_exercises(revision["canonical"]))["illustration"] = BAD_PICTURE
    revision["digest"] = plan_digest(revision["canonical"])
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0
    assert "plan_revisions[0]:" in result.output and "is not one of our illustrations" in result.output
    assert after == before
    draft_edited = _as_new_record(exported[2])
    next(_home_exercises(draft_edited["tables"]["plans"][0]["draft"]))["illustration"] = BAD_PICTURE
    result, before, after = _import(app, runner, tmp_path, draft_edited)
    assert result.exit_code != 0 and "plans[0]: draft:" in result.output and after == before


@pytest.mark.parametrize(("where", "length", "message"), [
    ("patient.history_notes", 5_001, "history_notes: Use at most 5000 characters."),
    ("patient.address", 1_001, "address: Use at most 1000 characters."),
    ("patient.family_name", 101, "patient.family_name: at most 100 characters"),
    ("treatment_sessions.notes", 10_001, "treatment_sessions[0].notes: at most 10,000 characters"),
    ("patient.medications", 6_000_000, "patient.medications: at most 10,000 characters"),
])
def test_rel12_the_web_s_field_caps_apply_to_an_import(app, runner, exported, tmp_path, where, length, message):
    edited = _as_new_record(exported[2])
    table, column = where.split(".")
    row = edited["patient"] if table == "patient" else edited["tables"][table][0]
    row[column] = "x" * length
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output) < 1000  # the message names the field; it does not repeat what was sent
    assert after == before


@pytest.mark.parametrize(("column", "length", "message"), [
    ("note", 2_001, "clearances[0]: note: at most 2,000 characters"),
    ("cleared_by", 301, "clearances[0].cleared_by: at most 300 characters"),
])
def test_rel12_a_clearance_keeps_the_clearance_form_s_caps(app, runner, exported, tmp_path, column, length, message):
    edited = _as_new_record(exported[2])
    assert edited["tables"]["screenings"], "the plan's screening is in the export"
    row = {"screening_id": 0, "rule_id": "recent_fracture", "cleared_by": "Dr A. Smith, hand surgeon",
           "cleared_on": "2026-03-01", "note": "Cleared for gentle movement.", "recorded_by": "t@example.org",
           "recorded_at": "2026-03-02T09:00:00+00:00", column: "x" * length}
    edited["tables"]["clearances"] = [row]
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0
    assert message in result.output
    assert after == before
    row[column] = "Dr B. Jones" if column == "cleared_by" else "Cleared."
    assert _import(app, runner, tmp_path, edited)[0].exit_code == 0  # the same row within the caps imports


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "call me maybe", "phone: Enter a phone number"),
    ("birth_date", "1901-01-01", "birth_date: That would make the patient"),
    ("birth_date", "1850-01-01", "birth_date: Enter a date between 1900 and 2200"),  # REL-13's range, via the form
    ("consent_data_on", "2026-01-05", "consent_data: Tick the box"),
    ("status", "deleted", "status: 'deleted' is not one of"),
])
def test_rel12_the_patient_row_passes_the_registration_form_s_checks(
        app, runner, exported, tmp_path, field, value, message):
    edited = _as_new_record(exported[2])
    edited["patient"][field] = value
    edited["patient"]["consent_data"] = False
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0
    assert message in result.output
    assert after == before


def test_rel12_a_near_miss_clinic_name_stops_the_import_listing_the_clinics(app, runner, exported, tmp_path):
    edited = _as_new_record(exported[2])
    assert edited["clinic"] == "Clinic A"
    edited["clinic"] = "Clinic A "  # a trailing space once made a second clinic nobody could see
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0
    assert "there is no clinic called exactly 'Clinic A '" in result.output and "'Clinic A'" in result.output
    assert after == before
    # Even when asked to create one, a name that differs only in spaces or case is refused.
    result, before, after = _import(app, runner, tmp_path, edited, "--new-clinic")
    assert result.exit_code != 0 and "differs from an existing clinic only in spaces or case" in result.output
    assert after == before


def test_rel12_an_unknown_clinic_is_created_only_when_asked(app, runner, exported, tmp_path):
    edited = _as_new_record(exported[2])
    edited["clinic"] = "Harbour Hand Clinic"
    result, before, after = _import(app, runner, tmp_path, edited)
    assert result.exit_code != 0 and "--new-clinic" in result.output and after == before
    result, before, after = _import(app, runner, tmp_path, edited, "--new-clinic")
    assert result.exit_code == 0, result.output
    assert after == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_rel12_a_bad_illustration_already_in_the_database_never_gives_a_500(app, therapist, exported):
    pid, plan_id, _document = exported
    with app.app_context():
        # Written straight into the database (the ORM refuses to update an approved revision).
        plan = plan_row(app, plan_id)
        draft = copy.deepcopy(plan.draft)
        next(_home_exercises(draft))["illustration"] = BAD_PICTURE
        revision = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan_id)).one()
        db.session.execute(PlanRevision.__table__.update().where(PlanRevision.id == revision.id)
                           .values(canonical=draft, digest=plan_digest(draft)))
        db.session.execute(Plan.__table__.update().where(Plan.id == plan_id).values(draft=draft))
        db.session.execute(HandoutFile.__table__.delete())  # no rendered copy: render from the revision
        db.session.commit()
    for url in (f"/patients/{pid}/plans/{plan_id}", f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf",
                f"/patients/{pid}/plans/{plan_id}/history"):
        response = therapist.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert b"etc/passwd" not in response.data
