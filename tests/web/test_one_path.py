"""WF-03 one path from registration to handout, through the web: history asked once (registration fills
screening; "None of these" answers what is left; an answer that differs from the record corrects it, old value
kept), consent dated today without typing, and "Make the plan" on the result carrying condition and facts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clinic.domain import planning
from clinic.extensions import db
from clinic.library import screening_rules
from clinic.models import AuditEvent, Patient, PatientChange, Plan
from clinic.patients import fields as F
from clinic.patients import operations as patient_ops
from tests.helpers.plans import FACTS, fact_fields, plan_row, screen

NAMES = {"record_number": "P-000001", "family_name": "Lopez", "given_names": "Maria", "birth_date": "1961-05-04",
         "name_order": "given_first", "sex": "", "dominant_hand": "right"}


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def patient(app, pid: int = 1) -> Patient:
    with app.app_context():
        row = db.session.get(Patient, pid)
        db.session.expunge(row)
        return row


def record_question(app, fact: str) -> str:
    """The id of the screening question that reads this history fact (from the rules file)."""
    with app.app_context():
        return next(r.id for r in screening_rules().rules if r.record_field == fact)


def test_wf03_none_of_these_answers_no_to_every_history_line_left_and_keeps_the_yes(app, therapist):
    page = therapist.get("/patients/new").get_data(as_text=True)
    assert 'value="not_known" checked' not in page and 'value="no" checked' not in page  # nothing pre-chosen
    response = therapist.post("/patients/new", data={**NAMES, "fact_blood_thinners": "yes", "history_none": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    facts = patient_ops.facts_for_screening(patient(app))
    assert facts["blood_thinners"] == "yes"
    assert {facts[k] for k in F.FACT_KEYS if k != "blood_thinners"} == {"no"}


def test_wf03_a_history_line_left_unanswered_without_none_of_these_is_not_known(app, therapist):
    response = therapist.post("/patients/new", data={**NAMES, "fact_diabetes": "no"})
    assert response.status_code == 302
    facts = patient_ops.facts_for_screening(patient(app))
    assert facts["diabetes"] == "no" and facts["cancer"] == "not_known"


def test_wf03_consent_ticked_without_a_date_is_dated_the_clinics_today(app, make_user, login, clock):
    clock.current = dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)  # still 2 March on a Los Angeles wall
    therapist = login(make_user("therapist")[1])
    with app.app_context():
        from clinic.models import Clinic
        db.session.execute(select(Clinic)).scalar_one().time_zone = "America/Los_Angeles"
        db.session.commit()
    response = therapist.post("/patients/new", data={**NAMES, "consent_treatment": "y", "consent_data": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = patient(app)
    assert row.consent_treatment and row.consent_treatment_on == dt.date(2026, 3, 2)
    assert row.consent_data_on == dt.date(2026, 3, 2)


def test_wf03_screening_starts_from_the_record_and_a_differing_answer_corrects_it_with_history(
        app, therapist, make_patient):
    pid = make_patient(**{f"history_facts.{k}": "no" for k in F.FACT_KEYS})
    form = therapist.get(f"/patients/{pid}/screen?condition=fracture").get_data(as_text=True)
    assert form.count("From the record: No") == len(F.FACT_KEYS)  # asked at registration, not again
    question = record_question(app, "diabetes")
    response = screen(therapist, app, pid, "fracture", answers={question: "yes"})
    assert response.status_code == 302
    assert patient_ops.facts_for_screening(patient(app, pid))["diabetes"] == "yes"
    with app.app_context():
        change = db.session.scalars(select(PatientChange).where(
            PatientChange.patient_id == pid, PatientChange.field == "history_facts.diabetes")).one()
        assert (change.old_value, change.new_value) == ("no", "yes")
        details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "patient_update")).all()
    assert any("history_facts.diabetes" in d and "screening" in d for d in details)


def test_wf03_not_known_in_a_screening_never_erases_what_the_record_knows(app, therapist, make_patient):
    pid = make_patient(**{f"history_facts.{k}": "yes" if k == "blood_thinners" else "no" for k in F.FACT_KEYS})
    question = record_question(app, "blood_thinners")
    assert screen(therapist, app, pid, "fracture", answers={question: "not_known"}).status_code == 302
    assert patient_ops.facts_for_screening(patient(app, pid))["blood_thinners"] == "yes"


def test_wf03_none_of_these_per_group_answers_no_only_where_nothing_was_chosen(app, therapist, make_patient):
    pid = make_patient()
    form = therapist.get(f"/patients/{pid}/screen?condition=fracture").get_data(as_text=True)
    groups = sorted(set(part.split('"')[0] for part in form.split('name="none_')[1:]))
    assert len(groups) >= 3
    question = record_question(app, "diabetes")
    data = {**fact_fields("fracture"), f"q_{question}": "yes", "submit": "Screen", "confirm_prefilled": "y",
            **{f"none_{g}": "y" for g in groups}}
    response = therapist.post(f"/patients/{pid}/screen?condition=fracture", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        from clinic.models import Screening
        answers = db.session.scalars(select(Screening)).one().answers
    assert answers[question]["answer"] == "yes"
    assert {a["answer"] for k, a in answers.items() if k != question} == {"no"}


def test_wf03_make_the_plan_on_the_result_carries_the_condition_and_every_case_fact(app, therapist, make_patient):
    pid = make_patient()
    response = screen(therapist, app, pid, "fracture")
    result = therapist.get(response.headers["Location"]).get_data(as_text=True)
    assert "Make the plan</button>" in result
    action = f"/patients/{pid}/plans/from-screening/1"
    assert action in result
    made = therapist.post(action)
    assert made.status_code == 302 and "/plans/" in made.headers["Location"]
    with app.app_context():
        plan_id = db.session.scalars(select(Plan.id)).one()
    draft_facts = planning.plan_from_canonical(plan_row(app, plan_id).draft).fact_values()
    for name, value in FACTS["fracture"].items():
        assert str(draft_facts[name]) == value, name
    again = therapist.get(response.headers["Location"]).get_data(as_text=True)
    assert "Make the plan again from this screening" in again


def test_wf03_no_make_the_plan_when_the_screening_does_not_allow_treatment(app, therapist, make_patient):
    pid = make_patient()
    with app.app_context():
        blocker = next(r.id for r in screening_rules().rules
                       if r.category == "absolute" and r.question and r.applies_to("fracture") and not r.gate)
    response = screen(therapist, app, pid, "fracture", answers={blocker: "yes"})
    result = therapist.get(response.headers["Location"]).get_data(as_text=True)
    assert "Make the plan" not in result
    assert therapist.post(f"/patients/{pid}/plans/from-screening/1").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Plan)).all() == []


def test_wf03_the_next_stage_waiting_on_a_planned_date_moves_in_one_form_with_edits_carried_over(
        app, make_user, login, make_patient, clock):
    from clinic.domain.progress import next_stage_criteria
    from clinic.models import StageMove
    from tests.helpers.plans import approve, make_plan

    email = make_user("therapist")[1]
    therapist = login(email)
    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "fracture", cast_removal_date="2026-03-06")  # the cast is on
    edited = therapist.post(f"/patients/{pid}/plans/{plan_id}/edit", data={
        "version": str(plan_row(app, plan_id).version), "patient_notes": "Keep the sling on outdoors."})
    assert edited.status_code == 302
    assert approve(therapist, app, pid, plan_id).status_code == 302
    clock.advance(days=8)  # a week later: the cast came off
    therapist = login(email)
    text = therapist.get(f"/patients/{pid}/plans/{plan_id}/move").get_data(as_text=True)
    assert 'name="date_cast_removal_date"' in text and 'value="2026-03-06"' in text
    draft = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    moved = therapist.post(f"/patients/{pid}/plans/{plan_id}/move", data={
        "version": str(plan_row(app, plan_id).version), "date_cast_removal_date": "2026-03-05",
        "criteria": list(next_stage_criteria(draft))})
    assert moved.status_code == 302, moved.get_data(as_text=True)[:3000]
    new = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    assert new.current_stage == new.stages[1].id
    assert new.fact_values()["cast_removal_date"] == dt.date(2026, 3, 5)
    assert new.patient_notes == "Keep the sling on outdoors."  # the therapist's edit carried over
    plan_page = therapist.get(f"/patients/{pid}/plans/{plan_id}").get_data(as_text=True)
    assert "DRAFT" in plan_page and "Approve the plan" in plan_page
    with app.app_context():
        move = db.session.scalars(select(StageMove)).one()
        assert move.criteria["dates"] == {"cast_removal_date": "2026-03-05"} and move.revision_id is None


def test_wf03_a_move_without_the_criteria_or_the_date_changes_nothing_and_says_why(
        app, make_user, login, make_patient, clock):
    from tests.helpers.plans import approve, make_plan

    email = make_user("therapist")[1]
    therapist = login(email)
    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "fracture", cast_removal_date="2026-03-06")
    assert approve(therapist, app, pid, plan_id).status_code == 302
    clock.advance(days=8)
    therapist = login(email)
    before = plan_row(app, plan_id).draft
    response = therapist.post(f"/patients/{pid}/plans/{plan_id}/move", data={
        "version": str(plan_row(app, plan_id).version), "date_cast_removal_date": ""})
    assert response.status_code == 400
    assert "Enter the date" in response.get_data(as_text=True)
    response = therapist.post(f"/patients/{pid}/plans/{plan_id}/move", data={
        "version": str(plan_row(app, plan_id).version), "date_cast_removal_date": "2026-03-05"})
    assert response.status_code == 409 and "Confirm every criterion" in response.get_data(as_text=True)
    assert plan_row(app, plan_id).draft == before
