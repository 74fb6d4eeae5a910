"""Issue 12, item 10 in a real Chromium: a revision approved under the earlier plan rules is held; the plan page
says why in plain words and what today's rules would change; the therapist marks it "Reviewed — still correct"
with a note, and the same revision then prints, its digest unchanged (CS-09)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.helpers.journeys import download_handout
from tests.helpers.legacy import load_legacy

pytestmark = pytest.mark.e2e


def test_item10_an_old_plan_is_held_says_why_and_prints_again_once_reviewed_still_correct(
        live_server, page, app, clock, make_user, tmp_path):
    _, email = make_user("therapist")
    legacy = load_legacy(app, clock, "fracture")
    newest = legacy.data["revisions"][-1]
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/patients/{legacy.patient_id}/plans/{legacy.plan_id}")

    status = page.locator(".plan-status-review")
    text = status.inner_text()
    assert "NEEDS REVIEW" in text
    assert "Made with the earlier plan rules on 2 March 2026; check it against today's rules." in text
    assert "What today's rules would change in this plan" in text
    assert page.get_by_role("link", name="Handout (PDF)").count() == 0  # nothing to print while it is held

    page.get_by_label("Note (optional)").fill("Checked against today's rules: nothing new applies to him.")
    with page.expect_navigation():
        page.get_by_role("button", name="Reviewed — still correct").click()
    approved = page.locator(".plan-status").first.inner_text()
    assert f"APPROVED — revision {newest['number']}" in approved
    assert "Reviewed against today's rules by Therapist 1" in approved and "nothing new applies to him" in approved

    words = download_handout(page, tmp_path)
    assert re.search(rf"plan {newest['digest'][7:19]} ·", words)
    assert page.dialogs == []
