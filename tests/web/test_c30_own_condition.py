"""C30: a clinic adds its own protocol file for a sixth condition (trigger finger, in
tests/data/protocols_extra through PROTOCOL_DIRS) and it appears in screening and "New plan" with its
own case facts and stages, screens, plans, approves and prints, with no code change."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.extensions import db
from tests.helpers.handouts import pdf_text, squash
from tests.helpers.pages import text_of
from tests.helpers.plans import approve, plan_id_from
from tests.helpers.screening import form_data, screen_url

EXTRA = Path(__file__).resolve().parents[1] / "data" / "protocols_extra"

# The clinic's facts, in the form's words: onset 30 days before the test day (2 March 2026), splint on.
TRIGGER_FACTS = {
    "fact_onset_date": "2026-01-31",
    "fact_affected_side": "right",
    "fact_digit": "ring",
    "fact_night_splint": "yes",
    "fact_splint_end_date": "2026-03-14",
}


@pytest.fixture
def app(make_app):
    app = make_app(PROTOCOL_DIRS=[str(EXTRA)])
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def test_c30_a_clinic_protocol_file_appears_in_screening_and_new_plan(app, therapist, make_patient):
    pid = make_patient()
    choose = text_of(therapist.get(f"/patients/{pid}/screen"))
    assert "Trigger finger" in choose
    form = therapist.get(screen_url(pid, "trigger_finger"))
    assert form.status_code == 200
    page = text_of(form)
    # its own case facts, asked in the protocol's words
    assert "Which finger catches?" in page and "Ring finger" in page
    assert "Does the patient wear a splint at night?" in page
    assert "When does the splint period end (planned or actual)?" in page
    new = text_of(therapist.get(f"/patients/{pid}/plans/new"))
    assert "Trigger finger" in new


def test_c30_a_clinic_condition_screens_plans_approves_and_prints(app, therapist, make_patient, tmp_path):
    pid = make_patient()
    response = therapist.post(screen_url(pid, "trigger_finger"),
                              data=form_data(app, "trigger_finger", facts=TRIGGER_FACTS))
    assert response.status_code == 302, text_of(response)[:2000]
    response = therapist.post(f"/patients/{pid}/plans/new?condition=trigger_finger", data=TRIGGER_FACTS)
    assert response.status_code == 302, text_of(response)[:3000]
    plan_id = plan_id_from(response)
    page = text_of(therapist.get(f"/patients/{pid}/plans/{plan_id}"))
    assert "Trigger finger" in page
    assert "Settling stage - rest from gripping, splint and tendon gliding" in page
    # the planned date is allowed in the future, and the waiting stage is named with the file's event words
    assert "Return stage - gentle massage and normal use" in page
    assert "the splint period ends" in page
    assert approve(therapist, app, pid, plan_id).status_code == 302
    pdf = therapist.get(f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    handout = squash(pdf_text(pdf.data, tmp_path))
    assert squash("Your catching finger (trigger finger)") in handout
    assert squash("Spread and close your fingers") in handout


def test_c30_a_future_onset_date_of_the_clinic_condition_is_refused_next_to_the_field(app, therapist, make_patient):
    pid = make_patient()
    facts = {**TRIGGER_FACTS, "fact_onset_date": "2026-04-01"}
    response = therapist.post(screen_url(pid, "trigger_finger"), data=form_data(app, "trigger_finger", facts=facts))
    assert response.status_code == 400
    page = text_of(response)
    assert "This date is after today, so it cannot have happened yet." in page
    assert "2026-04-01" in response.get_data(as_text=True)  # nothing typed is lost
