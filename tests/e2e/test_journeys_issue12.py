"""Issue 12 in a real Chromium: the clinical cases of CLINICAL_CASES.md as a therapist walks them, from screening
to plan to approval (or its refusal) to the handout read back through pdftotext."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import PASSWORD, require_tool
from tests.e2e.conftest import log_in
from tests.e2e.test_plan_journey import screen_for_fracture

pytestmark = pytest.mark.e2e


def pdf_words(path) -> str:
    """The handout's text with all runs of white space made one space."""
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())


def make_plan(page, base: str, pid: int, title: str) -> None:
    page.goto(f"{base}/patients/{pid}")
    page.get_by_role("link", name="New plan").click()
    page.get_by_role("link", name=title).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Make the draft plan").click()


def approve(page) -> str:
    """Approve the draft on the plan page; the status line afterwards."""
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the plan").click()
    return page.locator(".plan-status").first.inner_text()


def download_handout(page, tmp_path, name: str = "handout.pdf") -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name="Handout (PDF)").click()
    path = tmp_path / name
    info.value.save_as(path)
    return pdf_words(path)


# ------------------------------------------------------------------------------------------- C29


def test_c29_a_dose_changed_10_to_12_and_a_note_survive_the_cast_coming_off_later(
        live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Ellis", given_names="Margaret")
    log_in(page, live_server, email, PASSWORD)
    screen_for_fracture(page, live_server, pid)  # cast off 23 February; today is 2 March 2026
    make_plan(page, live_server, pid, "Fracture of the wrist, hand or fingers")
    assert "APPROVED — revision 1" in approve(page)
    plan_url = page.url

    # The therapist raises one exercise of the current stage from 10 to 12 times and writes a note.
    page.get_by_role("link", name="Edit plan").click()
    current = page.locator("fieldset.section", has=page.locator("legend", has_text="(current)"))
    boxes = current.locator("input[aria-label^='Repetitions, ']")
    box = next(b for b in boxes.all() if b.input_value() == "10")
    exercise = box.get_attribute("aria-label").removeprefix("Repetitions, ")
    box.fill("12")
    page.get_by_label("Notes for the patient").fill("Keep the hand up on a cushion in the evening.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the draft").click()
    assert "APPROVED — revision 2" in approve(page)

    # The fracture clinic says the cast actually came off two days later: the plan is made again.
    page.get_by_role("navigation", name="Plan actions").get_by_role("link", name="Update case facts").click()
    page.fill("#fact_cast_removal_date", "2026-02-25")
    with page.expect_navigation():
        page.get_by_role("button", name="Make the plan again").click()
    assert page.url == plan_url
    carried = page.locator(".carried-over").inner_text()
    assert f"{exercise}: your dose is kept (12 times" in carried
    assert "Your note for the patient is kept." in carried and "Not carried over" not in carried
    assert "25 February 2026" in page.locator("#facts-head + dl").inner_text()
    assert "APPROVED — revision 3" in approve(page)
    assert page.locator(".carried-over").count() == 0

    words = download_handout(page, tmp_path)
    assert "Keep the hand up on a cushion in the evening." in words
    assert exercise in words and "12 times" in words
    assert page.dialogs == []
