"""WF-03 one path from registration to handout, in Chromium: the history is asked once (registration fills the
screening, "None of these" answers the rest), "Make the plan" on the result carries condition and case facts,
approve and print are at the top of the plan page, and a week later the next stage is one form."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_wf03_register_screen_plan_approve_print_then_move_on_in_one_form(live_server, page, make_user, clock):
    _, email = make_user("therapist")
    log_in(page, live_server, email, PASSWORD)
    page.get_by_role("link", name="Register a patient").first.click()
    page.fill("#family_name", "Lopez")
    page.fill("#given_names", "Maria")
    page.fill("#birth_date", "1961-05-04")
    page.locator("table.facts tbody tr").first.locator("input[value=yes]").check()  # blood thinners
    page.get_by_label("None of these").check()
    page.get_by_label("The patient consents to treatment").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register patient").click()
    assert "Blood thinners" in page.locator(".pb-alerts").inner_text()
    assert "given 2 March 2026" in page.locator("main").inner_text()  # consent dated today, nothing typed

    page.get_by_role("link", name="Screen", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Fracture of the wrist, hand or fingers").click()
    assert page.locator(".tag-record").count() == 10  # the history from registration, not asked again
    page.fill("#fact_fracture_date", "2026-02-20")
    page.locator("#fact_bone").get_by_label("Wrist (distal radius)").check()
    page.locator("#fact_affected_side").get_by_label("Right").check()
    page.locator("#fact_treatment").get_by_label("Cast or splint").check()
    page.fill("#fact_cast_removal_date", "2026-03-06")
    for box in page.locator("input[data-none-of-group]").all():
        box.check()
    page.get_by_label("I have checked the answers").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Screen", exact=True).click()
    assert "TREAT WITH PRECAUTIONS" in page.locator("main").inner_text()  # blood thinners: light pressure

    with page.expect_navigation():
        page.get_by_role("button", name="Make the plan").click()
    facts = page.locator("#facts-head").locator("xpath=..").inner_text()
    assert "20 February 2026" in facts and "Wrist (distal radius)" in facts  # carried, not typed again
    status = page.locator(".plan-status")
    assert "DRAFT" in status.inner_text() and status.get_by_role("button", name="Approve the plan").count()
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the plan").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Handout (PDF)").click()
    assert info.value.suggested_filename.endswith("-r1.pdf")

    clock.advance(days=8)  # the cast came off on 6 March
    log_in(page, live_server, email, PASSWORD)
    page.goto(live_server + "/")
    page.fill("#dash-q", "P-000001")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.url.endswith("/patients/1")  # the record number opens her
    page.get_by_role("link", name="Record a session").click()
    page.select_option("#pain_before", "4")
    page.select_option("#pain_after", "2")
    page.get_by_label("Move to stage 2 after this session").check()
    for box in page.locator("#criteria input").all():
        box.check()
    assert page.locator("#date_cast_removal_date").input_value() == "2026-03-06"
    with page.expect_navigation():
        page.get_by_role("button", name="Record the session").click()
    assert "Session recorded" in page.locator(".flashes").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the plan").click()
    assert "APPROVED — revision 2" in page.locator(".plan-status").inner_text()
    assert "Current stage" in page.locator(".stage-current").inner_text()
    assert "Mobilisation" in page.locator(".stage-current").inner_text()
    assert page.dialogs == []
