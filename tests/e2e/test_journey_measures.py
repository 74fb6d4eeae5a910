"""Issue 13 in Chromium (OUT-02, OUT-05, OUT-06, OUT-07): a therapist records a PRWE and a range-of-motion set,
copies a fortnight of the printed diary, sees the chart and the adherence, writes and signs a discharge letter
and reads it with pdftotext, as the referring doctor will."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import PASSWORD, require_tool
from tests.e2e.conftest import log_in
from tests.helpers.plans import approved_plan

pytestmark = pytest.mark.e2e


def test_out07_journey_prwe_rom_diary_chart_and_a_signed_discharge_letter(
        live_server, page, app, make_user, make_patient, login, clock, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Ellis", given_names="Margaret", referring_doctor="Dr Ada Lovelace")
    client = login(email)
    plan_id = approved_plan(client, app, pid, "tendinitis")  # approved and printed on 2 March
    assert client.get(f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf").status_code == 200
    clock.advance(days=13)  # she comes back a fortnight later with the diary
    log_in(page, live_server, email, PASSWORD)

    for day, answer in (("2026-03-02", "7"), ("2026-03-15", "3")):
        page.goto(f"{live_server}/patients/{pid}")
        page.locator("#progress").get_by_role("link", name="PRWE", exact=True).click()
        page.fill("#on_date", day)
        for n in range(1, 16):
            page.select_option(f"#item_{n}", answer)
        with page.expect_navigation():
            page.get_by_role("button", name="Record PRWE").click()
    assert "PRWE recorded: 30 of 100 (pain 15, function 15)" in page.locator(".flash").inner_text()

    page.locator("#progress").get_by_role("link", name="Range of motion", exact=True).click()
    page.get_by_label("Right").check()
    page.get_by_label("Wrist flexion, affected side (degrees)").fill("50")
    page.get_by_label("Wrist flexion, other side (degrees)").fill("80")
    page.get_by_label("Wrist extension, affected side (degrees)").fill("45")
    page.get_by_label("Wrist extension, other side (degrees)").fill("70")
    with page.expect_navigation():
        page.get_by_role("button", name="Record Range of motion").click()
    assert "Wrist flexion 50° / 80°" in page.locator(".flash").inner_text()

    page.goto(f"{live_server}/patients/{pid}/plans/{plan_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Copy the diary").click()
    cells = page.locator("table.diary-grid tbody tr:not(.pain)").count()
    assert cells >= 1 and "Sun 15 Mar" in " ".join(page.locator("table.diary-grid thead").inner_text().split())
    for d in range(14):
        for e in range(cells):
            page.fill(f"#d{d}_e{e}", "1" if d % 4 else "0")
        page.fill(f"#d{d}_before", "3")
        page.fill(f"#d{d}_after", "4")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the diary").click()
    diary = page.locator("#diary").inner_text()
    assert "Home exercises done:" in diary and "over 14 days" in diary and "Pain rule kept" in diary

    page.goto(f"{live_server}/patients/{pid}")
    progress = page.locator("#progress").inner_text()
    assert "PRWE change since the first score: -40 points" in progress and "Exercise diary (" in progress
    assert page.locator("#progress svg .ch-mark-open, #progress svg .ch-mark-fill").count() >= 4

    page.get_by_role("link", name="Letters to the referring doctor").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Write a discharge letter").click()
    assert "Dear Dr Ada Lovelace," in page.locator("#body").input_value()
    page.fill("#qualification", "Hand therapist, HCPC OT12345")
    page.select_option("#outcome", "Goals met")
    page.fill("#reason", "Back at work; home programme to continue.")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign the letter").click()
    assert "Signed 15 March 2026" in page.locator("h1").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / "letter.pdf"
    info.value.save_as(path)
    text = subprocess.run([require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Dear Dr Ada Lovelace", "Margaret Ellis", "PRWE: 70 (2 March 2026) to 30 (15 March 2026)",
                     "change -40 points", "Range of motion", "exercise diary", "Outcome at discharge: Goals met",
                     "Hand therapist, HCPC OT12345"):
        assert expected in " ".join(text.split()), expected
    assert page.dialogs == []
