"""Clinical cases C01–C04 (stroke) and C30 (a clinic's own condition) of CLINICAL_CASES.md, as domain
tables: the facts a therapist records, what the screening decides and which stage the plan starts at.

Stages by confirmed criteria (CLINICAL.md §3): a stage is current only when its date has come AND its
entry criteria were confirmed for this patient; the calendar alone never moves a plan on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clinic.domain.planning import PlanBlocked, format_day, generate_plan
from clinic.domain.progress import move_to_next_stage, next_stage_criteria
from clinic.domain.protocols import illustration_ids_in, load_library
from clinic.domain.screening import Answer, screen
from clinic.domain.screening_rules import load_rules, questions_for
from clinic.domain.staging import entry_criteria

ROOT = Path(__file__).resolve().parents[2]
EXTRA = ROOT / "tests" / "data" / "protocols_extra"
# The shipped protocols plus the clinic's own folder (C30): screening knows what the library holds.
LIBRARY = load_library([ROOT / "protocols", EXTRA], illustration_ids_in(ROOT / "clinic" / "static" / "illustrations"))
RULES = load_rules(ROOT / "protocols" / "contraindications.yaml", LIBRARY.case_facts())
D = dt.date(2026, 3, 20)  # the day of the visit


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def all_no(condition: str) -> dict[str, Answer]:
    return {rule.id: Answer("no") for group in questions_for(RULES, condition) for rule in group.questions}


def stroke(stroke_day: int, stable_day: int | None, kind: str = "ischaemic", side: str = "left") -> dict:
    facts = {"stroke_date": days(stroke_day), "stroke_type": kind, "affected_side": side}
    if stable_day is not None:
        facts |= {"medically_stable_date": days(stable_day), "cleared_by": "Dr Ray, stroke unit"}
    return facts


def make(condition: str, facts: dict, confirmed=()):
    result = screen(all_no(condition), facts, RULES, D, condition=condition)
    return result, generate_plan(LIBRARY.protocol(condition), facts, result, D, library=LIBRARY,
                                 confirmed=confirmed)


def criteria(draft, stage_id: str) -> set[tuple[str, str]]:
    return {(stage_id, c) for c in entry_criteria(draft.stages, stage_id)}


# --------------------------------------------------------------------------------------------- C01


def test_c01_stroke_day_5_stable_day_3_starts_gently_in_the_early_stage():
    result, draft = make("stroke", stroke(-5, -3))
    assert result.decision in ("clear", "caution")
    assert draft.current_stage == "early"
    early = draft.stage("early")
    by_ref = {item.ref: item for item in early.clinic}
    assert by_ref["stroking"].dose.minutes == 3 and by_ref["stroking"].dose.pressure == "very_light"
    assert "Start with the unaffected arm" in by_ref["stroking"].note
    assert "passive_movements" in by_ref
    emergency = [sign for group in early.stop_and_call if group.emergency for sign in group.signs]
    for words in ("face droops", "arm or leg suddenly becomes weak", "speech", "headache"):
        assert any(words in sign.lower() for sign in emergency), words
    # no blood thinner recorded: no blood-thinner precaution anywhere in the plan
    assert not any("blood_thinner" in p.rule_id for p in draft.precautions)
    texts = [text.lower() for s in draft.stages for text in (*s.precautions, *(p.patient_text for p in
                                                                             s.screening_precautions))]
    assert not any("thin" in text and "blood" in text for text in texts)


# --------------------------------------------------------------------------------------------- C02


def test_c02_first_seen_on_day_30_the_early_stage_is_current_though_later_dates_have_come():
    _, draft = make("stroke", stroke(-30, -27))
    assert [s.id for s in draft.stages if s.date_reached] == ["early", "recovery", "function"]
    assert draft.current_stage == "early"
    assert [s.id for s in draft.stages if s.current] == ["early"]


def test_c02_confirming_the_recovery_criteria_at_this_visit_makes_recovery_current_and_not_function():
    _, first = make("stroke", stroke(-30, -27))
    _, draft = make("stroke", stroke(-30, -27), confirmed=criteria(first, "recovery"))
    assert draft.current_stage == "recovery"
    # the recovery stage's entry criteria: the early stage's move-on criteria and its own confirm line
    assert entry_criteria(draft.stages, "recovery") == (
        *draft.stage("early").move_on_when, *draft.stage("recovery").confirmations)


def test_c02_the_function_stage_is_never_reached_on_the_calendar_or_by_skipping_recovery():
    _, first = make("stroke", stroke(-30, -27))
    _, skipped = make("stroke", stroke(-30, -27), confirmed=criteria(first, "function"))
    assert skipped.current_stage == "early"
    both = criteria(first, "recovery") | criteria(first, "function")
    _, draft = make("stroke", stroke(-30, -27), confirmed=both)
    assert draft.current_stage == "function"


def test_c02_a_partly_confirmed_stage_does_not_begin():
    _, first = make("stroke", stroke(-30, -27))
    one = set(list(criteria(first, "recovery"))[:1])
    _, draft = make("stroke", stroke(-30, -27), confirmed=one)
    assert draft.current_stage == "early"
    with pytest.raises(Exception, match="Confirm every criterion"):
        move_to_next_stage(draft, (), D)
    moved = move_to_next_stage(draft, next_stage_criteria(draft), D)
    assert moved.current_stage == "recovery"


# --------------------------------------------------------------------------------------------- C03


def test_c03_haemorrhagic_stroke_day_2_defers_until_day_7_shown_as_a_date():
    facts = stroke(-2, -1, kind="haemorrhagic")
    result = screen(all_no("stroke"), facts, RULES, D, condition="stroke")
    assert result.decision == "defer"
    assert result.earliest_date == days(-2) + dt.timedelta(days=7)
    with pytest.raises(PlanBlocked) as blocked:
        generate_plan(LIBRARY.protocol("stroke"), facts, result, D, library=LIBRARY)
    assert any("do not treat" in problem for problem in blocked.value.problems)
    assert [(f.rule_id, f.earliest_date) for f in result.findings] == [("stroke_early_days", days(5))]


# --------------------------------------------------------------------------------------------- C04


def test_c04_ischaemic_stroke_not_yet_declared_stable_is_referred_and_gets_no_plan():
    facts = stroke(-2, None)
    result = screen(all_no("stroke"), facts, RULES, D, condition="stroke")
    assert result.decision == "refer"
    assert any(f.rule_id == "stroke_not_yet_stable" and f.waiting_for for f in result.findings)
    with pytest.raises(PlanBlocked):
        generate_plan(LIBRARY.protocol("stroke"), facts, result, D, library=LIBRARY)


# --------------------------------------------------------------------------------------------- C30

TRIGGER = {"onset_date": days(-30), "affected_side": "right", "digit": "ring", "night_splint": "yes",
           "splint_end_date": days(-2)}


def test_c30_a_clinic_condition_is_screened_with_its_own_facts_and_planned_with_no_code_change():
    assert "trigger_finger" in RULES.conditions
    result, draft = make("trigger_finger", TRIGGER)
    assert result.decision == "clear"
    assert [s.id for s in draft.stages] == ["settle", "return"]
    assert draft.current_stage == "settle" and draft.stage("return").date_reached
    _, moved = make("trigger_finger", TRIGGER, confirmed=criteria(draft, "return"))
    assert moved.current_stage == "return"


def test_c30_a_clinic_condition_waits_for_its_planned_date_in_its_own_words():
    _, draft = make("trigger_finger", {**TRIGGER, "splint_end_date": days(10)})
    assert draft.current_stage == "settle"
    assert draft.stage("return").window == f"from about {format_day(days(10))}, when the splint period ends"
