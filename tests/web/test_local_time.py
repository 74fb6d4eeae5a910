"""WF-02 local time: every date and time a person reads is on the clinic's clock, and "today" is the clinic's
date wherever the app works one out. Stored times stay UTC. The clock is injected (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from clinic import localtime
from clinic.extensions import db
from clinic.models import Clinic, PlanRevision, Screening, TreatmentSession
from tests.helpers.plans import approved_plan

# 04:00 UTC on 3 March is 20:00 on 2 March in Los Angeles (UTC−8 in March before daylight saving time).
LATE_EVENING_IN_LA = dt.datetime(2026, 3, 3, 4, 0, tzinfo=dt.UTC)
LA = "America/Los_Angeles"


def set_zone(app, zone: str, clinic: str = "Clinic A") -> None:
    with app.app_context():
        row = db.session.scalars(select(Clinic).where(Clinic.name == clinic)).one()
        row.time_zone = zone
        db.session.commit()


@pytest.fixture
def la_clinic(app, make_user, login, make_patient, clock):
    """A therapist of a Los Angeles clinic at 20:00 local time (already tomorrow in UTC), and a patient."""
    email = make_user("therapist")[1]
    set_zone(app, LA)
    clock.current = LATE_EVENING_IN_LA
    return login(email), make_patient()


@pytest.mark.parametrize(("moment", "zone", "day"), [
    (LATE_EVENING_IN_LA, LA, dt.date(2026, 3, 2)),
    (LATE_EVENING_IN_LA, "UTC", dt.date(2026, 3, 3)),
    (dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), "Pacific/Kiritimati", dt.date(2026, 3, 3)),  # UTC+14
    (dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), "Europe/London", dt.date(2026, 7, 2)),  # summer time
    (dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC), "Europe/London", dt.date(2026, 1, 1)),
])
def test_wf02_the_clinics_date_is_the_date_on_its_own_wall(moment, zone, day):
    assert localtime.local_date(moment, zone) == day


def test_wf02_times_read_on_the_clinics_clock_and_an_unknown_zone_is_no_zone():
    assert localtime.format_when(LATE_EVENING_IN_LA, LA) == "2 March 2026, 20:00"
    assert localtime.format_when(LATE_EVENING_IN_LA, "UTC") == "3 March 2026, 04:00"
    assert localtime.format_day(LATE_EVENING_IN_LA, LA) == "2 March 2026"
    assert localtime.format_day(dt.date(2026, 12, 25)) == "25 December 2026"
    for bad in ("Mars/Olympus", "localtime", "../../etc/passwd", "", " Europe/London", "EST5EDT "):
        assert not localtime.is_zone(bad), bad
    assert localtime.is_zone("Europe/London") and localtime.is_zone("UTC")
    with pytest.raises(ValueError):
        localtime.format_when(dt.datetime(2026, 3, 2, 9, 0))  # a naive time has no place here


def test_wf02_a_screening_at_20_00_in_los_angeles_is_dated_that_day_and_shown_at_20_00(app, la_clinic):
    therapist, pid = la_clinic
    plan_id = approved_plan(therapist, app, pid, "fracture")
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        revision = db.session.scalars(select(PlanRevision)).one()
        # Stored times stay UTC; the dates are the clinic's.
        assert screening.screened_at == LATE_EVENING_IN_LA and revision.approved_at == LATE_EVENING_IN_LA
        assert screening.on_date == dt.date(2026, 3, 2) and screening.valid_until == dt.date(2026, 4, 1)
    result = therapist.get(f"/screenings/{screening.id}").get_data(as_text=True)
    assert "on 2 March 2026, 20:00" in result and "3 March 2026" not in result
    plan = therapist.get(f"/patients/{pid}/plans/{plan_id}").get_data(as_text=True)
    assert "on 2 March 2026, 20:00" in plan and "Made on 2 March 2026" in plan
    history = therapist.get(f"/patients/{pid}/plans/{plan_id}/history").get_data(as_text=True)
    assert "Approved 2 March 2026, 20:00" in history
    patient_page = therapist.get(f"/patients/{pid}").get_data(as_text=True)
    assert "2 March 2026, 20:00" in patient_page and "3 March 2026, 04:00" not in patient_page
    handout = therapist.get(f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf")
    assert handout.status_code == 200
    header = PdfReader(io.BytesIO(handout.data)).pages[0].extract_text()
    assert "Printed 2 March 2026" in header and "3 March 2026" not in header


def test_wf02_forms_default_to_and_check_against_the_clinics_today(app, la_clinic):
    therapist, pid = la_clinic
    plan_id = approved_plan(therapist, app, pid, "fracture")
    base = f"/patients/{pid}/plans/{plan_id}"
    for form in (base + "/sessions/new", f"/patients/{pid}/outcomes/quickdash", f"/patients/{pid}/outcomes/grip"):
        page = therapist.get(form).get_data(as_text=True)
        assert 'value="2026-03-02"' in page, form
    with app.app_context():
        stage = approved_stage(plan_id)
    tomorrow = therapist.post(base + "/sessions/new", data={
        "on_date": "2026-03-03", "stage_id": stage, "pain_before": "3", "pain_after": "2"})
    assert tomorrow.status_code == 400, tomorrow.status_code
    today = therapist.post(base + "/sessions/new", data={
        "on_date": "2026-03-02", "stage_id": stage, "pain_before": "3", "pain_after": "2"})
    assert today.status_code == 302, today.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalars(select(TreatmentSession.on_date)).all() == [dt.date(2026, 3, 2)]


def approved_stage(plan_id: int) -> str:
    from clinic.models import Plan

    return db.session.get(Plan, plan_id).draft["plan"]["current_stage"]


def test_wf02_a_clinic_ahead_of_utc_already_has_tomorrow(app, make_user, login, make_patient, clock):
    email = make_user("therapist")[1]
    set_zone(app, "Pacific/Kiritimati")  # UTC+14: at 12:00 UTC it is 02:00 the next day
    clock.current = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    therapist, pid = login(email), make_patient()
    approved_plan(therapist, app, pid, "fracture")
    with app.app_context():
        assert db.session.scalars(select(Screening.on_date)).one() == dt.date(2026, 3, 3)


def test_wf02_the_record_pdf_and_the_start_page_read_the_clinics_clock(app, la_clinic):
    therapist, pid = la_clinic
    record = therapist.get(f"/patients/{pid}/export.pdf")
    assert record.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(record.data)).pages)
    assert "printed 2 March 2026" in text
    start = therapist.get("/").get_data(as_text=True)
    assert "2 March 2026, 20:00" in start  # the login just now, on the clinic's clock
