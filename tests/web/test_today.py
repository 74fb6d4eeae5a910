"""WF-04 the Today page: a therapist's patients of late, plans to review and screenings about to expire, each
a named link, times on the clinic's clock; a record number typed in full in search opens the patient."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Clinic, Patient
from clinic.patients import operations as patient_ops
from tests.helpers.plans import approved_plan, screen


@pytest.fixture
def la_therapist(app, make_user, login):
    email = make_user("therapist")[1]
    with app.app_context():
        clinic = db.session.scalars(select(Clinic)).one()
        clinic.time_zone = "America/Los_Angeles"
        clinic.screening_valid_days = 5
        db.session.commit()
    return login(email)


def test_wf04_today_names_the_patients_i_worked_on_with_what_and_when_on_the_clinics_clock(
        app, la_therapist, make_patient):
    screened = make_patient(family_name="Ellis", given_names="Margaret")
    opened = make_patient(family_name="Okafor", given_names="Chidi")
    untouched = make_patient(family_name="Nobody", given_names="Seen")
    assert screen(la_therapist, app, screened, "fracture").status_code == 302
    la_therapist.get(f"/patients/{opened}")
    page = la_therapist.get("/").get_data(as_text=True)
    assert f'href="/patients/{screened}"' in page and "ELLIS, Margaret" in page
    assert f'href="/patients/{opened}"' in page and "OKAFOR, Chidi" in page
    assert "NOBODY" not in page and f'href="/patients/{untouched}"' not in page
    seen = page.split('id="seen-head"')[1].split("</section>")[0]
    assert "screened" in seen and "record opened" in seen
    assert "01:00" in seen  # 09:00 UTC is 01:00 in Los Angeles, never the UTC time
    assert "Patient view" not in page


def test_wf04_plans_to_review_and_screenings_about_to_expire_are_listed_by_name(app, la_therapist, make_patient):
    pid = make_patient(family_name="Ellis", given_names="Margaret")
    plan_id = approved_plan(la_therapist, app, pid)
    fresh = make_patient(family_name="Fresh", given_names="Only")
    with app.app_context():
        clinic = db.session.scalars(select(Clinic)).one()
        clinic.screening_valid_days = 60
        db.session.commit()
    assert screen(la_therapist, app, fresh, "fracture").status_code == 302
    with app.app_context():  # the history changed after the approval: the plan needs review
        patient = db.session.get(Patient, pid)
        patient_ops.update_patient(db.session, patient, {"history_facts.diabetes": "yes"},
                                   expected_version=patient.version, user=None,
                                   now=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
        db.session.commit()
    page = la_therapist.get("/").get_data(as_text=True)
    review = page.split('id="review-head"')[1].split("</section>")[0]
    assert f'href="/patients/{pid}/plans/{plan_id}"' in review and "ELLIS, Margaret" in review
    assert "history" in review.lower()
    expiring = page.split('id="expiring-head"')[1].split("</section>")[0]
    assert f'href="/patients/{pid}"' in expiring and "valid until" in expiring
    assert "Fracture of the wrist" in expiring and "fracture," not in expiring  # the title, never the id
    assert "FRESH" not in expiring  # valid for two months: not about to expire


def test_eng04_plans_to_review_cost_the_same_few_queries_however_many_plans_the_clinic_has(
        app, la_therapist, make_patient, clock):
    """Each approved plan's screening and reviews are read for the whole list at once, not two queries a plan (the
    dashboard of a clinic with years of plans would otherwise grow by two queries for every plan ever approved)."""
    from sqlalchemy import event

    def plan_to_review(n: int) -> None:
        pid = make_patient(family_name=f"Held{n}")
        approved_plan(la_therapist, app, pid)
        clock.advance(minutes=1)
        with app.app_context():  # the history changed after the approval: the plan needs review
            patient = db.session.get(Patient, pid)
            patient_ops.update_patient(db.session, patient, {"history_facts.diabetes": "yes"},
                                       expected_version=patient.version, user=None, now=clock())
            db.session.commit()

    def queries_of_today(listed: int) -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listen = lambda *args: seen.append(args[2])  # noqa: E731 - the statement
        event.listen(engine, "before_cursor_execute", listen)
        try:
            page = la_therapist.get("/").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        assert f"Plans to review ({listed})" in page
        return len(seen)

    for n in range(2):
        plan_to_review(n)
    two = queries_of_today(2)
    for n in range(2, 5):
        plan_to_review(n)
    assert queries_of_today(5) == two


def test_wf04_reception_sees_no_clinical_list_on_today(app, make_user, login, make_patient):
    therapist = login(make_user("therapist")[1])
    pid = make_patient(family_name="Ellis", given_names="Margaret")
    screen(therapist, app, pid, "fracture")
    reception = login(make_user("reception")[1])
    reception.get(f"/patients/{pid}")
    page = reception.get("/").get_data(as_text=True)
    for heading in ("seen-head", "review-head", "expiring-head"):
        assert heading not in page
    assert "Find a patient" in page


def test_wf04_a_record_number_typed_in_full_opens_the_patient(app, make_user, login, make_patient):
    therapist = login(make_user("therapist")[1])
    pid = make_patient(record_number="P-000123")
    make_patient(record_number="P-001234")
    response = therapist.post("/patients/search", data={"q": " p-000123 "})
    assert response.status_code == 302 and response.headers["Location"] == f"/patients/{pid}"
    partial = therapist.post("/patients/search", data={"q": "123"})
    assert partial.headers["Location"].endswith("/patients/")  # a part of a number searches as before
    other = make_patient(clinic="Clinic B", record_number="P-777777")
    elsewhere = therapist.post("/patients/search", data={"q": "P-777777"})
    assert elsewhere.headers["Location"] != f"/patients/{other}"
