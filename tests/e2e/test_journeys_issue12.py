"""Issue 12 in a real Chromium: the clinical cases of CLINICAL_CASES.md as a therapist walks them, from screening
to plan to approval (or its refusal) to the handout read back through pdftotext."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.helpers.journeys import (
    TITLES,
    answer_every_question_no,
    approve,
    confirm_until,
    current_stage,
    download_handout,
    fill_facts,
    make_plan,
    open_screening,
    screen_for_fracture,
    screen_with,
    submit_screening,
)
from tests.helpers.plans import FACTS

pytestmark = pytest.mark.e2e


def clinic_items(card) -> str:
    return card.locator("h3:text-is('In the clinic') + ul").inner_text()


# ------------------------------------------------------------------------------------------- C06


def test_c06_after_the_thumb_spica_the_right_wrist_gets_light_stroking_and_active_movement_never_a_stretch_or_load(
        live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Ellis", given_names="Margaret")
    log_in(page, live_server, email, PASSWORD)
    # Scaphoid broken 45 days ago, thumb spica off 3 days ago (today is 2 March 2026), healing not yet confirmed;
    # the therapist answers the screening honestly: an unhealed fracture at the right wrist.
    facts = {"fracture_date": "2026-01-16", "bone": "scaphoid", "affected_side": "right",
             "treatment": "cast_or_splint", "cast_holds": "forearm_wrist_and_thumb", "cast_removal_date": "2026-02-27"}
    headline = screen_with(page, live_server, pid, "fracture", facts, unhealed_fracture=(("wrist",), "right"))
    assert "DO NOT TREAT" not in headline and "CLEARANCE" not in headline

    make_plan(page, live_server, pid, TITLES["fracture"])
    assert "Protective stage" in current_stage(page).locator("h2").inner_text()  # until the therapist confirms
    confirm_until(page, "Mobilisation stage - after the cast comes off")  # the cast is off, no more protection
    stage = current_stage(page)
    clinic = clinic_items(stage)
    assert "Stroking" in clinic  # light stroking of the wrist area is back after the cast
    assert "Nothing in the clinic in this stage" not in stage.inner_text()
    passive = next(line for line in clinic.splitlines() if line.startswith("Passive"))
    assert "Free fingers only" in passive and "no passive stretch there" in passive  # never the wrist
    home = stage.locator(".exercise-name").all_inner_texts()
    for wanted in ("Wrist circles", "Turn your palm up and down", "Tendon glides", "Raise your hand"):
        assert wanted in home, (wanted, home)
    assert not [name for name in home if re.search(r"squeez|grip|weight", name, re.I)]  # no load yet
    assert "APPROVED — revision 1" in approve(page)

    words = download_handout(page, tmp_path)
    assert "Wrist circles" in words and "Tendon glides" in words
    assert not re.search(r"[Dd]o not massage your right wrist", words)  # never beside "stroking of your wrist"
    assert "cast or splint feels too tight" not in words  # a cast-only sign, and the cast is off
    assert page.dialogs == []


# ------------------------------------------------------------------------------------------- C10


def test_c10_a_fresh_left_forearm_bruise_gets_a_protect_stage_today_and_massage_above_it_from_day_two(
        live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Moreau", given_names="Camille")
    log_in(page, live_server, email, PASSWORD)
    facts = {"injury_date": "2026-03-01", "bruise_area": "forearm", "affected_side": "left",
             "vessel_or_muscle_damage": "no"}
    headline = screen_with(page, live_server, pid, "bruise", facts, fresh_bruise=(("forearm",), "left"))
    assert "DO NOT TREAT" not in headline  # a bruise is a local matter, never a whole-person deferral

    make_plan(page, live_server, pid, TITLES["bruise"])
    stage = current_stage(page)
    assert "Protect" in stage.locator("h2").inner_text()
    assert "forearm" not in stage.locator("h3:text-is('In the clinic') + *").inner_text().lower()
    home = stage.locator(".exercise-name").all_inner_texts()
    assert "Raise your hand" in home and any(re.search(r"finger|elbow", name, re.I) for name in home), home
    later = page.locator(".stage-strip li").all_inner_texts()
    assert any("from 3 March 2026" in item for item in later), later  # the first massage: injury + 2 days
    assert "APPROVED — revision 1" in approve(page)

    words = download_handout(page, tmp_path)
    assert "Raise your hand" in words
    assert re.search(r"do not massage[^.]*left forearm", words, re.I) and "heat" in words
    assert page.dialogs == []


# ------------------------------------------------------------------------------------------- C17


def test_c17_a_hot_left_thumb_base_blocks_that_joint_only_and_the_plan_is_not_empty(
        live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Lindqvist", given_names="Ingrid")
    log_in(page, live_server, email, PASSWORD)
    facts = {**FACTS["arthritis"], "joints": "finger joints and thumb bases", "flare_settled_date": "2026-01-31"}
    screen_with(page, live_server, pid, "arthritis", facts, acute_joint_flare=(("thumb_cmc",), "left"))
    assert "gout or infection" in page.locator("main").inner_text()  # the therapist is prompted to rule them out

    make_plan(page, live_server, pid, TITLES["arthritis"])
    stage = current_stage(page)
    text = stage.inner_text()
    assert "Nothing in the clinic in this stage" not in text and "No home exercises" not in text
    # In the clinic, the therapist's hands leave out only the left thumb base; every other joint of both hands is
    # treated. At home, a grip or pinch (it loads the thumb base) is done on the right only, and a self-massage
    # done by the left hand is left out for the right: each narrowing names the flare as its reason.
    in_clinic = stage.locator(".narrowed").all_inner_texts()
    assert in_clinic and all("Leave out the left thumb's base joint" in line for line in in_clinic), in_clinic
    assert not re.search(r"right|side only", " ".join(in_clinic).split("Because of")[0], re.I)
    at_home = stage.locator("h3:has-text('Narrowed') + ul li").all_inner_texts()
    # the reason once, at the top; each narrowed item links to it
    because = "Because of a hot, red, swollen joint: the left thumb's base joint."
    assert all(because in line for line in at_home), at_home
    grip = "Squeeze putty or a soft ball (home): Right side only, not the left"
    assert any(line.startswith(grip) for line in at_home), at_home
    assert "APPROVED — revision 1" in approve(page)

    words = download_handout(page, tmp_path)
    assert re.search(r"base joint of your left thumb", words)
    assert not re.search(r"growth|osteophyte", words, re.I)
    assert page.dialogs == []


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
    # The box is named "Repetitions, <exercise>, stage <n>" (WF-10: each dose box named distinctly).
    exercise = box.get_attribute("aria-label").removeprefix("Repetitions, ").rsplit(", stage ", 1)[0]
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


# ------------------------------------------------------------------------------------------- C20


def test_c20_a_raised_temperature_is_overridden_only_with_the_finding_chosen_and_a_reason_and_the_handout_says_so(
        live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Lindqvist", given_names="Ingrid")
    log_in(page, live_server, email, PASSWORD)
    open_screening(page, live_server, pid, "arthritis")
    fill_facts(page, FACTS["arthritis"])
    answer_every_question_no(page)
    fever = page.locator("fieldset.q-answer", has_text="raised temperature")
    fever.get_by_label("Yes", exact=True).check()
    page.locator("#q_fever_detail").fill("37.8 °C, rechecked after 15 minutes")
    submit_screening(page)
    assert "DO NOT TREAT TODAY" in page.locator("h1").inner_text()
    assert "✔ Valid" not in page.locator("main").inner_text()

    page.get_by_role("link", name="Override…").click()
    page.get_by_label("Reason").fill("Feels well")  # too short, and no finding chosen
    with page.expect_navigation():
        page.get_by_role("button", name="Record the override").click()
    errors = page.locator("main").inner_text()
    assert "Tick the contraindication you override." in errors and "at least 20 characters" in errors
    assert page.get_by_label("Reason").input_value() == "Feels well"  # nothing typed is lost
    page.get_by_label(re.compile("raised temperature", re.I)).check()
    reason = "Rechecked at 37.8 °C; her GP advised that light hand work is fine today."
    page.get_by_label("Reason").fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name="Record the override").click()
    assert "Overridden" in page.locator("main").inner_text()

    make_plan(page, live_server, pid, TITLES["arthritis"])
    assert "APPROVED — revision 1" in approve(page)
    words = download_handout(page, tmp_path)
    assert (f"Your therapist, Therapist 1, treated you on 2 March 2026 although you had a raised temperature, "
            f"because: {reason}") in words
    assert email not in words, "the handout shows the therapist's login"


# ------------------------------------------------------------------------------------------- C02


def test_c02_a_stroke_first_seen_on_day_30_starts_early_and_reaches_recovery_only_when_its_criteria_are_confirmed(
        live_server, page, make_user, make_patient, tmp_path):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Lovelace", given_names="Ada")
    log_in(page, live_server, email, PASSWORD)
    # Ischaemic stroke 30 days ago (today is 2 March 2026), declared stable 27 days ago, first visit today.
    facts = {**FACTS["stroke"], "stroke_date": "2026-01-31", "medically_stable_date": "2026-02-03"}
    screen_with(page, live_server, pid, "stroke", facts)
    make_plan(page, live_server, pid, TITLES["stroke"])
    stage = current_stage(page)
    first = page.locator(".stage-card").first.locator("h2").inner_text()
    assert stage.locator("h2").inner_text() == first  # the early stage, not a later one, on the calendar alone

    # The therapist confirms the recovery stage's entry criteria at this visit.
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"Move to stage 2")).click()
    criteria = page.locator("#criteria input[type=checkbox]")
    assert criteria.count() >= 1
    for box in criteria.all():
        box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Move to stage 2").click()
    stage = current_stage(page)
    assert stage.locator("h2").inner_text().startswith("Stage 2")
    assert page.locator(".stage-card").nth(2).locator(".tag-current").count() == 0  # function: never by calendar
    assert "APPROVED — revision 1" in approve(page)

    page.get_by_role("link", name=re.compile(r"^History")).click()
    confirmed = page.locator("#confirmed-head + p + ul").inner_text()
    assert "confirmed by Therapist 1 on 2 March 2026" in confirmed
    assert email not in page.locator("main").inner_text()
    page.go_back()
    words = download_handout(page, tmp_path)
    assert "Lovelace" in words
