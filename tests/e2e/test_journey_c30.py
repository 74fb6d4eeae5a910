"""C30 in a real Chromium: a clinic adds its own protocol file for a sixth condition (trigger finger, in
tests/data/protocols_extra through PROTOCOL_DIRS); a therapist finds it under Screen and New plan with its own case
facts and stages, screens, plans, approves and prints it, with no code change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clinic.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.helpers.journeys import (
    answer_every_question_no,
    approve,
    current_stage,
    download_handout,
    fill_facts,
    submit_screening,
)

pytestmark = pytest.mark.e2e

EXTRA = Path(__file__).resolve().parents[1] / "data" / "protocols_extra"


@pytest.fixture
def app(make_app):
    app = make_app(PROTOCOL_DIRS=[str(EXTRA)])
    with app.app_context():
        db.create_all()
    return app


def test_c30_a_clinics_own_trigger_finger_protocol_is_screened_planned_approved_and_printed(
        live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Haddad", given_names="Rania")
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/patients/{pid}")
    page.get_by_role("link", name="Screen", exact=True).click()
    with page.expect_navigation():  # read the screening form, never the page before it
        page.get_by_role("link", name="Trigger finger", exact=True).click()
    form = page.locator("main").inner_text()
    assert "Which finger catches?" in form and "Does the patient wear a splint at night?" in form  # its own facts
    fill_facts(page, {"onset_date": "2026-01-31", "affected_side": "right", "digit": "ring", "night_splint": "yes",
                      "splint_end_date": "2026-03-14"})
    answer_every_question_no(page)
    submit_screening(page)
    assert "TRIGGER FINGER" in page.locator(".decision-kicker").inner_text().upper()
    assert "NO CONTRAINDICATION FOUND" in page.locator("h1").inner_text()

    page.goto(f"{live_server}/patients/{pid}")
    page.get_by_role("link", name="New plan").click()
    page.get_by_role("link", name="Trigger finger", exact=True).click()
    assert page.locator("#fact_onset_date").input_value() == "2026-01-31"  # from the screening
    with page.expect_navigation():
        page.get_by_role("button", name="Make the draft plan").click()
    assert "Settling stage - rest from gripping, splint and tendon gliding" in current_stage(page).inner_text()
    strip = page.locator(".stage-strip").inner_text()
    assert "Return stage - gentle massage and normal use" in strip and re.search(r"the splint period ends", strip)
    assert "APPROVED — revision 1" in approve(page)

    words = download_handout(page, tmp_path)
    assert "Your catching finger (trigger finger)" in words and "Spread and close your fingers" in words
    assert "Rania Haddad" in words
    assert page.dialogs == []
