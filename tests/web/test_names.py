"""WF-07 names, never logins: after a working day in which every account left its mark (registered, changed,
screened, planned, approved, recorded, printed), no page or PDF shows a login e-mail, except the account
admin pages (whose e-mail column is the point) and the login form. People appear by their names."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from clinic.extensions import db
from clinic.models import Patient, Plan, User
from tests.helpers.plans import approved_plan
from tests.helpers.sweep import all_rules

# The only pages where an account's login may be read: the accounts list and the account form; and the JSON
# export, a machine-readable copy of every row (PRIV-01) that keeps who did what as stored.
SHOWS_LOGINS = {"admin.users", "admin.edit_user", "patients.export_json"}
LOGINS = {"admin": "alex.login@staff.example", "therapist": "sam.login@staff.example",
          "colleague": "ola.login@staff.example", "reception": "jo.login@staff.example"}


def readable_text(response) -> str:
    """What a person reads in a response: the HTML source (attributes included) or the PDF's text."""
    if response.mimetype == "application/pdf":
        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


@pytest.fixture
def busy_day(app, make_user, login, make_patient, clock):
    """Patient 1 registered, changed by a colleague, screened, planned, approved (plan 1, revision 1), a session
    recorded by the colleague and the handout printed: every kind of "who" a page can show."""
    ids = {role: make_user("therapist" if role == "colleague" else role, email=email)[0]
           for role, email in LOGINS.items()}
    browsers = {role: login(email) for role, email in LOGINS.items()}
    pid = make_patient()
    assert pid == 1
    plan_id = approved_plan(browsers["therapist"], app, pid, "fracture")
    assert plan_id == 1
    from clinic.patients import operations as patient_ops
    from clinic.plans import operations as plan_ops

    with app.app_context():
        colleague = db.session.get(User, ids["colleague"])
        patient = db.session.get(Patient, pid)
        patient_ops.update_patient(db.session, patient, {"phone": "+44 7700 900123"},
                                   expected_version=patient.version, user=colleague, now=clock())
        plan = db.session.get(Plan, plan_id)
        stage = plan.draft["plan"]["current_stage"]
        plan_ops.record_session(db.session, plan, on_date=clock().date(), stage_id=stage, techniques=[],
                                pain_before=4, pain_after=2, notes="", user=colleague, now=clock())
        db.session.commit()
    handout = browsers["therapist"].get(f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf")
    assert handout.status_code == 200
    return browsers


def test_wf07_no_page_or_pdf_shows_a_login_only_names(app, busy_day):
    seen = set()
    for role in ("admin", "therapist", "reception"):
        browser = busy_day[role]
        urls = [(rule.endpoint, url) for rule, method, url in all_rules(app) if method == "GET"]
        urls += [("plans.handout_pdf", "/patients/1/plans/1/revisions/1/handout.pdf?large=1")]
        for endpoint, url in urls:
            response = browser.get(url)
            response.close()
            if response.status_code != 200 or endpoint in SHOWS_LOGINS or endpoint == "static":
                continue
            text = readable_text(response)
            shown = [login for login in LOGINS.values() if login in text]
            assert shown == [], f"{role} reads {shown} on {url}"
            seen.add(endpoint)
    # The sweep really read the pages that name people (not a 404 on each).
    assert {"patients.show", "patients.history", "patients.export_pdf", "screening.result", "plans.show",
            "plans.history", "plans.handout_pdf", "plans.summary_pdf", "plans.review", "main.dashboard"} <= seen


def test_wf07_the_pages_name_the_people_who_acted(app, busy_day):
    therapist = busy_day["therapist"]
    history = therapist.get("/patients/1/history").get_data(as_text=True)
    assert "Therapist 3" in history  # the colleague who changed the phone (make_user numbers the accounts)
    timeline = therapist.get("/patients/1").get_data(as_text=True)
    assert "by Therapist 2" in timeline and "by Therapist 3" in timeline
    result = therapist.get("/screenings/1").get_data(as_text=True)
    assert "Screened by Therapist 2" in result
    plan = therapist.get("/patients/1/plans/1").get_data(as_text=True)
    assert "By Therapist 2 on" in plan
    record = readable_text(therapist.get("/patients/1/export.pdf"))
    assert "Therapist 3" in record


def test_wf07_the_account_pages_still_show_the_login_to_the_administrator(app, busy_day):
    accounts = busy_day["admin"].get("/admin/users").get_data(as_text=True)
    assert all(login in accounts for login in LOGINS.values())
