"""Issue 8: whole journeys in a real Chromium through the live server, asserting what the user sees.

A therapist takes a patient of each condition from registration to a printed handout; a deferred case is
overridden; reception edits contact details and is kept out of clinical pages; an administrator adds an
account and erases a patient; a screening form survives an idle timeout (CS-14)."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Screening
from tests.conftest import PASSWORD, require_tool
from tests.e2e.conftest import log_in
from tests.helpers.journeys import TITLES, answer_every_question_no, fill_facts, open_screening, submit_screening
from tests.helpers.plans import CONDITIONS, FACTS, approved_plan

pytestmark = pytest.mark.e2e

NAMES = {"stroke": ("Lovelace", "Ada"), "fracture": ("Ellis", "Margaret"), "tendinitis": ("Okafor", "Chidi"),
         "arthritis": ("Lindqvist", "Ingrid"), "bruise": ("Moreau", "Camille")}


def register_patient(page, base: str, family: str, given: str) -> int:
    """Register through the form as a person would; the new patient's id (from the page's URL)."""
    page.goto(base + "/")
    page.click("nav >> text=Patients")
    page.click("text=Register a patient")
    page.fill("#family_name", family)
    page.fill("#given_names", given)
    page.fill("#birth_date", "1961-05-17")
    page.fill("#phone", "+47 555 0101")
    with page.expect_navigation():
        page.click("text=Register patient")
    match = re.fullmatch(r".*/patients/(\d+)", page.url)
    assert match, page.url
    assert family.upper() in page.locator(".patient-banner").inner_text()
    return int(match.group(1))


def pdf_text(path) -> str:
    return subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("condition", CONDITIONS)
def test_therapist_registers_screens_plans_approves_and_prints(live_server, page, make_user, condition, tmp_path):
    _, email = make_user("therapist")
    family, given = NAMES[condition]
    log_in(page, live_server, email, PASSWORD)
    pid = register_patient(page, live_server, family, given)

    open_screening(page, live_server, pid, condition)
    fill_facts(page, FACTS[condition])
    answer_every_question_no(page)
    submit_screening(page)
    headline = page.locator("h1").inner_text()
    assert headline.endswith(("NO CONTRAINDICATION FOUND", "TREAT WITH PRECAUTIONS", "TREAT, AVOIDING")), headline

    page.goto(f"{live_server}/patients/{pid}")
    page.get_by_role("link", name="New plan").click()
    page.get_by_role("link", name=TITLES[condition]).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Make the draft plan").click()
    assert "DRAFT — not approved" in page.locator(".plan-status").inner_text()
    names = page.locator(".stage-current .exercise-name").all_inner_texts()
    assert names, "the current stage shows no home exercise"
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the plan").click()
    assert "APPROVED — revision 1" in page.locator(".plan-status").inner_text()

    with page.expect_download() as info:
        page.get_by_role("link", name="Handout (PDF)").click()
    path = tmp_path / "handout.pdf"
    info.value.save_as(path)
    text = pdf_text(path)
    squashed = "".join(text.split())
    assert f"{given} {family}" in text
    for name in names:
        assert "".join(name.split()) in squashed, name
    assert page.dialogs == []


def answer_raised_temperature(page) -> None:
    """Every question "no" except a raised temperature today: a whole-person deferral (a fresh bruise is local)."""
    answer_every_question_no(page)
    page.locator("#q_fever").get_by_label("Yes", exact=True).check()


def test_deferred_bruise_is_blocked_then_overridden(live_server, page, make_user, make_patient, tmp_path):
    # Changed on purpose (issue 12): a fresh bruise is a local finding now (C10), so the deferral here is a
    # raised temperature on the day of a fresh bruise.
    _, email = make_user("therapist")
    pid = make_patient(family_name="Fresh", given_names="Bruno")
    log_in(page, live_server, email, PASSWORD)
    open_screening(page, live_server, pid, "bruise")
    fill_facts(page, {**FACTS["bruise"], "injury_date": "2026-03-02", "swelling_pain_gone_date": ""})
    answer_raised_temperature(page)
    submit_screening(page)
    assert page.locator("h1").inner_text().endswith("DO NOT TREAT TODAY")
    result_url = page.url

    with page.expect_navigation():
        page.get_by_role("link", name="Override…").click()
    assert page.locator("#password").count() == 0  # the login is fresh: no password asked
    options = page.locator("#rule_ids label.option")
    assert options.count() >= 1
    label = options.first.inner_text().strip()
    options.first.locator("input").check()
    reason = f"Overriding '{label}': the bruise is on the other arm from the hand we treat today."
    page.fill("#reason", reason)
    with page.expect_navigation():
        page.get_by_role("button", name="Record the override").click()
    assert page.url == result_url
    assert "Overridden" in page.locator(".decision").inner_text()
    card = page.locator(".override-card").inner_text()
    assert reason in card and "overridden by" in card, card

    # the override lets a plan be made, and its handout carries the reason
    page.goto(f"{live_server}/patients/{pid}")
    page.get_by_role("link", name="New plan").click()
    page.get_by_role("link", name=TITLES["bruise"]).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Make the draft plan").click()
    assert "DRAFT — not approved" in page.locator(".plan-status").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the plan").click()
    assert "APPROVED — revision 1" in page.locator(".plan-status").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Handout (PDF)").click()
    path = tmp_path / "handout.pdf"
    info.value.save_as(path)
    assert "".join(reason.split()) in "".join(pdf_text(path).split())
    assert page.dialogs == []


def test_override_after_the_login_went_stale_asks_for_the_password(live_server, page, make_user, make_patient,
                                                                    clock):
    _, email = make_user("therapist")
    pid = make_patient()
    log_in(page, live_server, email, PASSWORD)
    open_screening(page, live_server, pid, "bruise")
    fill_facts(page, {**FACTS["bruise"], "injury_date": "2026-03-02", "swelling_pain_gone_date": ""})
    answer_raised_temperature(page)
    submit_screening(page)
    assert page.locator("h1").inner_text().endswith("DO NOT TREAT TODAY")
    clock.advance(minutes=6)  # past FRESH_LOGIN_MINUTES, well within the idle timeout
    with page.expect_navigation():
        page.get_by_role("link", name="Override…").click()
    assert "Confirm it is you" in page.inner_text("main")
    option = page.locator("#rule_ids label.option").first
    option.locator("input").check()
    reason = f"Overriding '{option.inner_text().strip()}': the bruise is on the other arm."
    page.fill("#reason", reason)
    page.fill("#password", "not my password")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the override").click()
    assert page.locator(".field.has-error .error").count() >= 1
    assert page.input_value("#reason") == reason  # what was typed is kept
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Record the override").click()
    assert reason in page.locator(".override-card").inner_text()
    assert page.dialogs == []


def test_reception_edits_contact_details_but_not_clinical_pages(live_server, page, app, make_user, make_patient,
                                                                 login):
    _, email = make_user("reception")
    _, therapist_email = make_user("therapist")
    pid = make_patient(family_name="Haddad", given_names="Leila", phone="+47 555 0303")
    plan_id = approved_plan(login(therapist_email), app, pid, "fracture")
    with app.app_context():
        screening_id = db.session.scalar(select(Screening.id).where(Screening.patient_id == pid))
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/patients/{pid}")
    with page.expect_navigation():  # the edit form, not the patient page, has no clinical fields
        page.get_by_role("link", name="Edit").first.click()
    assert page.locator("#phone").count() == 1
    for clinical in ("#medications", "#history_notes", "#fact_blood_thinners-0"):
        assert page.locator(clinical).count() == 0, clinical  # contact details only
    page.fill("#phone", "+47 555 0404")
    with page.expect_navigation():
        page.click("text=Save changes")
    main = page.inner_text("main")
    assert "Saved." in main and "+47 555 0404" in main
    assert page.get_by_role("link", name="Screen", exact=True).count() == 0
    assert page.get_by_role("link", name="New plan").count() == 0

    plan = f"/patients/{pid}/plans/{plan_id}"
    for path in (f"/patients/{pid}/screen", f"/patients/{pid}/screen?condition=bruise",
                 f"/screenings/{screening_id}", f"/screenings/{screening_id}/override",
                 f"/patients/{pid}/plans/new", f"/patients/{pid}/plans/new?condition=fracture",
                 plan, plan + "/edit", plan + "/history", plan + "/revisions/1/handout.pdf",
                 plan + "/revisions/1/summary.pdf", plan + "/sessions/new", "/plans/review"):
        response = page.goto(live_server + path)
        assert response.status == 403, path
        assert page.locator("h1").inner_text() == "Not allowed", path
        assert "does not have access" in page.inner_text("main"), path
    assert page.dialogs == []


def test_admin_adds_an_account_and_erases_a_patient(live_server, page, app, make_user, make_patient, login):
    _, email = make_user("admin")
    _, therapist_email = make_user("therapist")
    pid = make_patient(family_name="Gone", given_names="Gabriel")
    therapist = login(therapist_email)  # a patient with a screening, an approved plan and a printed handout
    plan_id = approved_plan(therapist, app, pid, "fracture")
    handout = f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf"
    assert therapist.get(handout).status_code == 200
    log_in(page, live_server, email, PASSWORD)

    page.goto(live_server + "/admin/users")
    page.goto(live_server + "/admin/users/new")
    page.fill("#full_name", "Rosa Reception")
    page.fill("#email", "rosa@example.org")
    page.select_option("#role", "reception")
    page.fill("#password", "a long first password")
    with page.expect_navigation():
        page.get_by_role("button", name="Add account").click()
    assert page.url.endswith("/admin/users")
    assert "Rosa Reception" in page.inner_text("main") and "rosa@example.org" in page.inner_text("main")

    page.goto(f"{live_server}/patients/{pid}")
    record = page.locator(".patient-banner").inner_text()
    number = re.search(r"P-\d{6}", record).group(0)
    page.get_by_role("link", name="Erase this patient…").click()
    page.fill("#confirm", "P-999999")  # the wrong number first: nothing is erased
    with page.expect_navigation():
        page.get_by_role("button", name="Erase for ever").click()
    assert page.locator(".error").count() >= 1
    page.fill("#confirm", number)
    with page.expect_navigation():
        page.get_by_role("button", name="Erase for ever").click()
    assert "The record was erased." in page.inner_text("main")  # no record number in the cookie's flash (SEC-26)

    for query in ("Gone", number):
        page.fill("#q", query)
        with page.expect_navigation():
            page.locator("main button[type=submit]").first.click()
        assert "No patients match" in page.inner_text("main"), query
    response = page.goto(f"{live_server}/patients/{pid}")
    assert response.status == 404
    page.goto(live_server + "/")
    assert "GONE" not in page.inner_text("main").upper()
    assert therapist.get(handout).status_code == 404
    assert page.dialogs == []

    page.click("text=Log out")
    page.wait_for_load_state()
    log_in(page, live_server, "rosa@example.org", "a long first password")  # the new account works
    assert page.locator("h1").inner_text().startswith("Good to see you")
    assert page.goto(live_server + "/admin/users").status == 403  # as reception, not administrator


def test_cs14_screening_answers_survive_an_idle_timeout(live_server, page, make_user, make_patient, clock):
    _, email = make_user("therapist")
    pid = make_patient()
    log_in(page, live_server, email, PASSWORD)
    open_screening(page, live_server, pid, "fracture")
    form_url = page.url
    fill_facts(page, FACTS["fracture"])
    answer_every_question_no(page)
    groups = page.locator("fieldset.q-answer").count()
    assert groups > 0

    clock.advance(minutes=31)
    submit_screening(page)
    assert "/login" in page.url
    assert "inactivity" in page.content()
    log_in(page, live_server, email, PASSWORD, go_to_login=False)
    assert page.url == form_url
    assert "We kept what you typed" in page.content()
    assert page.input_value("#fact_fracture_date") == "2026-01-12"
    assert page.input_value("#fact_cast_removal_date") == "2026-02-23"
    assert page.locator("#fact_bone input[value='distal_radius']").is_checked()
    assert page.locator("#fact_treatment input[value='cast_or_splint']").is_checked()
    checked_no = [g.get_by_label("No", exact=True).is_checked() for g in page.locator("fieldset.q-answer").all()]
    assert len(checked_no) == groups and all(checked_no)

    submit_screening(page)  # and the kept form goes through
    assert re.search(r"/screenings/\d+$", page.url), page.url
    assert page.locator("h1").inner_text().endswith("NO CONTRAINDICATION FOUND")
    assert page.dialogs == []
