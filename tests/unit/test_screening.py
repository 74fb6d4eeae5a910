"""Screening rules and engine: one table row per contraindication and gate, then the safety properties."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.domain.protocols import illustration_ids_in, load_library
from clinic.domain.rules import DataFileError
from clinic.domain.screening import ANSWER_VALUES, CATEGORY_DECISION, DECISION_ORDER, DECISION_WORDS, Answer, screen
from clinic.domain.screening_json import answers_from_json, condition_from_json, facts_from_json, result_to_json
from clinic.domain.screening_rules import GROUPS, RECORD_FIELDS, REGIONS, SIDES, load_rules, parse_rules, questions_for
from tests.helpers.properties import examples

ROOT = Path(__file__).resolve().parents[2]
# The conditions are the shipped protocols: screening knows them only through the loaded library.
LIBRARY = load_library([ROOT / "protocols"], illustration_ids_in(ROOT / "clinic" / "static" / "illustrations"))
CONDITION_FACTS = LIBRARY.case_facts()
CONDITIONS = tuple(CONDITION_FACTS)
CASE_FACTS = {c: tuple(f.name for f in facts) for c, facts in CONDITION_FACTS.items()}
FACT_CHOICES = {f.name: f.values for facts in CONDITION_FACTS.values() for f in facts if f.values}
RULES = load_rules(ROOT / "protocols" / "contraindications.yaml", CONDITION_FACTS)
DAY = dt.date(2026, 3, 20)
D = dt.date


def yes(*regions: str, side: str | None = None, detail: str = "") -> Answer:
    return Answer("yes", detail=detail, regions=tuple(regions), side=side)


NO = Answer("no")
NOT_KNOWN = Answer("not_known")

# Complete case facts for each protocol whose gates have all passed on DAY.
GOOD_FACTS: dict[str | None, dict[str, Any]] = {
    None: {},
    "stroke": {
        "stroke_date": D(2026, 3, 1),
        "stroke_type": "ischaemic",
        "affected_side": "left",
        "medically_stable_date": D(2026, 3, 5),
        "cleared_by": "Dr Ray, stroke unit",
    },
    "fracture": {
        "fracture_date": D(2026, 2, 1),
        "bone": "distal radius",
        "affected_side": "right",
        "treatment": "cast_or_splint",
        "cast_removal_date": D(2026, 3, 15),
    },
    "tendinitis": {
        "tendon_area": "thumb side of the wrist",
        "affected_side": "right",
        "onset_date": D(2026, 2, 20),
        "acute_over_date": D(2026, 3, 10),
    },
    "arthritis": {
        "arthritis_type": "osteoarthritis",
        "affected_side": "both",
        "joints": ("fingers", "thumb"),
    },
    "bruise": {
        "injury_date": D(2026, 3, 15),
        "bruise_area": "wrist",
        "affected_side": "left",
        "vessel_or_muscle_damage": "no",
    },
}


def all_no(condition: str | None) -> dict[str, Answer]:
    """Every question for this protocol answered 'no'."""
    return {q.id: NO for g in questions_for(RULES, condition) for q in g.questions}


def run(
    condition: str | None,
    answers: dict[str, Answer] | None = None,
    facts: dict[str, Any] | None = None,
    on: dt.date = DAY,
):
    """Screen with every other question 'no' and good facts, overriding the given ones."""
    merged_facts = {**GOOD_FACTS[condition], **(facts or {})}
    merged_facts = {k: v for k, v in merged_facts.items() if v is not None}
    return screen({**all_no(condition), **(answers or {})}, merged_facts, RULES, on, condition=condition)


@dataclass(frozen=True)
class Row:
    rule: str
    condition: str | None
    answers: dict[str, Answer]
    facts: dict[str, Any]
    decision: str
    findings: tuple[str, ...]
    earliest: dt.date | None = None


# One row per rule: (rule it proves, protocol, answers, case facts, decision, finding ids, earliest date).
# Every other question is answered "no" and the protocol's facts are GOOD_FACTS unless the row says otherwise.
# fmt: off
ROWS = [
    # Urgent refer → refer, worded as urgent, never overridden
    Row("soft_tissue_sepsis", "bruise", {"soft_tissue_sepsis": yes()}, {}, "refer", ("soft_tissue_sepsis",)),
    Row("osteomyelitis", "fracture", {"osteomyelitis": yes()}, {}, "refer", ("osteomyelitis",)),
    Row("suspected_blood_clot", "stroke", {"suspected_blood_clot": yes()}, {}, "refer",
        ("suspected_blood_clot",)),
    Row("acute_heart_problem", None, {"acute_heart_problem": yes()}, {}, "refer", ("acute_heart_problem",)),
    Row("hand_infection", "tendinitis", {"hand_infection": yes()}, {}, "refer", ("hand_infection",)),
    Row("sudden_weakness", None, {"sudden_weakness": yes()}, {}, "refer", ("sudden_weakness",)),
    # Absolute → defer
    Row("fever", None, {"fever": yes()}, {}, "defer", ("fever",)),
    Row("acute_infection", "arthritis", {"acute_infection": yes()}, {}, "defer", ("acute_infection",)),
    Row("acute_inflammatory_illness", "arthritis", {"acute_inflammatory_illness": yes()}, {}, "defer",
        ("acute_inflammatory_illness",)),
    Row("uncontrolled_blood_pressure", "stroke", {"uncontrolled_blood_pressure": yes()}, {}, "defer",
        ("uncontrolled_blood_pressure",)),
    Row("bleeding_risk", "stroke", {"bleeding_risk": yes()}, {}, "defer", ("bleeding_risk",)),
    # Refer → clearance first
    Row("severe_acute_joint_pain", "tendinitis", {"severe_acute_joint_pain": yes()}, {}, "refer",
        ("severe_acute_joint_pain",)),
    Row("unexplained_new_swelling", "arthritis", {"unexplained_new_swelling": yes()}, {}, "refer",
        ("unexplained_new_swelling",)),
    Row("suspected_crps", "fracture", {"suspected_crps": yes()}, {}, "refer", ("suspected_crps",)),
    Row("recent_tendon_nerve_repair", None, {"recent_tendon_nerve_repair": yes()}, {}, "refer",
        ("recent_tendon_nerve_repair",)),
    Row("suspected_malignancy", None, {"suspected_malignancy": yes()}, {}, "refer",
        ("suspected_malignancy",)),
    Row("recent_stroke_not_stable", "fracture", {"recent_stroke_not_stable": yes()}, {}, "refer",
        ("recent_stroke_not_stable",)),
    Row("suspected_fracture_not_assessed", "bruise", {"suspected_fracture_not_assessed": yes()}, {}, "refer",
        ("suspected_fracture_not_assessed",)),
    Row("pinched_nerve", None, {"pinched_nerve": yes()}, {}, "refer", ("pinched_nerve",)),
    Row("injury_not_seen_by_doctor", "tendinitis", {"injury_not_seen_by_doctor": yes()}, {}, "refer",
        ("injury_not_seen_by_doctor",)),
    # Local → avoid the marked regions
    Row("open_wound", None, {"open_wound": yes("back_of_hand", side="left")}, {}, "local", ("open_wound",)),
    Row("skin_infection", "arthritis", {"skin_infection": yes("fingers", side="right")}, {}, "local",
        ("skin_infection",)),
    Row("skin_condition", None, {"skin_condition": yes("forearm", side="both")}, {}, "local",
        ("skin_condition",)),
    # The unhealed-fracture gate of the fracture protocol: the therapist marks the fracture site.
    Row("unhealed_fracture", "fracture", {"unhealed_fracture": yes("wrist", side="right")}, {}, "local",
        ("unhealed_fracture",)),
    Row("recent_surgery_site", "fracture", {"recent_surgery_site": yes("palm", side="right")}, {}, "local",
        ("recent_surgery_site",)),
    # The arthritis flare gate: the flaring joints are kept clear until the flare settles.
    Row("acute_joint_flare", "arthritis", {"acute_joint_flare": yes("fingers", "thumb", side="left")}, {},
        "local", ("acute_joint_flare",)),
    Row("fresh_bruise", "stroke", {"fresh_bruise": yes("forearm", side="left")}, {}, "local",
        ("fresh_bruise",)),
    Row("steroid_injection_last_48_hours", "tendinitis",
        {"steroid_injection_last_48_hours": yes("thumb", side="right")}, {}, "local",
        ("steroid_injection_last_48_hours",)),
    Row("recent_steroid_injection", "tendinitis", {"recent_steroid_injection": yes("wrist", side="right")}, {},
        "local", ("recent_steroid_injection",)),
    Row("recent_pacemaker", "arthritis", {"recent_pacemaker": yes("shoulder", side="left")}, {}, "local",
        ("recent_pacemaker",)),
    Row("fistula_line_or_port", None, {"fistula_line_or_port": yes("forearm", side="left")}, {}, "local",
        ("fistula_line_or_port",)),
    Row("tumour_at_site", None, {"tumour_at_site": yes("palm", side="left")}, {}, "local",
        ("tumour_at_site",)),
    Row("varicose_veins", None, {"varicose_veins": yes("forearm", side="right")}, {}, "local",
        ("varicose_veins",)),
    # Relative → caution
    Row("heart_disease", None, {"heart_disease": yes()}, {}, "caution", ("heart_disease",)),
    Row("treated_high_blood_pressure", "stroke", {"treated_high_blood_pressure": yes()}, {}, "caution",
        ("treated_high_blood_pressure",)),
    Row("treated_low_blood_pressure", None, {"treated_low_blood_pressure": yes()}, {}, "caution",
        ("treated_low_blood_pressure",)),
    Row("diabetes", "arthritis", {"diabetes": yes()}, {}, "caution", ("diabetes",)),
    Row("blood_thinners", "stroke", {"blood_thinners": yes()}, {}, "caution", ("blood_thinners",)),
    Row("cancer_under_treatment", None, {"cancer_under_treatment": yes()}, {}, "caution",
        ("cancer_under_treatment",)),
    Row("lymphoedema_risk", None, {"lymphoedema_risk": yes("upper_arm", "forearm", side="left")}, {}, "caution",
        ("lymphoedema_risk",)),
    Row("fragile_skin", "stroke", {"fragile_skin": yes()}, {}, "caution", ("fragile_skin",)),
    Row("aphasia_or_cognitive_impairment", "stroke", {"aphasia_or_cognitive_impairment": yes()}, {}, "caution",
        ("aphasia_or_cognitive_impairment",)),
    Row("osteoporosis", "fracture", {"osteoporosis": yes()}, {}, "caution", ("osteoporosis",)),
    Row("pregnancy", "tendinitis", {"pregnancy": yes()}, {}, "caution", ("pregnancy",)),
    Row("reduced_sensation", "stroke", {"reduced_sensation": yes("fingers", "palm", side="left")}, {},
        "caution", ("reduced_sensation",)),
    Row("oil_allergy", None, {"oil_allergy": yes()}, {}, "caution", ("oil_allergy",)),
    # Condition gates, decided from the case facts
    Row("stroke_not_yet_stable", "stroke", {}, {"medically_stable_date": None, "cleared_by": None}, "refer",
        ("stroke_not_yet_stable",)),
    Row("stroke_not_yet_stable", "stroke", {}, {"cleared_by": None}, "refer", ("stroke_not_yet_stable",)),
    Row("stroke_early_days", "stroke", {},
        {"stroke_date": D(2026, 3, 19), "stroke_type": "ischaemic", "medically_stable_date": D(2026, 3, 19)},
        "defer", ("stroke_early_days",), D(2026, 3, 21)),
    Row("stroke_early_days", "stroke", {},
        {"stroke_date": D(2026, 3, 15), "stroke_type": "haemorrhagic",
         "medically_stable_date": D(2026, 3, 17)},
        "defer", ("stroke_early_days",), D(2026, 3, 22)),
    Row("stroke_early_days", "stroke", {},
        {"stroke_date": D(2026, 3, 15), "stroke_type": "not_known", "medically_stable_date": D(2026, 3, 17)},
        "defer", ("stroke_early_days",), D(2026, 3, 22)),
    Row("stroke_early_days", "stroke", {},
        {"stroke_date": D(2026, 3, 19), "medically_stable_date": None, "cleared_by": None},
        "defer", ("stroke_not_yet_stable", "stroke_early_days"), D(2026, 3, 21)),
    # Protocol gates on the injured area are local, never a whole-person deferral (CLINICAL.md §2).
    Row("tendinitis_acute_period", "tendinitis", {}, {"acute_over_date": None}, "local",
        ("tendinitis_acute_period",)),
    Row("bruise_first_days", "bruise", {}, {"injury_date": D(2026, 3, 19)}, "local", ("bruise_first_days",),
        D(2026, 3, 21)),
    Row("bruise_vessel_or_muscle_damage", "bruise", {}, {"vessel_or_muscle_damage": "yes"}, "refer",
        ("bruise_vessel_or_muscle_damage",)),
    Row("bruise_vessel_or_muscle_damage", "bruise", {}, {"vessel_or_muscle_damage": "not_known"},
        "incomplete", ()),
]
# fmt: on


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.rule}-{i}" for i, r in enumerate(ROWS)])
def test_each_rule_gives_its_decision_findings_and_date(row):
    result = run(row.condition, row.answers, row.facts)
    assert result.decision == row.decision
    assert tuple(f.rule_id for f in result.findings) == row.findings
    assert result.earliest_date == row.earliest


def test_every_rule_in_the_file_has_a_row_in_the_table():
    assert {row.rule for row in ROWS} == {rule.id for rule in RULES.rules}


def test_every_row_proves_the_category_of_its_rule():
    for row in ROWS:
        if row.findings == (row.rule,):
            assert row.decision == CATEGORY_DECISION[RULES.get(row.rule).category], row.rule


@pytest.mark.parametrize("condition", (None, *CONDITIONS))
def test_all_no_with_passed_gates_is_clear(condition):
    result = run(condition)
    assert result.decision == "clear"
    assert result.findings == ()
    assert result.words == "No contraindication found: treat as planned."


def test_the_shipped_file_holds_every_category_and_every_gate_of_the_brief():
    categories = {rule.category for rule in RULES.rules}
    assert categories == {"absolute", "urgent_refer", "refer", "local", "relative"}
    gates = {rule.id for rule in RULES.rules if rule.gate is not None}
    assert gates == {
        "stroke_not_yet_stable",
        "stroke_early_days",
        "tendinitis_acute_period",
        "bruise_first_days",
        "bruise_vessel_or_muscle_damage",
    }
    assert RULES.get("pinched_nerve").category == "refer"
    assert RULES.get("unhealed_fracture").category == "local"
    assert RULES.get("acute_joint_flare").category == "local"


def test_each_record_field_prefills_exactly_one_question():
    fields = [rule.record_field for rule in RULES.rules if rule.record_field]
    assert sorted(fields) == sorted(RECORD_FIELDS)


def test_every_question_has_help_text_and_plain_patient_words():
    for rule in RULES.rules:
        if rule.question:
            assert rule.question.endswith("?"), rule.id
            assert rule.help, rule.id
        assert "you" in rule.patient_text.lower() or "{where}" in rule.patient_text, rule.id


# --- semantics --------------------------------------------------------------------------------


def test_not_known_makes_the_result_incomplete_and_is_listed():
    result = run(None, {"diabetes": NOT_KNOWN})
    assert result.decision == "incomplete"
    assert result.not_known == ("diabetes",)
    assert result.findings == ()


def test_a_missing_answer_makes_the_result_incomplete_never_clear():
    answers = all_no(None)
    del answers["fever"]
    result = screen(answers, {}, RULES, DAY)
    assert result.decision == "incomplete"
    assert result.unanswered == ("fever",)


def test_no_answers_at_all_is_incomplete_with_every_question_unanswered():
    result = screen({}, {}, RULES, DAY)
    assert result.decision == "incomplete"
    assert set(result.unanswered) == {q.id for g in questions_for(RULES, None) for q in g.questions}


def test_the_most_restrictive_finding_wins_and_every_finding_is_kept():
    result = run(
        None,
        {"diabetes": yes(), "open_wound": yes("wrist", side="left"), "fever": yes(), "pinched_nerve": yes()},
    )
    assert result.decision == "defer"
    assert {f.rule_id for f in result.findings} == {"fever", "pinched_nerve", "open_wound", "diabetes"}


W = yes("wrist", side="left")


# fmt: off
@pytest.mark.parametrize(
    ("answers", "decision"),
    [
        ({"fever": yes(), "pinched_nerve": yes(), "open_wound": W, "diabetes": yes()}, "defer"),
        ({"fever": yes(), "pregnancy": NOT_KNOWN}, "defer"),
        ({"pinched_nerve": yes(), "pregnancy": NOT_KNOWN, "open_wound": W}, "refer"),
        ({"pregnancy": NOT_KNOWN, "open_wound": W, "diabetes": yes()}, "incomplete"),
        ({"open_wound": W, "diabetes": yes()}, "local"),
        ({"diabetes": yes(), "osteoporosis": yes()}, "caution"),
        ({}, "clear"),
    ],
)
# fmt: on
def test_the_decision_is_the_most_restrictive_of_its_parts(answers, decision):
    result = run(None, answers)
    assert result.decision == decision
    assert {f.rule_id for f in result.findings} == {k for k, a in answers.items() if a.value == "yes"}


def test_refer_outranks_incomplete_but_the_open_questions_stay_listed():
    answers = {**all_no(None), "pinched_nerve": yes()}
    del answers["fever"]
    result = screen(answers, {}, RULES, DAY)
    assert result.decision == "refer"
    assert result.unanswered == ("fever",)


def test_incomplete_outranks_local_and_caution():
    result = run(None, {"open_wound": yes("wrist", side="left"), "diabetes": yes(), "pregnancy": NOT_KNOWN})
    assert result.decision == "incomplete"
    assert [f.rule_id for f in result.findings] == ["open_wound", "diabetes"]


def test_local_outranks_caution():
    assert run(None, {"open_wound": yes("wrist", side="left"), "diabetes": yes()}).decision == "local"


def test_an_absolute_yes_defers_even_when_every_other_question_is_unanswered():
    result = screen({"fever": yes()}, {}, RULES, DAY, condition="bruise")
    assert result.decision == "defer"
    assert result.missing_facts == ("injury_date", "vessel_or_muscle_damage")


def test_an_urgent_refer_yes_outranks_do_not_treat_and_is_worded_as_urgent():
    result = run(None, {"suspected_blood_clot": yes(), "fever": yes()})
    assert result.decision == "refer"
    assert result.urgent
    assert "A&E" in result.words
    assert not run(None, {"suspected_malignancy": yes()}).urgent


def test_a_local_gate_takes_its_region_and_side_from_the_case_facts():
    (finding,) = run("bruise", facts={"injury_date": D(2026, 3, 19), "bruise_area": "forearm",
                                      "affected_side": "left"}).findings
    assert (finding.category, finding.regions, finding.side) == ("local", ("forearm",), "left")
    assert finding.patient_text.startswith("Do not massage, warm or squeeze your left forearm")


def test_every_local_rule_written_by_screening_says_what_it_blocks_and_never_position_or_education():
    for rule in RULES.rules:
        assert not {"position", "education"} & set(rule.blocks), rule.id
        if rule.blocks:
            assert rule.category == "local", rule.id


def test_blocks_naming_position_or_an_unknown_kind_is_refused():
    item = {**VALID_ITEM, "category": "local", "regions": "chosen", "blocks": ["touch", "position", "massage"]}
    with pytest.raises(DataFileError) as caught:
        parse_rules(_file(item), conditions=CONDITION_FACTS)
    text = str(caught.value)
    assert "position is never blocked by a local finding" in text
    assert 'got "massage"' in text


def test_every_rule_has_a_plain_name_that_is_never_its_id():
    for rule in RULES.rules:
        assert rule.name and "_" not in rule.name, rule.id


def test_the_decision_order_is_the_documented_one():
    assert DECISION_ORDER == ("defer", "refer", "incomplete", "local", "caution", "clear")
    assert set(DECISION_WORDS) == set(DECISION_ORDER)
    assert DECISION_WORDS["defer"] == "Do not treat today."


def test_a_local_yes_without_marked_regions_is_incomplete_and_still_kept():
    result = run(None, {"open_wound": yes()})
    assert result.decision == "incomplete"
    assert result.unmarked == ("open_wound",)
    assert [f.rule_id for f in result.findings] == ["open_wound"]


def test_a_local_yes_without_a_side_keeps_clear_of_both_sides():
    (finding,) = run(None, {"open_wound": yes("wrist")}).findings
    assert finding.side == "both"
    assert finding.patient_text == "Do not massage your left and right wrist until the skin has healed."


@pytest.mark.parametrize(
    ("regions", "side", "words"),
    [
        (("wrist",), "left", "your left wrist"),
        (("wrist", "forearm"), "right", "your right wrist and forearm"),
        (("back_of_hand",), "left", "the back of your left hand"),
        (("fingers", "back_of_hand", "neck_shoulder"), "right",
         "your right fingers, the back of your right hand and your neck and right shoulder"),
        (("thumb",), None, "your thumb"),
    ],
)
def test_where_placeholder_reads_as_plain_words(regions, side, words):
    (finding,) = run(None, {"reduced_sensation": yes(*regions, side=side)}).findings
    assert finding.patient_text.startswith(f"The skin of {words} may not feel pain well.")


def test_the_patient_text_names_the_side_and_regions_in_plain_words():
    result = run(
        "fracture", {"unhealed_fracture": yes("wrist", "back_of_hand", side="left", detail="scaphoid")}
    )
    (finding,) = result.findings
    assert finding.patient_text == (
        "Do not massage your left wrist and the back of your left hand"
        " until your doctor says the bone has healed."
    )
    assert finding.regions == ("wrist", "back_of_hand")
    assert finding.detail == "scaphoid"
    assert finding.start_when == "when the doctor confirms the bone has healed"


def test_a_gate_finding_takes_the_side_from_the_case_facts():
    (finding,) = run("bruise", facts={"injury_date": D(2026, 3, 19)}).findings
    assert finding.side == "left"
    assert finding.patient_text.startswith("Do not massage, warm or squeeze your left wrist")


def test_a_gate_still_waiting_for_an_event_names_it():
    (finding,) = run("stroke", facts={"medically_stable_date": None, "cleared_by": None}).findings
    assert finding.waiting_for == ("medically_stable_date", "cleared_by")
    assert finding.earliest_date is None


def test_answers_to_questions_not_asked_for_this_protocol_are_listed_as_ignored():
    result = run("stroke", {"recent_stroke_not_stable": yes(), "fevr": NO})
    assert result.ignored == ("fevr", "recent_stroke_not_stable")
    assert result.decision == "clear"


def test_an_unknown_condition_is_refused():
    with pytest.raises(ValueError, match="unknown condition 'sprain'"):
        screen({}, {}, RULES, DAY, condition="sprain")


def test_a_datetime_instead_of_a_date_is_refused():
    with pytest.raises(ValueError, match="on_date must be a date"):
        screen({}, {}, RULES, dt.datetime(2026, 3, 20, 9, 0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value": "maybe"}, "answer must be one of yes, no, not_known, got 'maybe'"),
        ({"value": "yes", "regions": ("wrists",)}, "unknown region 'wrists'"),
        ({"value": "yes", "side": "up"}, "side must be one of left, right, both, got 'up'"),
    ],
)
def test_a_malformed_answer_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Answer(**kwargs)


# --- questions ----------------------------------------------------------------------------------


def test_questions_come_grouped_in_form_order_and_gates_ask_nothing():
    groups = questions_for(RULES, "stroke")
    assert [g.group for g in groups] == list(GROUPS)
    asked = {q.id for g in groups for q in g.questions}
    assert "stroke_early_days" not in asked
    assert "recent_stroke_not_stable" not in asked
    assert "recent_stroke_not_stable" in {q.id for g in questions_for(RULES, "bruise") for q in g.questions}
    assert groups[0].title == "General health"


def test_a_general_screen_asks_only_questions_for_every_protocol():
    asked = {q.id for g in questions_for(RULES, None) for q in g.questions}
    assert asked == {r.id for r in RULES.rules if r.question and not r.conditions}


# --- CS-01, CS-04, CS-05 ---------------------------------------------------------------------------

QUESTION_IDS = sorted(r.id for r in RULES.rules if r.question)
ABSOLUTE_IDS = sorted(
    r.id for r in RULES.rules if r.question and r.category == "absolute" and not r.conditions
)


def _fact_value(name: str) -> st.SearchStrategy:
    if name.endswith("_date"):
        return st.none() | st.dates(D(2025, 1, 1), D(2027, 12, 31))
    if name in FACT_CHOICES:
        return st.none() | st.sampled_from(FACT_CHOICES[name])
    return st.none() | st.just("some text")


# Drawn from a fixed pool so 10,000 cases run in seconds; the pool covers every value, region and side.
ANSWER_POOL = (
    [Answer(v) for v in ANSWER_VALUES]
    + [Answer("yes", regions=(region,), side=side) for region in REGIONS for side in (None, *SIDES)]
    + [Answer("not_known", regions=("wrist",), side="left")]
)


def _case(condition: str | None) -> st.SearchStrategy:
    names = CASE_FACTS.get(condition, ()) if condition else ()
    facts = st.fixed_dictionaries({name: _fact_value(name) for name in names})
    return st.tuples(st.just(condition), facts)


CASES = st.one_of([_case(condition) for condition in (None, *CONDITIONS)])
_CHOICES = [None, *ANSWER_POOL]  # None: the question is left unanswered


def _decode_answers(number: int) -> dict[str, Answer]:
    """One base-45 digit per question; one big integer is ~10x faster for hypothesis than a dict."""
    answers = {}
    for rule_id in QUESTION_IDS:
        number, digit = divmod(number, len(_CHOICES))
        if _CHOICES[digit] is not None:
            answers[rule_id] = _CHOICES[digit]
    return answers


ANSWER_SETS = st.integers(0, len(_CHOICES) ** len(QUESTION_IDS) - 1).map(_decode_answers)


@settings(max_examples=examples(10_000), deadline=None)
@given(
    case=CASES,
    answers=ANSWER_SETS,
    absolute=st.sampled_from(ABSOLUTE_IDS),
    on=st.dates(D(2025, 1, 1), D(2027, 12, 31)),
)
def test_cs01_absolute_contraindication_always_defers(case, answers, absolute, on):
    condition, facts = case
    answers = {**answers, absolute: yes()}
    result = screen(
        answers, {k: v for k, v in facts.items() if v is not None}, RULES, on, condition=condition
    )
    # An urgent refer (a possible clot, heart problem...) is stricter still: no override can ever lift it.
    assert result.decision == ("refer" if result.urgent else "defer")
    assert absolute in {f.rule_id for f in result.findings}


@settings(max_examples=examples(1_000), deadline=None)
@given(
    case=CASES,
    answers=st.dictionaries(st.sampled_from(QUESTION_IDS), st.sampled_from([NO, NO, NO, *ANSWER_POOL])),
    on=st.dates(D(2025, 1, 1), D(2027, 12, 31)),
)
def test_clear_only_when_everything_is_answered_and_nothing_applies(case, answers, on):
    condition, facts = case
    result = screen(
        answers, {k: v for k, v in facts.items() if v is not None}, RULES, on, condition=condition
    )
    if result.decision == "clear":
        assert not (result.findings or result.unanswered or result.not_known or result.missing_facts)
        assert all(answers[q.id].value == "no" for g in questions_for(RULES, condition) for q in g.questions)


@pytest.mark.parametrize(
    ("condition", "fact"),
    [
        ("bruise", "injury_date"),
        ("bruise", "vessel_or_muscle_damage"),
        ("stroke", "stroke_date"),
        ("stroke", "stroke_type"),
    ],
)
def test_cs04_missing_gate_date_names_the_fact(condition, fact):
    result = run(condition, facts={fact: None})
    assert result.decision == "incomplete"
    assert result.missing_facts == (fact,)
    assert fact in json.dumps(result_to_json(result))


@pytest.mark.parametrize(
    ("condition", "fact"),
    [
        ("bruise", "injury_date"),
        ("stroke", "stroke_date"),
        ("stroke", "medically_stable_date"),
        ("tendinitis", "acute_over_date"),
    ],
)
def test_cs04_an_event_date_after_the_screening_day_is_impossible_and_named(condition, fact):
    result = run(condition, facts={fact: DAY + dt.timedelta(days=1)})
    assert result.decision == "incomplete"
    assert result.impossible_facts == (fact,)
    assert result.earliest_date is None


def test_cs04_an_unknown_stroke_type_value_is_named_not_guessed():
    result = screen(
        all_no("stroke"), {**GOOD_FACTS["stroke"], "stroke_type": "lacunar"}, RULES, DAY, condition="stroke"
    )
    assert result.decision == "incomplete"
    assert result.missing_facts == ("stroke_type",)


# fmt: off
@pytest.mark.parametrize(
    ("condition", "facts", "first_day"),
    [
        ("stroke", {"stroke_date": D(2026, 3, 10), "stroke_type": "ischaemic",
                    "medically_stable_date": D(2026, 3, 10)}, D(2026, 3, 12)),
        ("stroke", {"stroke_date": D(2026, 3, 10), "stroke_type": "haemorrhagic",
                    "medically_stable_date": D(2026, 3, 10)}, D(2026, 3, 17)),
        ("stroke", {"stroke_date": D(2026, 3, 10), "stroke_type": "not_known",
                    "medically_stable_date": D(2026, 3, 16)}, D(2026, 3, 17)),
        # Across a month end and a leap day.
        ("stroke", {"stroke_date": D(2028, 2, 24), "stroke_type": "haemorrhagic",
                    "medically_stable_date": D(2028, 2, 25)}, D(2028, 3, 2)),
    ],
)
# fmt: on
def test_cs05_gate_day_boundaries(condition, facts, first_day):
    """Whole-person date gates; the bruise gate is local and is checked below."""
    one = dt.timedelta(days=1)
    before = run(condition, facts=facts, on=first_day - one)
    assert before.decision == "defer"
    assert before.earliest_date == first_day
    assert run(condition, facts=facts, on=first_day).decision == "clear"
    assert run(condition, facts=facts, on=first_day + one).decision == "clear"


@pytest.mark.parametrize(("injury", "first_day"), [(D(2026, 3, 10), D(2026, 3, 12)), (D(2028, 2, 28), D(2028, 3, 1))])
def test_cs05_the_bruise_gate_guards_the_bruise_until_day_2_and_never_the_whole_patient(injury, first_day):
    one = dt.timedelta(days=1)
    before = run("bruise", facts={"injury_date": injury}, on=first_day - one)
    assert before.decision == "local"
    assert [(f.rule_id, f.earliest_date) for f in before.findings] == [("bruise_first_days", first_day)]
    assert run("bruise", facts={"injury_date": injury}, on=first_day).decision == "clear"


# --- broken rule files --------------------------------------------------------------------------

VALID_ITEM = {
    "id": "fever",
    "group": "general_health",
    "question": "Fever today?",
    "help": "37.5 °C or more.",
    "category": "absolute",
    "regions": [],
    "therapist_text": "Do not treat.",
    "patient_text": "We will not massage you today.",
    "source": "CLINICAL.md §2",
    "name": "a raised temperature",
}
VALID_GATE = {
    "id": "bruise_first_days",
    "group": "condition",
    "conditions": ["bruise"],
    "category": "absolute",
    "regions": [],
    "gate": {"until": [{"after": {"fact": "injury_date", "days": 2}}]},
    "therapist_text": "Too soon.",
    "patient_text": "Rest your hand.",
    "source": "CLINICAL.md §3.5",
    "name": "a bruise in its first days",
}
F = "contraindications.yaml: "


def _file(*items: dict, version: Any = 1) -> dict:
    return {"version": version, "items": [copy.deepcopy(i) for i in items]}


def _with(item: dict, **changes: Any) -> dict:
    changed = copy.deepcopy(item)
    for key, value in changes.items():
        if value is ...:
            del changed[key]
        else:
            changed[key] = value
    return changed


REGION_LIST = ", ".join(REGIONS)  # every body-map region, from the neck down to each finger joint
RULE_KEYS = (
    "blocks, category, conditions, gate, group, help, id, name, patient_text, prompt, question, record_field, regions, "
    "source, "
    "start_when, therapist_text"
)
RECORD_LIST = (
    "blood_thinners, diabetes, heart_disease, high_blood_pressure, low_blood_pressure, osteoporosis, "
    "cancer, pregnancy, reduced_sensation, oil_allergy"
)
BRUISE_FACTS = "affected_side, bruise_area, injury_date, swelling_pain_gone_date, vessel_or_muscle_damage"

# (file contents, every problem it must report, in order)
# fmt: off
BROKEN = [
    (_file(VALID_ITEM, VALID_ITEM, VALID_ITEM, _with(VALID_ITEM, id="other", category="maybe")),
     [F + 'items[1].id: duplicate id "fever"', F + 'items[2].id: duplicate id "fever"',
      F + 'items[3].category: expected one of absolute, urgent_refer, refer, local, relative, got "maybe"']),
    (_file(VALID_ITEM, version="one"), [F + 'version: expected a whole number of 1 or more, got "one"']),
    (_file(_with(VALID_ITEM, regions=["wrists"])),
     [F + f'items[0].regions[0]: expected one of {REGION_LIST}, got "wrists"']),
    (_file(_with(VALID_ITEM, regions="all")),
     [F + "items[0].regions: expected a list of regions or 'chosen', got \"all\""]),
    (_file(_with(VALID_ITEM, question=...)), [F + "items[0].question: expected a sentence, got null"]),
    (_file(_with(VALID_ITEM, group="heart")),
     [F + 'items[0].group: expected one of general_health, skin, circulation, condition, got "heart"']),
    (_file(_with(VALID_ITEM, colour="red")),
     [F + f"items[0].colour: unknown key; expected one of {RULE_KEYS}"]),
    (_file(_with(VALID_ITEM, conditions=["sprain"])),
     [F + f'items[0].conditions[0]: expected one of {", ".join(CONDITIONS)}, got "sprain"']),
    (_file(_with(VALID_ITEM, record_field="smoker")),
     [F + f'items[0].record_field: expected one of {RECORD_LIST}, got "smoker"']),
    (_file(_with(VALID_ITEM, patient_text="Do not massage your {arm}.")),
     [F + "items[0].patient_text: expected placeholders {where}, {side}, {regions} only, got {arm}"]),
    (_file(_with(VALID_ITEM, id="Fever Today")),
     [F + 'items[0].id: expected a lower-case name like fresh_bruise, got "Fever Today"']),
    (_file(_with(VALID_GATE, gate={"until": [{"after": {"fact": "injury_dat", "days": 2}}]})),
     [F + "items[0].gate.until[0]: not a case fact of the bruise protocol: "
          f'expected one of {BRUISE_FACTS}, got "injury_dat"']),
    (_file(_with(VALID_GATE, gate={"until": [{"after": {"fact": "injury_date", "days": -1}}]})),
     [F + "items[0].gate.until[0].after.days: expected a whole number of days from 0 to 3650, got -1"]),
    (_file(_with(VALID_GATE, gate={"until": [{"confirm": "Swelling gone"}]})),
     [F + "items[0].gate.until: a gate uses 'after' terms only; say the condition in 'start_when'"]),
    (_file(_with(VALID_GATE, gate={"when": {"fact": "vessel_or_muscle_damage", "equals": "maybe"}})),
     [F + 'items[0].gate.when.equals: expected one of yes, no, not_known, got "maybe"']),
    (_file(_with(VALID_GATE, gate={})),
     [F + "items[0].gate: expected 'until' (dates), 'when' (a fact value) or both"]),
    (_file(_with(VALID_GATE, conditions=...)),
     [F + "items[0].conditions: a gate needs the protocols whose case facts it reads"]),
    (_file(_with(VALID_GATE, regions="chosen")),
     [F + "items[0].regions: a gate has no answer to choose regions from; list the regions"]),
    (_file(_with(VALID_GATE, question="Bruised?")),
     [F + "items[0]: a gate is decided from case facts; remove 'question', 'help', 'record_field'"]),
    # A local rule says which kinds of plan item it blocks (CLINICAL.md §2.1); position and education never.
    (_file(_with(VALID_ITEM, category="local", regions="chosen")),
     [F + "items[0].blocks: missing; a local rule lists the kinds it blocks: touch, passive_movement, "
          "active_movement, load, heat_water"]),
    (_file(_with(VALID_ITEM, category="local", regions="chosen", blocks=["touch", "position", "massage"])),
     [F + "items[0].blocks[1]: position is never blocked by a local finding; remove it",
      F + 'items[0].blocks[2]: expected one of touch, passive_movement, active_movement, load, heat_water, '
          'got "massage"']),
    (_file(_with(VALID_ITEM, blocks=["touch"])),
     [F + "items[0].blocks: only a local rule blocks kinds of plan item on a region; remove it"]),
    ({"version": 1, "items": []}, [F + "items: expected a list of rules, got []"]),
    (["a", "list"], [F + "expected a mapping with 'version' and 'items', got [\"a\", \"list\"]"]),
]
# fmt: on


@pytest.mark.parametrize(("raw", "messages"), BROKEN, ids=[str(i) for i in range(len(BROKEN))])
def test_a_broken_rule_file_lists_every_problem_with_file_and_key_path(raw, messages):
    with pytest.raises(DataFileError) as caught:
        parse_rules(raw, conditions=CONDITION_FACTS)
    assert caught.value.problems == messages


def test_a_valid_minimal_file_parses():
    rules = parse_rules(_file(VALID_ITEM, VALID_GATE), conditions=CONDITION_FACTS)
    assert [r.id for r in rules.rules] == ["fever", "bruise_first_days"]


def test_load_rules_names_the_file_it_read(tmp_path):
    path = tmp_path / "our_rules.yaml"
    path.write_text("version: 2\nitems:\n  - id: fever\n    category: maybe\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_rules(path, CONDITION_FACTS)
    assert all(p.startswith("our_rules.yaml: items[0].") for p in caught.value.problems)
    assert (
        'our_rules.yaml: items[0].category: expected one of absolute, urgent_refer, refer, local, relative, got "maybe"'
        in (caught.value.problems)
    )


def test_load_rules_reports_yaml_syntax_errors_with_the_file_name(tmp_path):
    path = tmp_path / "contraindications.yaml"
    path.write_text("version: 1\nitems: [\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"^contraindications.yaml: not valid YAML"):
        load_rules(path, CONDITION_FACTS)


# --- JSON for `clinic screen` ----------------------------------------------------------------------


def test_answers_from_json_accepts_short_and_long_forms():
    answers = answers_from_json(
        {
            "fever": "no",
            "open_wound": {"answer": "yes", "regions": ["wrist"], "side": "left", "detail": "graze"},
        }
    )
    assert answers == {"fever": NO, "open_wound": Answer("yes", "graze", ("wrist",), "left")}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "answers: expected an object of question id → answer, got []"),
        ({"fever": 1}, "answers.fever: expected yes, no, not_known or an object, got 1"),
        ({"fever": "maybe"}, "answers.fever: answer must be one of yes, no, not_known, got 'maybe'"),
        (
            {"fever": {"answer": "no", "colour": 1}},
            "answers.fever.colour: expected one of answer, detail, regions, side",
        ),
        (
            {"open_wound": {"answer": "yes", "regions": "wrist"}},
            'answers.open_wound.regions: expected a list, got "wrist"',
        ),
        ({"open_wound": {"answer": "yes", "regions": ["hands"]}}, "answers.open_wound: unknown region 'hands'"),
    ],
)
def test_answers_from_json_explains_what_is_wrong(obj, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        answers_from_json(obj)


def test_facts_from_json_turns_iso_strings_into_dates_and_reads_the_condition():
    obj = {"condition": "bruise", "injury_date": "2026-03-10", "affected_side": "left", "bruise_area": None}
    assert facts_from_json(obj, RULES) == {"injury_date": D(2026, 3, 10), "affected_side": "left"}
    assert condition_from_json(obj, RULES) == "bruise"
    arthritis = {"condition": "arthritis", "joints": ["thumb", "fingers"]}
    assert facts_from_json(arthritis, RULES) == {"joints": ("thumb", "fingers")}
    assert condition_from_json({}, RULES) is None


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"injury_date": "10/03/2026"},
            'facts.injury_date: expected a date like 2026-03-14, got "10/03/2026"',
        ),
        ({"injury_date": 20260310}, "facts.injury_date: expected a date like 2026-03-14, got 20260310"),
        (
            {"stroke_type": "lacunar"},
            'facts.stroke_type: expected one of ischaemic, haemorrhagic, not_known, got "lacunar"',
        ),
        ({"cleared_by": 3}, "facts.cleared_by: expected text or a list of text, got 3"),
        ({"bone": 3}, "facts.bone: expected one of distal_radius, scaphoid"),
        ({"injury_date": "20260310"}, 'facts.injury_date: expected a date like 2026-03-14, got "20260310"'),
        ({"injury_date": "2026-02-30"}, "facts.injury_date: 2026-02-30 is not a real date"),
        ({"condition": "bruise", "injury_dat": "2026-03-10"},
         "facts.injury_dat: not a case fact of bruise; expected one of injury_date, bruise_area"),
        ({"condition": "bruise", "stroke_date": "2026-03-10"},
         "facts.stroke_date: not a case fact of bruise"),
        ({"colour": "red"}, "facts.colour: not a case fact of any protocol; expected one of acute_over_date"),
        ("x", 'facts: expected an object of fact name → value, got "x"'),
    ],
)
def test_facts_from_json_explains_what_is_wrong(obj, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        facts_from_json(obj, RULES)


def test_condition_from_json_refuses_an_unknown_protocol():
    expected = f'facts.condition: expected one of {", ".join(CONDITIONS)}, got "sprain"'
    with pytest.raises(ValueError, match=re.escape(expected)):
        condition_from_json({"condition": "sprain"}, RULES)


def test_result_to_json_has_a_stable_key_order_and_iso_dates():
    result = run("bruise", {"open_wound": yes("wrist", side="left")}, {"injury_date": D(2026, 3, 19)})
    data = result_to_json(result)
    assert list(data) == [
        "decision",
        "urgent",
        "words",
        "on_date",
        "condition",
        "rules_version",
        "earliest_date",
        "findings",
        "unanswered",
        "not_known",
        "missing_facts",
        "impossible_facts",
        "unmarked",
        "ignored",
    ]
    assert data["earliest_date"] == "2026-03-21"
    assert data["findings"][1]["earliest_date"] == "2026-03-21"
    assert json.loads(json.dumps(data)) == data


def _json_blocks(markdown: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", markdown, flags=re.S)]


def test_the_worked_example_in_screening_md_gives_the_documented_output():
    doc = (ROOT / "protocols" / "screening.md").read_text("utf-8")
    answers_obj, facts_obj, expected = _json_blocks(doc)[:3]
    result = screen(
        answers_from_json(answers_obj),
        facts_from_json(facts_obj, RULES),
        RULES,
        D(2026, 3, 11),
        condition=condition_from_json(facts_obj, RULES),
    )
    assert result_to_json(result) == expected


def test_importing_the_domain_loads_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, clinic.domain.screening, clinic.domain.outcomes; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_worked_example_a_day_later_with_diabetes_answered_is_local():
    doc = (ROOT / "protocols" / "screening.md").read_text("utf-8")
    answers_obj, facts_obj, _ = _json_blocks(doc)[:3]
    answers_obj["diabetes"] = "no"
    result = screen(answers_from_json(answers_obj), facts_from_json(facts_obj, RULES), RULES, D(2026, 3, 12),
                    condition=condition_from_json(facts_obj, RULES))
    assert result.decision == "local"
    assert [f.rule_id for f in result.findings] == ["open_wound", "fresh_bruise", "blood_thinners"]
