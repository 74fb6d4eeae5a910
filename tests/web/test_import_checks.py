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
from tests.helpers.plans import approved_plan, plan_row, screen

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


@pytest.fixture
def screened(app, therapist, make_patient):
    """screened(**answers) -> the export of a new patient screened for a fracture through the screening page
    (every other question answered no)."""

    def export(**answers) -> dict:
        pid = make_patient()
        response = screen(therapist, app, pid, "fracture", answers=answers)
        assert response.status_code == 302, response.data[:300]
        with app.app_context():
            return json.loads(patient_ops.export_json(db.session, db.session.get(Patient, pid)))

    return export


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
def test_rel12_a_clearance_keeps_the_clearance_form_s_caps(app, runner, screened, tmp_path, column, length, message):
    # A clearance of a refer finding the screening really has (it once was a made-up finding on a clear screening).
    edited = _as_new_record(screened(injury_not_seen_by_doctor="yes"))
    row = {"screening_id": 0, "rule_id": "injury_not_seen_by_doctor", "cleared_by": "Dr A. Smith, hand surgeon",
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


# ------------------------------------------------------------------ screenings, overrides, clearances


def _refused(result, *parts: str) -> None:
    """The import stopped with a message (no traceback, no database error) holding every part."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "psycopg" not in result.output and "sqlite3" not in result.output
    for part in parts:
        assert part in result.output, result.output


def _imported_patient(app) -> Patient:
    with app.app_context():
        patient = db.session.scalars(select(Patient).where(Patient.record_number == "P-IMPORT-1")).one()
        db.session.expunge(patient)
        return patient


def _told_to_go_ahead(row: dict) -> None:
    """What an attacker writes to let a patient with a fever be treated: 'no contraindication'."""
    row["decision"] = "clear"
    row["result"].update(decision="clear", urgent=False, words="No contraindication found: treat as planned.",
                         findings=[])


@pytest.mark.parametrize("edit", ["decision and result say clear", "only the decision says clear",
                                  "the fever answer removed", "the finding made a caution"])
def test_rel12_a_screening_the_engine_judges_differently_is_refused_naming_the_row(
        app, runner, screened, tmp_path, edit):
    edited = _as_new_record(screened(fever="yes"))
    row = edited["tables"]["screenings"][0]
    assert row["decision"] == "defer"  # a fever: do not treat today
    if edit == "decision and result say clear":
        _told_to_go_ahead(row)
    elif edit == "only the decision says clear":
        row["decision"] = "clear"
    elif edit == "the fever answer removed":
        del row["answers"]["fever"]  # the engine then finds the screening unfinished, not "defer"
    else:
        row["result"]["findings"][0]["category"] = "relative"
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, "screenings[0]: its stored decision", "is not what the screening rules decide")
    assert after == before


def test_rel12_a_screening_keeps_its_judgment_but_prints_the_engine_s_words_not_the_file_s(
        app, runner, screened, tmp_path):
    edited = _as_new_record(screened(fever="yes"))
    finding = edited["tables"]["screenings"][0]["result"]["findings"][0]
    finding["therapist_text"] = "Go ahead: firm massage is fine today."
    edited["tables"]["screenings"][0]["result"]["words"] = "Treat as planned."
    result, _before, _after = _import(app, runner, tmp_path, edited)
    assert result.exit_code == 0, result.output
    with app.app_context():
        from clinic.models import Screening
        stored = db.session.scalars(select(Screening).where(Screening.patient_id == _imported_patient(app).id)).one()
        assert stored.decision == "defer"
        assert stored.result["words"] == "Do not treat today."
        assert "Go ahead" not in json.dumps(stored.result)
        assert stored.result["findings"][0]["therapist_text"].startswith("No massage while the patient has a fever")


@pytest.mark.parametrize(("column", "value", "message"), [
    ("rules_version", 1, "rules_version: it was made with screening rules version 1"),
    ("valid_until", "2200-01-01", "valid_until: a screening stays valid 1 to 365 days"),
    ("on_date", "2025-03-02", "on_date: 2025-03-02 is not the day it was screened"),
    ("screened_at", "2027-03-02T09:00:00+00:00", "screened_at: 2027-03-02T09:00:00+00:00 is in the future"),
])
def test_rel12_a_screening_s_dates_and_rules_version_must_be_ones_the_pages_give(
        app, runner, screened, tmp_path, column, value, message):
    edited = _as_new_record(screened())
    edited["tables"]["screenings"][0][column] = value
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, "screenings[0]:", message)
    assert after == before


def _override(rule_ids: str) -> dict:
    return {"screening_id": 0, "rule_ids": rule_ids, "reason": "Temperature normal on re-check, patient well.",
            "by": "t@example.org", "at": "2026-03-02T09:00:00+00:00"}


def _clearance(rule_id: str) -> dict:
    return {"screening_id": 0, "rule_id": rule_id, "cleared_by": "Dr A. Smith, GP", "cleared_on": "2026-03-01",
            "note": "Cleared.", "recorded_by": "t@example.org", "recorded_at": "2026-03-02T09:00:00+00:00"}


def test_rel12_an_urgent_refer_can_be_neither_overridden_nor_cleared_by_an_import(app, runner, screened, tmp_path):
    document = _as_new_record(screened(suspected_blood_clot="yes"))
    assert document["tables"]["screenings"][0]["result"]["urgent"] is True
    edited = copy.deepcopy(document)
    edited["tables"]["screening_overrides"] = [_override("suspected_blood_clot")]
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, "screening_overrides[0]:", "it can never be overridden")
    assert after == before
    edited = copy.deepcopy(document)
    edited["tables"]["clearances"] = [_clearance("suspected_blood_clot")]
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, "clearances[0]:", "A clearance cannot be recorded on it")
    assert after == before


def test_rel12_an_override_or_clearance_imports_only_for_a_finding_the_screening_has(app, runner, screened, tmp_path):
    fever = _as_new_record(screened(fever="yes"))
    edited = copy.deepcopy(fever)
    edited["tables"]["screening_overrides"] = [_override("bleeding_risk")]
    _refused(_import(app, runner, tmp_path, edited)[0], "screening_overrides[0]:",
             "Not an absolute finding of this screening: bleeding_risk.")
    edited = copy.deepcopy(fever)
    edited["tables"]["clearances"] = [_clearance("fever")]  # a defer finding is overridden, never cleared
    _refused(_import(app, runner, tmp_path, edited)[0], "clearances[0]:", "Not a refer finding")
    edited = copy.deepcopy(fever)
    edited["tables"]["screening_overrides"] = [{**_override("fever"), "reason": "ok"}]
    _refused(_import(app, runner, tmp_path, edited)[0], "Give a reason of at least 20 characters.")
    edited = copy.deepcopy(fever)
    edited["tables"]["screening_overrides"] = [_override("fever")]
    result = _import(app, runner, tmp_path, edited)[0]
    assert result.exit_code == 0, result.output  # the override the page allows imports


def test_rel12_a_plan_resting_on_an_urgent_refer_is_refused(app, runner, exported, screened, tmp_path):
    edited = _as_new_record(exported[2])
    urgent = screened(suspected_blood_clot="yes")["tables"]["screenings"][0]
    edited["tables"]["screenings"] = [urgent]  # the plan and its revision point at screening 0
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, "plans[0]: its screening found a possible emergency")
    assert after == before


# -------------------------------------------------------------------------- sessions and measures


@pytest.fixture
def measured(app, therapist, exported):
    """The export of ``exported``'s patient after a QuickDASH and a grip measure through their pages."""
    pid = exported[0]
    items = {f"item_{n}": "3" for n in range(1, 12)}
    assert therapist.post(f"/patients/{pid}/outcomes/quickdash", data={"on_date": "2026-03-01", **items}
                          ).status_code == 302
    assert therapist.post(f"/patients/{pid}/outcomes/grip", data={
        "on_date": "2026-03-01", "side": "right", "affected_kg": "12.5", "other_kg": "25"}).status_code == 302
    with app.app_context():
        document = json.loads(patient_ops.export_json(db.session, db.session.get(Patient, pid)))
    assert [m["kind"] for m in document["tables"]["outcome_measures"]] == ["quickdash", "grip"]
    assert [m["values"]["score"] for m in document["tables"]["outcome_measures"]] == [50.0, 50.0]
    return _as_new_record(document)


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m[0]["values"].update(score=0.0), "outcome_measures[0]: values: the stored score 0.0 is not the "
                                                 "score of its answers (50.0)"),
    (lambda m: m[0]["values"].update(items=[9] * 11), "outcome_measures[0]: values: QuickDASH item 1: expected a "
                                                      "whole number from 1 to 5"),
    (lambda m: m[1]["values"].update(score=100.0), "outcome_measures[1]: values: the stored score 100.0"),
    (lambda m: m[1]["values"].update(affected_kg=900.0), "outcome_measures[1]: values: affected grip (kg): "
                                                         "expected a number from 0 to 200"),
    (lambda m: m[1]["values"].update(side="both"), "outcome_measures[1]: values: side: expected one of left, right"),
    (lambda m: m[1].update(kind="rom"), "outcome_measures[1]: kind: 'rom' is not a measure this clinic records"),
    (lambda m: m[1].update(on_date="2026-04-01"), "outcome_measures[1]: on_date: a measure cannot be dated after"),
    (lambda m: m[1].update(on_date="0001-01-01"), "outcome_measures[1].on_date: Enter a date between 1900 and "
                                                  "2200. Check the year. (it is 0001-01-01)"),
])
def test_rel12_measures_are_scored_and_range_checked_again(app, runner, measured, tmp_path, change, message):
    edited = copy.deepcopy(measured)
    change(edited["tables"]["outcome_measures"])
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, message)
    assert after == before


def test_rel12_unchanged_measures_import(app, runner, measured, tmp_path):
    result, _before, _after = _import(app, runner, tmp_path, measured)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("column", "value", "message"), [
    ("pain_before", 11, "treatment_sessions[0]: Pain before must be from 0 to 10."),
    ("pain_after", -1, "treatment_sessions[0]: Pain after must be from 0 to 10."),
    ("pain_after", 2**63, "treatment_sessions[0].pain_after: 9223372036854775808 is too large"),
    ("stage_id", "stage_99", "treatment_sessions[0]: The plan has no stage 'stage_99'."),
    ("on_date", "2026-03-03", "treatment_sessions[0]: A session cannot be recorded for a day after today."),
    ("on_date", "0001-03-02", "treatment_sessions[0].on_date: Enter a date between 1900 and 2200"),
    ("recorded_at", "2099-03-02T09:00:00+00:00", "treatment_sessions[0]: recorded_at: 2099-03-02T09:00:00+00:00 "
                                                 "is in the future"),
])
def test_rel12_a_session_is_held_to_the_session_page_s_rules(
        app, runner, exported, tmp_path, column, value, message):
    edited = _as_new_record(exported[2])
    edited["tables"]["treatment_sessions"][0][column] = value
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, message)
    assert after == before


# ------------------------------------------------------------- control characters, NUL (SEC-25 too)


@pytest.mark.parametrize(("where", "value", "message"), [
    ("patient.family_name", "Okafor\x00", "patient.family_name: holds U+0000"),
    ("patient.given_names", "\u202eadA", "patient.given_names: holds U+202E"),
    ("patient.referring_doctor", "Dr\x1b[31m Red", "patient.referring_doctor: holds U+001B"),
    ("clearances.cleared_by", "Dr A\x00", "clearances[0].cleared_by: holds U+0000"),
    ("screenings.answers", {"fever": {"answer": "no", "detail": "none\x00"}}, "screenings[0].answers.fever.detail: "
                                                                             "holds U+0000"),
    ("clinic", "Clinic A\x00", "clinic: holds U+0000"),
])
def test_rel12_sec25_a_control_character_in_a_one_line_field_is_refused_naming_row_and_field(
        app, runner, screened, tmp_path, where, value, message):
    edited = _as_new_record(screened(injury_not_seen_by_doctor="yes"))
    edited["tables"]["clearances"] = [_clearance("injury_not_seen_by_doctor")]
    if where == "clinic":
        edited["clinic"] = value
    else:
        table, column = where.split(".")
        row = edited["patient"] if table == "patient" else edited["tables"][table][0]
        row[column] = {**row[column], **value} if isinstance(value, dict) else value
    result, before, after = _import(app, runner, tmp_path, edited)
    _refused(result, message)
    assert after == before


def test_rel12_sec25_notes_lose_control_and_direction_characters_as_the_forms_remove_them(
        app, runner, exported, tmp_path):
    edited = _as_new_record(exported[2])
    edited["patient"]["history_notes"] = "Cast\x00 off\x1b on 23 Feb.\r\nSee \u202eGP\u202c.\tOK"
    edited["patient"]["address"] = "1 High St\x00\r\nTown"
    edited["tables"]["treatment_sessions"][0]["notes"] = "Went\x00 well\x07."
    result, _before, _after = _import(app, runner, tmp_path, edited)
    assert result.exit_code == 0, result.output
    with app.app_context():
        from clinic.models import TreatmentSession
        patient = _imported_patient(app)
        assert patient.history_notes == "Cast off on 23 Feb.\nSee GP.\tOK"
        assert patient.address == "1 High St\nTown"
        session = db.session.scalars(select(TreatmentSession).where(TreatmentSession.patient_id == patient.id)).one()
        assert session.notes == "Went well."
