"""WF-09 reception reprints: from the patient page reception prints the current approved handout, and still
sees nothing else clinical (no plan, screening, history, stage or reason for a refusal)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import HandoutPrint, Patient
from clinic.patients import operations as patient_ops
from tests.helpers.plans import approved_plan, make_plan


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.fixture
def reception(make_user, login):
    return login(make_user("reception")[1])


CLINICAL_WORDS = ("Fracture", "fracture", "stage", "Stage", "Screen", "history", "Diabetes", "Blood thinners",
                  "revision")


def test_wf09_reception_prints_the_current_handout_from_the_patient_page(app, therapist, reception, make_patient):
    pid = make_patient(family_name="Ellis", given_names="Margaret")
    plan_id = approved_plan(therapist, app, pid)
    page = reception.get(f"/patients/{pid}").get_data(as_text=True)
    link = f"/patients/{pid}/plans/{plan_id}/handout.pdf"
    assert f'href="{link}"' in page and "Print the handout" in page
    handouts = page.split('id="handouts-head"')[1].split("</section>")[0]
    for word in CLINICAL_WORDS:
        assert word not in handouts, word
    pdf = reception.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "handout-" in pdf.headers["Content-Disposition"]
    with app.app_context():
        printed = db.session.scalars(select(HandoutPrint)).all()
        assert printed and printed[-1].by.startswith("reception")


def test_wf09_reception_reaches_no_plan_page_no_revision_and_no_summary(app, therapist, reception, make_patient):
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid)
    for url in (f"/patients/{pid}/plans/{plan_id}", f"/patients/{pid}/plans/{plan_id}/history",
                f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf",
                f"/patients/{pid}/plans/{plan_id}/revisions/1/summary.pdf", f"/patients/{pid}/screen",
                f"/patients/{pid}/export.pdf"):
        assert reception.get(url).status_code == 403, url


def test_wf09_a_plan_that_needs_review_is_refused_to_reception_without_saying_anything_clinical(
        app, therapist, reception, make_patient, clock):
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid)
    clock.advance(minutes=5)
    with app.app_context():
        patient = db.session.get(Patient, pid)
        patient_ops.update_patient(db.session, patient, {"history_facts.diabetes": "yes"},
                                   expected_version=patient.version, user=None, now=clock())
        db.session.commit()
    response = reception.get(f"/patients/{pid}/plans/{plan_id}/handout.pdf")
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "plan again before its handout is printed" in body
    for word in ("Diabetes", "diabetes", "history", "medication", "screening"):
        assert word not in body, word
    therapist_view = therapist.get(f"/patients/{pid}/plans/{plan_id}/handout.pdf")
    assert therapist_view.status_code == 409 and "history" in therapist_view.get_data(as_text=True)


def test_wf09_a_plan_never_approved_offers_reception_nothing_to_print(app, therapist, reception, make_patient):
    pid = make_patient()
    plan_id = make_plan(therapist, app, pid)
    assert "Print the handout" not in reception.get(f"/patients/{pid}").get_data(as_text=True)
    assert reception.get(f"/patients/{pid}/plans/{plan_id}/handout.pdf").status_code == 404
