"""A therapist's steps in a real Chromium (Playwright pages): screening, plans, approval, the handout."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import require_tool

TITLES = {
    "stroke": "Hand and arm after a stroke",
    "fracture": "Fracture of the wrist, hand or fingers",
    "tendinitis": "Tendinitis (tendinopathy) of the hand and wrist",
    "arthritis": "Arthritis and arthrosis (osteoarthritis) of the hand",
    "bruise": "Bruise (soft-tissue contusion) of the hand or forearm",
}


def fill_facts(page, facts: dict[str, str]) -> None:
    """Type or tick each case fact: text and date fields are inputs, the others radio groups."""
    for name, value in facts.items():
        field = page.locator(f"#fact_{name}")
        field.wait_for(state="attached")  # the screening page may still be loading after the click
        if field.evaluate("node => node.tagName") == "INPUT":
            field.fill(value)
        else:
            field.locator(f"input[value='{value}']").check()


def answer_every_question_no(page) -> None:
    for group in page.locator("fieldset.q-answer").all():
        group.get_by_label("No", exact=True).check()
    confirm = page.get_by_label("I have checked the answers")
    if confirm.count():
        confirm.check()


def open_screening(page, base: str, pid: int, condition: str) -> None:
    page.goto(f"{base}/patients/{pid}")
    page.get_by_role("link", name="Screen", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name=TITLES[condition]).click()


def submit_screening(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Screen", exact=True).click()


def screen_for_fracture(page, base: str, pid: int) -> None:
    page.goto(f"{base}/patients/{pid}")
    page.get_by_role("link", name="Screen", exact=True).click()
    page.get_by_role("link", name="Fracture of the wrist, hand or fingers").click()
    page.fill("#fact_fracture_date", "2026-01-12")  # the test clock says 2 March 2026
    page.locator("#fact_bone").get_by_label("Wrist (distal radius)").check()
    page.locator("#fact_affected_side").get_by_label("Right").check()
    page.locator("#fact_treatment").get_by_label("Cast or splint").check()
    page.fill("#fact_cast_removal_date", "2026-02-23")
    for group in page.locator("fieldset.q-answer").all():
        if not group.locator("input:checked").count():
            group.get_by_label("No", exact=True).check()
    if page.get_by_label("I have checked the answers").count():
        page.get_by_label("I have checked the answers").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Screen", exact=True).click()


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


def answer_yes(page, rule_id: str, regions: tuple[str, ...] = (), side: str | None = None, detail: str = "") -> None:
    """Answer one screening question "yes" and mark where on the body map, as a therapist clicks it."""
    page.locator(f"#q_{rule_id}").get_by_label("Yes", exact=True).check()
    where = page.locator(f"#q_{rule_id}_regions")
    for region in regions:
        box = where.locator(f"input[value='{region}']")
        if not box.is_visible():  # a joint of a digit: open "One joint of the thumb or a finger"
            where.locator("details.joints summary").click()
        box.check()
    if side is not None:
        page.locator(f"#q_{rule_id}_side input[value='{side}']").check()
    if detail:
        page.locator(f"#q_{rule_id}_detail").fill(detail)


def screen_with(page, base: str, pid: int, condition: str, facts: dict[str, str], **findings) -> str:
    """Screen for ``condition``: the facts, "no" to every question but the findings given; the headline."""
    open_screening(page, base, pid, condition)
    fill_facts(page, facts)
    answer_every_question_no(page)
    for rule_id, (regions, side) in findings.items():
        answer_yes(page, rule_id, regions, side)
    submit_screening(page)
    return page.locator("h1").inner_text()


def current_stage(page):
    """The plan page's card of the current stage."""
    card = page.locator(".stage-card.stage-current")
    assert card.count() == 1, "no current stage on the plan page"
    return card


def confirm_until(page, title: str) -> None:
    """At this visit, confirm each next stage's entry criteria (the move page, every box ticked) until the current
    stage is the one whose title starts with ``title`` (C02: never reached by the calendar alone)."""
    for _ in range(6):
        if current_stage(page).locator("h2").inner_text().split(" · ", 1)[-1].startswith(title):
            return
        with page.expect_navigation():  # the boxes are read from the move page, never the plan page
            page.get_by_role("link", name=re.compile(r"^Move to stage \d+")).click()
        for box in page.locator("#criteria input[type=checkbox]").all():
            box.check()
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile(r"^Move to stage \d+")).click()
    raise AssertionError(f"no stage starting {title!r} became current")
