"""A therapist goes from a screened patient to an approved plan in Chromium, downloads the handout and
finds in it (pdftotext) the patient, the exercises the plan page shows and the plan's digest."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import PASSWORD, require_tool
from tests.e2e.conftest import log_in
from tests.helpers.journeys import screen_for_fracture

pytestmark = pytest.mark.e2e


def test_new_plan_to_approved_revision_to_handout(live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Ellis", given_names="Margaret")
    log_in(page, live_server, email, PASSWORD)
    screen_for_fracture(page, live_server, pid)
    page.goto(f"{live_server}/patients/{pid}")
    page.get_by_role("link", name="New plan").click()
    page.get_by_role("link", name="Fracture of the wrist, hand or fingers").click()
    assert page.locator("#fact_fracture_date").input_value() == "2026-01-12"  # from the screening
    with page.expect_navigation():
        page.get_by_role("button", name="Make the draft plan").click()
    assert "DRAFT — not approved" in page.locator(".plan-status").inner_text()
    current = page.locator(".stage-current")
    names = current.locator(".exercise-name").all_inner_texts()
    assert "Current stage" in current.inner_text() and names
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the plan").click()
    status = page.locator(".plan-status").inner_text()
    assert "APPROVED — revision 1" in status
    digest = page.locator(".plan-status .mono").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Handout (PDF)").click()
    download = info.value
    assert download.suggested_filename == "handout-P-000001-r1.pdf"
    path = tmp_path / "handout.pdf"
    download.save_as(path)
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    squashed = "".join(text.split())
    assert "Margaret Ellis" in text and f"plan {digest}" in text
    for name in names:
        assert "".join(name.split()) in squashed, name
    page.goto(f"{live_server}/patients/{pid}")
    assert "Handout printed" in page.locator(".timeline").inner_text()
    assert page.dialogs == []


def test_plan_pages_have_no_serious_accessibility_violation(live_server, axe_page, make_user, make_patient):
    from tests.e2e.conftest import axe_violations

    _, email = make_user("therapist")
    pid = make_patient()
    log_in(axe_page, live_server, email, PASSWORD)
    screen_for_fracture(axe_page, live_server, pid)
    found = {}
    axe_page.goto(f"{live_server}/patients/{pid}/plans/new?condition=fracture")
    found["facts"] = axe_violations(axe_page)
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Make the draft plan").click()
    found["draft"] = axe_violations(axe_page)
    plan_url = axe_page.url
    for tail in ("/edit", "/sessions/new", "/history"):
        axe_page.goto(plan_url + tail)
        found[tail] = axe_violations(axe_page)
    for path in (f"/patients/{pid}/outcomes/quickdash", f"/patients/{pid}/outcomes/grip", "/plans/review"):
        axe_page.goto(live_server + path)
        found[path] = axe_violations(axe_page)
    assert {k: v for k, v in found.items() if v} == {}
