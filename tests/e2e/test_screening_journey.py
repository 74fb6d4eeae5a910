"""A therapist screens a patient with a fresh bruise in Chromium and sees when massage may start."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_screening_a_fresh_bruise_protects_the_bruise_and_shows_the_date_massage_may_start(
        live_server, page, make_user, make_patient):
    """Changed on purpose: the bruise gate guards the bruise only (CLINICAL.md §2), never the whole patient."""
    _, email = make_user("therapist")
    pid = make_patient(**{"history_facts.diabetes": "no"})
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/patients/{pid}")
    page.get_by_role("link", name="Screen", exact=True).click()
    page.get_by_role("link", name="Bruise (soft-tissue contusion) of the hand or forearm").click()
    page.fill("#fact_injury_date", "2026-03-01")  # the test clock says 2 March 2026
    page.locator("#fact_bruise_area").get_by_label("Wrist").check()
    page.locator("#fact_affected_side").get_by_label("Right").check()
    page.locator("#fact_vessel_or_muscle_damage").get_by_label("No", exact=True).check()
    for group in page.locator("fieldset.q-answer").all():
        if not group.locator("input:checked").count():
            group.get_by_label("No", exact=True).check()
    page.get_by_label("I have checked the answers").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Screen", exact=True).click()
    assert page.locator("h1").inner_text().endswith("TREAT, AVOIDING THE RIGHT WRIST")
    assert "Not before 3 March 2026" in page.locator(".finding-local").inner_text()
    assert page.dialogs == []


def test_screening_pages_have_no_serious_accessibility_violation(live_server, axe_page, make_user, make_patient):
    from tests.e2e.conftest import axe_violations

    _, email = make_user("therapist")
    pid = make_patient(**{"history_facts.diabetes": "yes"})
    log_in(axe_page, live_server, email, PASSWORD)
    found = {}
    for path in (f"/patients/{pid}", f"/patients/{pid}/screen", f"/patients/{pid}/screen?condition=bruise"):
        axe_page.goto(live_server + path)
        found[path] = axe_violations(axe_page)
    with axe_page.expect_navigation():  # nothing answered: every error shown next to its field
        axe_page.get_by_role("button", name="Screen", exact=True).click()
    found["errors"] = axe_violations(axe_page)
    for group in axe_page.locator("fieldset.q-answer").all():
        if not group.locator("input:checked").count():
            group.get_by_label("Yes" if "fever" in group.get_attribute("id") else "No", exact=True).check()
    axe_page.get_by_label("I have checked the answers").check()
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Save as not finished").click()
    found["result"] = axe_violations(axe_page)
    with axe_page.expect_navigation():
        axe_page.get_by_role("link", name="Override…").click()
    found["override"] = axe_violations(axe_page)
    assert {k: v for k, v in found.items() if v} == {}
