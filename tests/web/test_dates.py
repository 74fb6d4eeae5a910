"""REL-13: every date field takes dates from 1900 to 2200 only, refused next to the field; a stored date
always re-opens in its form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from wtforms import DateField
from wtforms.fields.core import UnboundField

from clinic.extensions import db
from clinic.forms import FriendlyDateField
from clinic.inputs import DATE_RANGE_MESSAGE
from clinic.models import Clearance, OutcomeMeasure, Patient, Screening, TreatmentSession
from clinic.patients import fields as F
from tests.helpers.forms import every_form_class
from tests.helpers.plans import approved_plan, screen

OUT_OF_RANGE = ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31", "31/12/1899"]


def refused_next_to(response, field_id: str) -> bool:
    """The range message sits in the error paragraph of that field (not only in the summary)."""
    page = response.get_data(as_text=True).replace("&#39;", "'")
    return re.search(rf'id="{field_id}-error-\d+">.*?{re.escape(DATE_RANGE_MESSAGE)}', page) is not None


def registration(**overrides) -> dict[str, str]:
    data = {"record_number": "P-000001", "family_name": "Okafor", "given_names": "Ada", "birth_date": "1960-05-04",
            "sex": "female", "dominant_hand": "right", "consent_treatment": "y", "consent_treatment_on": "2026-03-01",
            **{f"fact_{k}": "no" for k in F.FACT_KEYS}}
    data.update(overrides)
    return data


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def test_rel13_every_date_field_of_every_form_is_the_one_checked_date_field(app):
    seen = 0
    for form_class in every_form_class(app):
        for name in dir(form_class):
            field = getattr(form_class, name, None)
            if isinstance(field, UnboundField) and issubclass(field.field_class, DateField):
                seen += 1
                assert issubclass(field.field_class, FriendlyDateField), (form_class.__name__, name)
    assert seen >= 10


@pytest.mark.parametrize("bad", OUT_OF_RANGE)
def test_rel13_patient_birth_and_consent_dates_out_of_range_are_refused_next_to_the_field(app, therapist, bad):
    for field in ("birth_date", "consent_treatment_on"):
        response = therapist.post("/patients/new", data=registration(**{field: bad}))
        assert response.status_code == 400 and refused_next_to(response, field), field
        assert "Okafor" in response.get_data(as_text=True)  # what was typed is kept
    assert count(app, Patient) == 0


@pytest.mark.parametrize("bad", ["0001-01-01", "2201-01-01"])
def test_rel13_case_fact_session_measure_and_clearance_dates_out_of_range_are_refused(
        app, therapist, make_patient, bad):
    pid = make_patient()
    response = screen(therapist, app, pid, "fracture", fracture_date=bad)
    assert response.status_code == 400 and refused_next_to(response, "fact_fracture_date")
    assert count(app, Screening) == 0
    plan_id = approved_plan(therapist, app, pid, "fracture")
    facts = therapist.post(f"/patients/{pid}/plans/new?condition=fracture", data={"fact_cast_removal_date": bad})
    assert facts.status_code == 400 and refused_next_to(facts, "fact_cast_removal_date")
    session = therapist.post(f"/patients/{pid}/plans/{plan_id}/sessions/new", data={"on_date": bad, "notes": "kept"})
    assert session.status_code == 400 and refused_next_to(session, "on_date") and count(app, TreatmentSession) == 0
    grip = {"side": "left", "affected_kg": "9", "other_kg": "20"}
    for kind, data in (("quickdash", {"item_1": "2"}), ("grip", grip)):
        measure = therapist.post(f"/patients/{pid}/outcomes/{kind}", data={"on_date": bad, **data})
        assert measure.status_code == 400 and refused_next_to(measure, "on_date"), kind
    assert count(app, OutcomeMeasure) == 0
    screen(therapist, app, pid, "fracture", answers={"suspected_malignancy": "yes"})
    with app.app_context():
        screening_id = db.session.scalars(select(Screening.id).order_by(Screening.id.desc())).first()
    clearance = therapist.post(f"/screenings/{screening_id}/clearance", data={
        "rule_id": "suspected_malignancy", "cleared_by": "Dr A. Smith", "cleared_on": bad, "note": "Benign."})
    assert clearance.status_code == 400 and refused_next_to(clearance, "cleared_on") and count(app, Clearance) == 0


def test_rel13_edges_1900_and_2200_are_accepted_as_far_as_the_range_goes(app, therapist):
    # 1900-01-01 is in range (the age check then speaks, not the range check).
    response = therapist.post("/patients/new", data=registration(birth_date="1900-01-01"))
    assert not refused_next_to(response, "birth_date")
    assert "years old" in response.get_data(as_text=True)


def test_rel13_a_stored_date_from_before_the_check_reopens_in_its_form_and_can_be_corrected(
        app, therapist, make_patient):
    pid = make_patient(consent_treatment=True, consent_treatment_on=dt.date(2026, 3, 1))
    with app.app_context():  # a year-1 date stored before this check existed
        db.session.get(Patient, pid).consent_treatment_on = dt.date(1, 1, 1)
        db.session.commit()
    page = therapist.get(f"/patients/{pid}/edit").get_data(as_text=True)
    assert 'value="0001-01-01"' in page  # a browser shows it; "1-01-01" showed as empty
    assert 'min="1900-01-01"' in page and 'max="2200-12-31"' in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    with app.app_context():
        patient = db.session.get(Patient, pid)
        names = {"record_number": patient.record_number, "family_name": patient.family_name,
                 "given_names": patient.given_names, "birth_date": patient.birth_date.isoformat()}
    stored = therapist.post(f"/patients/{pid}/edit", data=registration(
        **names, consent_treatment_on="0001-01-01", version=version))
    assert stored.status_code == 400 and refused_next_to(stored, "consent_treatment_on")
    fixed = therapist.post(f"/patients/{pid}/edit", data=registration(
        **names, consent_treatment_on="2026-03-01", version=version))
    assert fixed.status_code == 302
