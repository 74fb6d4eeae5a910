"""Measures through the web (issue 13 OUT-01..05) and corrections (issue 15 WF-05, WF-10 empty measures): what a
therapist types is scored as the published rule says, a slip is corrected or withdrawn with a reason and the value
before stays in the history and the audit, and nothing is saved empty. Both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from clinic.domain import planning
from clinic.domain.progress import next_stage_criteria
from clinic.extensions import db
from clinic.models import AuditEvent, OutcomeMeasure, Patient, RecordCorrection, TreatmentSession
from tests.helpers.pages import text_of as text
from tests.helpers.plans import approved_plan, make_plan, plan_row

DAY = "2026-03-02"


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.fixture
def patient(make_patient):
    return make_patient()


def rows(app, model, *where):
    with app.app_context():
        out = db.session.scalars(select(model).where(*where).order_by(model.id)).all()
        db.session.expunge_all()
        return out


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def quickdash(answer: int) -> dict:
    return {"on_date": DAY, **{f"item_{n}": str(answer) for n in range(1, 12)}}


# ------------------------------------------------------------------------------------------- record


def test_out01_quickdash_with_its_work_module_shows_each_items_own_answers(app, therapist, patient):
    page = text(therapist.get(f"/patients/{patient}/outcomes/quickdash"))
    assert "Items paraphrased; not the licensed QuickDASH wording" in page
    assert "1 Not at all" in page and "5 Could not sleep because of it" in page and "Work module (optional)" in page
    data = {**quickdash(3), **{f"work_{n}": "2" for n in range(1, 5)}}
    assert therapist.post(f"/patients/{patient}/outcomes/quickdash", data=data).status_code == 302
    (row,) = rows(app, OutcomeMeasure)
    assert row.score == 50 and row.values["modules"]["work"]["score"] == 25


def test_out01_the_work_module_is_charted_beside_the_quickdash_with_its_own_line_and_table(app, therapist, patient):
    for day, main, work in (("2026-03-01", 4, 4), ("2026-03-02", 2, 2)):
        data = {**quickdash(main), **{f"work_{n}": str(work) for n in range(1, 5)}, "on_date": day}
        assert therapist.post(f"/patients/{patient}/outcomes/quickdash", data=data).status_code == 302
    page = therapist.get(f"/patients/{patient}").get_data(as_text=True)
    # its own legend entry (a circle on a long-dash line: told apart without colour) and its own table of numbers
    assert "QuickDASH work module" in page and 'stroke-dasharray="8 3"' in page
    assert "QuickDASH work module: 75, 25." in text(therapist.get(f"/patients/{patient}"))


def test_out01_a_module_with_three_of_four_answers_is_refused_next_to_the_field_and_nothing_typed_is_lost(
        app, therapist, patient):
    data = {**quickdash(2), "sports_1": "3", "sports_2": "3", "sports_3": "3"}
    response = therapist.post(f"/patients/{patient}/outcomes/quickdash", data=data)
    assert response.status_code == 400 and count(app, OutcomeMeasure) == 0
    body = response.get_data(as_text=True)
    assert 'id="sports_4-error-1"' in body and "Answer all 4 questions of this module, or none (3 answered)" in body
    assert body.count('checked id="sports_') == 3 and body.count('checked id="item_') == 11
    assert body.count('checked id="item_1-1"') == 1  # answer 2 is the second choice


def test_wf10_an_empty_quickdash_is_refused_with_the_message_at_the_first_question(app, therapist, patient):
    response = therapist.post(f"/patients/{patient}/outcomes/quickdash", data={"on_date": DAY})
    assert response.status_code == 400 and count(app, OutcomeMeasure) == 0
    assert 'id="item_1-error-1"' in response.get_data(as_text=True)
    assert "No question was answered" in text(response)


def test_out02_prwe_is_scored_pain_plus_half_the_function_sum(app, therapist, patient):
    answers = [5, 6, 7, 8, 4, 3, 4, 5, 2, 6, 1, 3, 4, 2, 0]  # pain 30; function 30 ÷ 2 = 15; total 45
    data = {"on_date": DAY, **{f"item_{n}": str(v) for n, v in enumerate(answers, start=1)}}
    assert therapist.post(f"/patients/{patient}/outcomes/prwe", data=data).status_code == 302
    (row,) = rows(app, OutcomeMeasure)
    assert (row.kind, row.values["pain"], row.values["function"], row.score) == ("prwe", 30, 15, 45)
    assert "PRWE recorded: 45 of 100 (pain 30, function 15)" in text(therapist.get(f"/patients/{patient}"))


def test_out02_a_prwe_with_two_pain_answers_missing_is_refused_and_keeps_the_answers(app, therapist, patient):
    data = {"on_date": DAY, **{f"item_{n}": "4" for n in range(3, 16)}}
    response = therapist.post(f"/patients/{patient}/outcomes/prwe", data=data)
    assert response.status_code == 400 and count(app, OutcomeMeasure) == 0
    assert "answer at least 4 of the 5 pain" in text(response)
    assert response.get_data(as_text=True).count('<option selected value="4">') == 13


def test_out03_psfs_needs_three_named_activities_and_scores_the_mean(app, therapist, patient):
    two = {"on_date": DAY, "activity_1": "Opening jars", "rating_1": "3", "activity_2": "Typing", "rating_2": "5"}
    response = therapist.post(f"/patients/{patient}/outcomes/psfs", data=two)
    assert response.status_code == 400 and "Name at least 3 activities" in text(response)
    assert 'value="Opening jars"' in response.get_data(as_text=True)
    unrated = {**two, "activity_3": "Gardening"}
    assert "Rate this activity from 0 to 10" in text(therapist.post(f"/patients/{patient}/outcomes/psfs",
                                                                   data=unrated))
    ok = {**two, "activity_3": "Gardening", "rating_3": "7"}
    assert therapist.post(f"/patients/{patient}/outcomes/psfs", data=ok).status_code == 302
    (row,) = rows(app, OutcomeMeasure)
    assert row.score == 5 and [a["name"] for a in row.values["activities"]] == ["Opening jars", "Typing", "Gardening"]


def test_out04_pain_at_rest_and_on_activity_outside_a_session(app, therapist, patient):
    empty = therapist.post(f"/patients/{patient}/outcomes/pain", data={"on_date": DAY})
    assert empty.status_code == 400 and "Give the pain at rest, on activity, or both" in text(empty)
    data = {"on_date": DAY, "at_rest": "2", "on_activity": "6"}
    assert therapist.post(f"/patients/{patient}/outcomes/pain", data=data).status_code == 302
    (row,) = rows(app, OutcomeMeasure)
    assert (row.values["at_rest"], row.values["on_activity"], row.score) == (2, 6, 6)


def test_out05_rom_and_pinch_compare_the_affected_side_with_the_other(app, therapist, patient):
    rom = {"on_date": DAY, "side": "right", "wrist_flexion_affected": "40", "wrist_flexion_other": "80",
           "wrist_extension_affected": "35", "wrist_extension_other": "70"}
    assert therapist.post(f"/patients/{patient}/outcomes/rom", data=rom).status_code == 302
    bad = therapist.post(f"/patients/{patient}/outcomes/rom", data={**rom, "wrist_flexion_affected": "400"})
    assert bad.status_code == 400 and 'id="wrist_flexion_affected-error-1"' in bad.get_data(as_text=True)
    assert 'value="400"' in bad.get_data(as_text=True)
    pinch = {"on_date": DAY, "side": "right", "key_affected": "4.5", "key_other": "9", "tip_affected": "3"}
    assert therapist.post(f"/patients/{patient}/outcomes/pinch", data=pinch).status_code == 302
    rom_row, pinch_row = rows(app, OutcomeMeasure)
    assert rom_row.score == 50 and rom_row.values["motions"]["wrist_flexion"] == [40, 80]
    assert pinch_row.score == 50 and pinch_row.values["kinds"]["tip"] == [3.0, None]
    page = text(therapist.get(f"/patients/{patient}/outcomes"))
    assert "Wrist flexion 40° / 80°" in page and "Key (lateral) pinch 4.5 kg / 9 kg" in page


def test_an_unknown_kind_of_measure_is_not_found(app, therapist, patient):
    assert therapist.get(f"/patients/{patient}/outcomes/reflexology").status_code == 404


# -------------------------------------------------------------------------------------------- WF-05


def test_wf05_a_corrected_quickdash_keeps_the_old_value_in_the_history_and_the_audit(app, therapist, patient):
    therapist.post(f"/patients/{patient}/outcomes/quickdash", data=quickdash(5))
    (row,) = rows(app, OutcomeMeasure)
    form = therapist.get(f"/patients/{patient}/outcomes/{row.id}/correct").get_data(as_text=True)
    assert form.count('checked id="item_') == 11 and 'checked id="item_7-4"' in form  # as recorded: all 5
    no_reason = therapist.post(f"/patients/{patient}/outcomes/{row.id}/correct", data=quickdash(1))
    assert no_reason.status_code == 400 and "Give the reason for the change" in text(no_reason)
    response = therapist.post(f"/patients/{patient}/outcomes/{row.id}/correct",
                              data={**quickdash(1), "reason": "Typed 5 instead of 1 for every answer."})
    assert response.status_code == 302
    (now,) = rows(app, OutcomeMeasure)
    assert now.score == 0
    (change,) = rows(app, RecordCorrection)
    assert (change.action, change.old_values["score"], change.new_values["score"]) == ("corrected", 100, 0)
    assert change.reason == "Typed 5 instead of 1 for every answer." and change.outcome_id == row.id
    (event,) = rows(app, AuditEvent, AuditEvent.action == "outcome_correct")
    assert "score 100" in event.detail and "score 0" in event.detail and event.patient_ref == patient
    page = text(therapist.get(f"/patients/{patient}/outcomes"))
    assert "Before" in page and "100 (0 = no disability" in page and "Typed 5 instead of 1" in page
    assert "Measure corrected" in text(therapist.get(f"/patients/{patient}"))


def test_wf05_a_withdrawn_grip_leaves_the_chart_but_stays_in_the_record(app, therapist, patient):
    for kg in ("12", "20"):
        therapist.post(f"/patients/{patient}/outcomes/grip",
                       data={"on_date": DAY, "side": "right", "affected_kg": kg, "other_kg": "40"})
    first, _second = rows(app, OutcomeMeasure)
    assert "30 %" in therapist.get(f"/patients/{patient}").get_data(as_text=True)
    response = therapist.post(f"/patients/{patient}/outcomes/{first.id}/withdraw",
                              data={"reason": "Measured the wrong patient."})
    assert response.status_code == 302
    chart = therapist.get(f"/patients/{patient}").get_data(as_text=True)
    assert "30 %" not in chart[chart.index("<figure"):chart.index("</figure>")] and "50 %" in chart
    page = therapist.get(f"/patients/{patient}/outcomes").get_data(as_text=True)
    assert "Withdrawn" in page and "Measured the wrong patient." in page and "<del>" in page
    assert therapist.get(f"/patients/{patient}/outcomes/{first.id}/correct").status_code == 404
    (event,) = rows(app, AuditEvent, AuditEvent.action == "outcome_withdraw")
    assert "score 30" in event.detail


def test_wf05_a_session_is_corrected_then_withdrawn_with_reasons(app, therapist, patient):
    plan_id = approved_plan(therapist, app, patient, "fracture")
    stage = planning.plan_from_canonical(plan_row(app, plan_id).draft).current_stage
    therapist.post(f"/patients/{patient}/plans/{plan_id}/sessions/new",
                   data={"on_date": DAY, "stage_id": stage, "pain_before": "8", "pain_after": "7"})
    (session,) = rows(app, TreatmentSession)
    url = f"/patients/{patient}/sessions/{session.id}"
    emptied = therapist.post(url + "/correct", data={"on_date": DAY, "reason": "slip"})
    assert emptied.status_code == 400 and "Give the pain before or after the session" in text(emptied)
    assert therapist.post(url + "/correct", data={"on_date": DAY, "pain_before": "3", "pain_after": "2",
                                                  "reason": "Swapped with the next patient's"}).status_code == 302
    assert therapist.post(url + "/withdraw", data={"reason": "Session never took place."}).status_code == 302
    (session,) = rows(app, TreatmentSession)
    assert (session.pain_before, session.pain_after) == (3, 2) and session.withdrawn_at is not None
    corrected, withdrawn = rows(app, RecordCorrection)
    assert corrected.old_values["pain_before"] == 8 and withdrawn.action == "withdrawn"
    assert [e.action for e in rows(app, AuditEvent, AuditEvent.action.like("session_%"))][-2:] == [
        "session_correct", "session_withdraw"]
    page = therapist.get(f"/patients/{patient}").get_data(as_text=True)
    assert "<svg" not in page[page.index('id="progress"'):]  # the only session is withdrawn: nothing to chart


def test_wf10_a_session_without_any_pain_score_is_refused_next_to_the_field(app, therapist, patient):
    plan_id = approved_plan(therapist, app, patient, "fracture")
    stage = planning.plan_from_canonical(plan_row(app, plan_id).draft).current_stage
    response = therapist.post(f"/patients/{patient}/plans/{plan_id}/sessions/new",
                              data={"on_date": DAY, "stage_id": stage, "notes": "Kept note"})
    assert response.status_code == 400 and count(app, TreatmentSession) == 0
    body = response.get_data(as_text=True)
    assert 'id="pain_before-error-1"' in body and "Kept note" in body


def test_wf05_another_patients_measure_cannot_be_corrected_or_withdrawn(app, therapist, make_patient, patient):
    other = make_patient(family_name="Otherfamily")
    therapist.post(f"/patients/{other}/outcomes/grip",
                   data={"on_date": DAY, "side": "right", "affected_kg": "12", "other_kg": "40"})
    (row,) = rows(app, OutcomeMeasure)
    for tail in ("correct", "withdraw"):
        response = therapist.post(f"/patients/{patient}/outcomes/{row.id}/{tail}", data={"reason": "x"})
        assert response.status_code == 404
    assert count(app, RecordCorrection) == 0


def test_corrections_travel_in_the_export_and_go_with_erasure(app, therapist, make_user, login, patient):
    therapist.post(f"/patients/{patient}/outcomes/pain", data={"on_date": DAY, "at_rest": "4"})
    (row,) = rows(app, OutcomeMeasure)
    therapist.post(f"/patients/{patient}/outcomes/{row.id}/correct",
                   data={"on_date": DAY, "at_rest": "2", "reason": "Misheard"})
    document = json.loads(therapist.get(f"/patients/{patient}/export.json").data)
    (exported,) = document["tables"]["record_corrections"]
    assert exported["outcome_id"] == 0 and exported["reason"] == "Misheard" and exported["old_values"]["at_rest"] == 4
    admin = login(make_user("admin")[1])
    with app.app_context():
        number = db.session.get(Patient, patient).record_number
    assert admin.post(f"/patients/{patient}/erase", data={"confirm": number}).status_code == 302
    assert count(app, RecordCorrection) == 0 and count(app, OutcomeMeasure) == 0


# ------------------------------------------------------------------------------------------- trends


def _four_measures(therapist, patient):
    for day, qd, prwe, psfs, grip in (("2026-02-16", 4, 8, 2, 10), ("2026-03-02", 2, 3, 6, 24)):
        therapist.post(f"/patients/{patient}/outcomes/quickdash",
                       data={"on_date": day, **{f"item_{n}": str(qd) for n in range(1, 12)}})
        therapist.post(f"/patients/{patient}/outcomes/prwe",
                       data={"on_date": day, **{f"item_{n}": str(prwe) for n in range(1, 16)}})
        therapist.post(f"/patients/{patient}/outcomes/psfs", data={
            "on_date": day, **{f"activity_{n}": f"Task {n}" for n in (1, 2, 3)},
            **{f"rating_{n}": str(psfs) for n in (1, 2, 3)}})
        therapist.post(f"/patients/{patient}/outcomes/grip",
                       data={"on_date": day, "side": "right", "affected_kg": str(grip), "other_kg": "40"})


def test_out_trends_the_chart_draws_each_measure_with_its_protocols_mcid_and_a_table_of_the_numbers(
        app, therapist, patient):
    make_plan(therapist, app, patient, "fracture")  # distal radius, cast: QuickDASH 14, PRWE 11.5
    _four_measures(therapist, patient)
    page = therapist.get(f"/patients/{patient}").get_data(as_text=True)
    words = text(therapist.get(f"/patients/{patient}"))
    for expected in ("QuickDASH (0 = no disability, 100 = most)", "PRWE (0 = no pain or difficulty, 100 = most)",
                     "Patient-specific functional scale", "Grip (affected hand as % of the other)",
                     "±14 points around the first score", "±11.5 points around the first score",
                     "±2 points around the first score",
                     "QuickDASH change since the first score: -50 points (a meaningful change, better)",
                     "PRWE change since the first score: -50 points (a meaningful change, better)",
                     "Patient-specific functional scale change since the first score: 4 points (a meaningful "
                     "change, better)", "Walenkamp",
                     "Grip change since the first score: 35 % (no meaningful-change figure is set"):
        assert expected in words, expected
    svg = page[page.index("<svg"):page.index("</svg>")]
    # Each measure its own marker and dash pattern: readable without colour.
    for mark in ("<circle", 'Z" class="ch-mark-open"', 'stroke-dasharray="2 3"', 'stroke-dasharray="8 3"'):
        assert mark in svg, mark
    assert "<script" not in svg
    tables = page[page.index('class="chart-data"'):]
    assert "<caption>PRWE</caption>" in tables and '<th scope="row" class="nowrap">16 Feb 2026</th>' in tables
    assert "<td>80</td>" in tables and "<td>30</td>" in tables  # PRWE 8s → 80, 3s → 30


def test_out_trends_quickdash_after_wrist_surgery_uses_26_points(app, therapist, patient):
    make_plan(therapist, app, patient, "fracture", treatment="surgery")
    for day, answer in (("2026-02-16", 4), ("2026-03-02", 3)):  # 75 → 50: 25 points, under 26
        therapist.post(f"/patients/{patient}/outcomes/quickdash",
                       data={"on_date": day, **{f"item_{n}": str(answer) for n in range(1, 12)}})
    words = text(therapist.get(f"/patients/{patient}"))
    assert "±26 points around the first score" in words
    assert "QuickDASH change since the first score: -25 points (not a meaningful change)" in words


# -------------------------------------------------------------------------------------------- OUT-06


def _diary_form(therapist, patient, plan_id):
    return therapist.get(f"/patients/{patient}/plans/{plan_id}/diary")


def test_out06_a_fortnight_of_diary_gives_adherence_on_the_plan_page_and_the_progress_card(
        app, therapist, patient, clock, login):
    plan_id = approved_plan(therapist, app, patient, "tendinitis")  # approved (and its sheet starts) on 2 March
    clock.advance(days=13)
    therapist = login(therapist.email)  # a fortnight later, a new login
    page = _diary_form(therapist, patient, plan_id)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Mon<br>2 Mar" in body and "Sun<br>15 Mar" in body
    rows = body.count('<tr><th scope="row">')
    assert rows >= 1  # one row per home exercise of the current stage, then pain before and after
    data = {}
    for d in range(14):
        data[f"d{d}_e0"] = "1" if d % 2 == 0 else "0"  # first exercise: 7 of 14 days
        data[f"d{d}_before"], data[f"d{d}_after"] = "3", "4"
    data["d5_after"] = "7"  # above the pain rule's 5 on 7 March
    response = therapist.post(f"/patients/{patient}/plans/{plan_id}/diary", data=data)
    assert response.status_code == 302, text(response)[:1500]
    plan_page = text(therapist.get(f"/patients/{patient}/plans/{plan_id}"))
    assert "Home exercises done:" in plan_page and "over 14 days (2 March 2026 to 15 March 2026)" in plan_page
    assert "pain after exercising above 5 on 7 March 2026" in plan_page
    assert "Exercise diary (" in text(therapist.get(f"/patients/{patient}"))
    again = text(_diary_form(therapist, patient, plan_id))
    assert "Every day since the handout was printed has been copied already" in again
    move = text(therapist.get(f"/patients/{patient}/plans/{plan_id}/move"))
    assert "Pain rule, from the exercise diary" in move and "Pain after exercising above 5 of 10 on 7 March" in move


def _fortnight_breaking_the_pain_rule(app, therapist, patient, clock, login):
    """A tendinitis plan (its protocol uses the pain rule: at most 5 of 10 after exercising) and a fortnight of
    diary with pain 7 after exercising on one day; the therapist, logged in again, and the plan id."""
    plan_id = approved_plan(therapist, app, patient, "tendinitis")
    clock.advance(days=13)
    therapist = login(therapist.email)
    data = {}
    for d in range(14):
        data[f"d{d}_e0"] = "1"
        data[f"d{d}_before"], data[f"d{d}_after"] = "3", "4"
    data["d5_after"] = "7"
    assert therapist.post(f"/patients/{patient}/plans/{plan_id}/diary", data=data).status_code == 302
    return therapist, plan_id


def test_out06_a_diary_that_breaks_the_pain_rule_holds_the_stage_move_until_the_therapist_says_she_has_seen_it(
        app, therapist, patient, clock, login):
    therapist, plan_id = _fortnight_breaking_the_pain_rule(app, therapist, patient, clock, login)
    before = plan_row(app, plan_id)
    criteria = list(next_stage_criteria(planning.plan_from_canonical(before.draft)))
    url = f"/patients/{patient}/plans/{plan_id}/move"
    form = {"version": str(before.version), "criteria": criteria}
    refused = therapist.post(url, data=form)
    body = text(refused)
    assert refused.status_code == 400, body[:1500]
    assert "The exercise diary shows the pain rule was not kept" in body and "Pain after exercising above 5" in body
    assert plan_row(app, plan_id).draft == before.draft  # nothing moved
    assert therapist.post(url, data=form | {"pain_rule_seen": "y"}).status_code == 302
    assert plan_row(app, plan_id).draft != before.draft
    assert rows(app, AuditEvent, AuditEvent.action == "stage_move")[-1].detail.endswith("pain rule broken, seen")


def test_out06_the_session_forms_move_on_asks_the_same_and_keeps_everything_typed(
        app, therapist, patient, clock, login):
    therapist, plan_id = _fortnight_breaking_the_pain_rule(app, therapist, patient, clock, login)
    plan = plan_row(app, plan_id)
    draft = planning.plan_from_canonical(plan.draft)
    url = f"/patients/{patient}/plans/{plan_id}/sessions/new"
    page = text(therapist.get(url))
    assert "I have seen that the diary breaks the pain rule" in page
    form = {"on_date": "2026-03-15", "stage_id": draft.current_stage or draft.stages[0].id, "pain_before": "3",
            "pain_after": "2", "notes": "Tolerated well today.", "move_on": "y",
            "criteria": list(next_stage_criteria(draft))}
    refused = therapist.post(url, data=form)
    assert refused.status_code == 400 and "Tolerated well today." in refused.get_data(as_text=True)
    assert "The exercise diary shows the pain rule was not kept" in text(refused)
    assert count(app, TreatmentSession) == 0  # the session is not saved without the move it asked for
    assert therapist.post(url, data=form | {"pain_rule_seen": "y"}).status_code == 302
    assert count(app, TreatmentSession) == 1 and plan_row(app, plan_id).draft != plan.draft


def test_out06_an_empty_diary_or_an_impossible_tick_count_is_refused_next_to_the_cell(app, therapist, patient,
                                                                                      clock, login):
    plan_id = approved_plan(therapist, app, patient, "tendinitis")
    clock.advance(days=2)
    therapist = login(therapist.email)
    empty = therapist.post(f"/patients/{patient}/plans/{plan_id}/diary", data={})
    assert empty.status_code == 400 and "Nothing was filled in" in text(empty)
    too_many = therapist.post(f"/patients/{patient}/plans/{plan_id}/diary", data={"d0_e0": "9", "d1_before": "2"})
    body = too_many.get_data(as_text=True)
    assert too_many.status_code == 400 and 'id="d0_e0-error-1"' in body and 'value="2"' in body


def test_out06_the_diary_travels_in_the_export(app, therapist, patient, clock):
    plan_id = approved_plan(therapist, app, patient, "tendinitis")
    therapist.post(f"/patients/{patient}/plans/{plan_id}/diary", data={"d0_e0": "1", "d0_before": "2"})
    document = json.loads(therapist.get(f"/patients/{patient}/export.json").data)
    (day,) = document["tables"]["diary_days"]
    assert day["day"] == "2026-03-02" and day["pain_before"] == 2 and day["plan_id"] == 0


def test_rel07_measures_corrections_diary_and_letters_export_import_and_export_again_byte_equal(
        app, therapist, patient, clock):
    from clinic.patients import operations as patient_ops

    plan_id = approved_plan(therapist, app, patient, "tendinitis")
    therapist.post(f"/patients/{patient}/outcomes/prwe",
                   data={"on_date": DAY, **{f"item_{n}": "4" for n in range(1, 16)}})
    therapist.post(f"/patients/{patient}/outcomes/rom", data={
        "on_date": DAY, "side": "left", "wrist_flexion_affected": "40", "wrist_flexion_other": "80"})
    therapist.post(f"/patients/{patient}/outcomes/quickdash",
                   data={**quickdash(2), **{f"work_{n}": "3" for n in range(1, 5)}})
    first_measure = rows(app, OutcomeMeasure)[0]
    therapist.post(f"/patients/{patient}/outcomes/{first_measure.id}/withdraw", data={"reason": "Wrong form"})
    therapist.post(f"/patients/{patient}/plans/{plan_id}/diary", data={"d0_e0": "1", "d0_before": "2"})
    letter = therapist.post(f"/patients/{patient}/letters/new/progress").headers["Location"]
    therapist.post(letter, data={"recipient": "Dr X", "body": "Dear Dr X,\n\nWell.", "signed_name": "T",
                                 "qualification": "Hand therapist", "action": "sign"})
    with app.app_context():
        row = db.session.get(Patient, patient)
        first = patient_ops.export_json(db.session, row)
        assert all(json.loads(first)["tables"][t] for t in ("record_corrections", "diary_days", "letters",
                                                             "episodes"))
        assert patient_ops.erase_patient(db.session, row, user=None, now=clock()).erased
        db.session.commit()
        again = patient_ops.import_json(db.session, first, now=clock())
        db.session.commit()
        assert patient_ops.export_json(db.session, again) == first


def test_the_plans_session_table_names_stages_and_techniques_never_their_ids(app, therapist, patient):
    plan_id = approved_plan(therapist, app, patient, "fracture")
    draft = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    stage = draft.stage(draft.current_stage)
    technique = stage.clinic[0]
    therapist.post(f"/patients/{patient}/plans/{plan_id}/sessions/new", data={
        "on_date": DAY, "stage_id": stage.id, "pain_before": "4", "pain_after": "2", "techniques": technique.ref})
    page = text(therapist.get(f"/patients/{patient}/plans/{plan_id}"))
    table = page[page.index("Sessions Record a session"):]
    assert stage.title in table and technique.name in table
    assert stage.id.replace("_", " ") not in table.replace(stage.title, "")
    assert technique.ref.replace("_", " ") not in table.replace(technique.name, "")
