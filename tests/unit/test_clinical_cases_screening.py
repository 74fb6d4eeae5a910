"""Clinical cases of CLINICAL_CASES.md closest to screening (issue 12, the screening part): C13 C14 C15 C16
C18 C20 C23 C24 C26 C27 C34, each as a domain table of what a therapist expects to see - the headline,
the decision, whether it can be overridden, what the page prompts, and for the protocol cases the stage
and items of the plan. D (the visit) is 20 March 2026."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from clinic.domain.headline import headline, prompts
from clinic.domain.plan_checks import check_urgent
from clinic.domain.planning import Clearance, Override, PlanBlocked, needs_review, plan_to_canonical
from clinic.domain.screening import Answer, screen
from clinic.domain.screening_rules import questions_for
from clinic.handouts import plan_context as handout
from tests.helpers.planning import GOOD_FACTS, LIBRARY, RULES, plan, screened, yes

D = dt.date(2026, 3, 20)
DAY = dt.timedelta(days=1)


def no_answer() -> Answer:
    return Answer("not_known")


def overridable(result) -> bool:
    """A therapist may override only a 'do not treat today' that is not a possible emergency."""
    return result.decision == "defer" and not result.urgent


# --------------------------------------------------------------------------------------------- headlines

BRUISE_D1 = {**GOOD_FACTS["bruise"], "injury_date": D - DAY, "swelling_pain_gone_date": None}


@pytest.mark.parametrize(
    ("case", "condition", "facts", "answers", "decision", "head", "start", "can_override"),
    [
        # C13: "could vessels or muscles be damaged?" not known: not finished, not a start date; no plan.
        ("c13", "bruise", {**BRUISE_D1, "vessel_or_muscle_damage": "not_known"}, {}, "incomplete", "incomplete",
         None, False),
        # C14: damage possible: needs a doctor's clearance; the day-2 date is secondary only.
        ("c14", "bruise", {**BRUISE_D1, "vessel_or_muscle_damage": "yes"}, {}, "refer", "refer", None, False),
        # C20: a raised temperature: do not treat today; a therapist may override.
        ("c20", "fracture", None, {"fever": yes()}, "defer", "defer", None, True),
        # C23: a hanging wrist after sleeping over a chair back: refer (pinched nerve), no plan of its own.
        ("c23", None, None, {"pinched_nerve": yes()}, "refer", "refer", None, False),
        # C23: the same weakness coming on suddenly with no compression: urgent, it can be a stroke.
        ("c23", None, None, {"sudden_weakness": yes()}, "refer", "urgent", None, False),
        # C24: suspected clot not known: not finished (and a same-day check is prompted, below).
        ("c24", "stroke", None, {"suspected_blood_clot": no_answer()}, "incomplete", "incomplete", None, False),
        # C24: answered yes: urgent refer, never overridable, even with a fever beside it.
        ("c24", "stroke", None, {"suspected_blood_clot": yes(), "fever": yes()}, "refer", "urgent", None, False),
        # C34: new swelling after lymph-node removal: refer (unexplained new swelling), no plan.
        ("c34", "arthritis", None, {"unexplained_new_swelling": yes(),
                                    "lymphoedema_risk": yes("upper_arm", "forearm", side="left")},
         "refer", "refer", None, False),
    ],
)
def test_the_headline_is_the_strongest_blocker(case, condition, facts, answers, decision, head, start,
                                               can_override):
    result = screened(condition, facts, **answers) if condition else screened_general(**answers)
    shown = headline(result)
    assert (result.decision, shown.key, overridable(result)) == (decision, head, can_override), case
    assert not shown.allows_treatment  # never shown as a green "valid" result
    if head != "wait":
        assert "MASSAGE MAY START" not in shown.words


def screened_general(**answers):
    base = {q.id: Answer("no") for g in questions_for(RULES, None) for q in g.questions}
    return screen({**base, **answers}, {}, RULES, D)


def test_c13_c14_the_bruise_date_is_never_the_headline_while_something_else_blocks():
    c14 = screened("bruise", {**BRUISE_D1, "vessel_or_muscle_damage": "yes"})
    assert headline(c14).words == "NEEDS A DOCTOR’S CLEARANCE"
    with pytest.raises(PlanBlocked):
        plan("bruise", {**BRUISE_D1, "vessel_or_muscle_damage": "yes"}, screening=c14)


def test_c14_possible_vessel_or_muscle_damage_needs_a_doctor_first_and_the_day_2_date_is_only_secondary():
    facts = {**BRUISE_D1, "vessel_or_muscle_damage": "yes"}
    result = screened("bruise", facts)
    shown = headline(result)
    assert (result.decision, shown.key, shown.words) == ("refer", "refer", "NEEDS A DOCTOR’S CLEARANCE")
    assert not shown.allows_treatment and not overridable(result)
    # the bruise's own day-2 date is known, but it is never what the result says first
    assert shown.start is None or "MASSAGE MAY START" not in shown.words
    with pytest.raises(PlanBlocked, match="clearance|refer|doctor"):
        plan("bruise", facts, screening=result)


@pytest.mark.parametrize("for_condition", [None, "fracture"])
def test_c23_a_hanging_wrist_after_sleeping_over_a_chair_back_is_referred_and_sudden_weakness_is_urgent(
        for_condition):
    """A pinched nerve (radial nerve palsy from compression): refer to a specialist, no plan of its own, and no
    plan for another condition goes on without a clearance. The same weakness coming on suddenly with nothing
    pressing on the arm can be a stroke: urgent, never overridable, never cleared."""
    def screened_here(**answers):
        return screened(for_condition, **answers) if for_condition else screened_general(**answers)

    pinched = screened_here(pinched_nerve=yes())
    assert (pinched.decision, headline(pinched).key, overridable(pinched)) == ("refer", "refer", False)
    assert not pinched.urgent
    sudden = screened_here(sudden_weakness=yes())
    assert (sudden.decision, headline(sudden).key, overridable(sudden)) == ("refer", "urgent", False)
    assert sudden.urgent
    if for_condition:
        with pytest.raises(PlanBlocked):
            plan(for_condition, screening=pinched)
        with pytest.raises(PlanBlocked, match="emergency|A&E|urgent"):
            plan(for_condition, screening=sudden, clearance=Clearance("Dr A", D, "Seen, fine."))


def test_a_date_heads_the_result_only_when_a_date_is_all_that_blocks():
    facts = {**GOOD_FACTS["stroke"], "stroke_date": D - DAY, "stroke_type": "haemorrhagic",
             "medically_stable_date": D - DAY}
    only_a_date = headline(screened("stroke", facts))
    assert (only_a_date.key, only_a_date.start) == ("wait", D + 6 * DAY)
    with_a_question_open = headline(screened("stroke", facts, pregnancy=no_answer()))
    assert (with_a_question_open.key, with_a_question_open.start) == ("incomplete", D + 6 * DAY)


def test_c24_not_known_clot_prompts_a_same_day_medical_check():
    result = screened("stroke", suspected_blood_clot=no_answer())
    (line,) = prompts(result, RULES)
    assert "possible blood clot" in line and "medical check today" in line and "A&E" in line


def test_c24_an_urgent_refer_blocks_every_plan_whatever_is_recorded():
    result = screened("stroke", suspected_blood_clot=yes())
    assert check_urgent(result)
    with pytest.raises(PlanBlocked, match="may be an emergency"):
        plan("stroke", screening=result, clearance=Clearance("Dr Okafor, GP", D, "Seen; fine."),
             override=Override("Anna Berg", "therapist", "Ultrasound clear this morning, well.", D,
                               ("suspected_blood_clot",)))


def test_c34_new_swelling_prompts_the_doctor_and_blocks_the_plan():
    result = screened("arthritis", unexplained_new_swelling=yes(),
                      lymphoedema_risk=yes("upper_arm", "forearm", side="left"))
    assert any("new swelling" in line for line in prompts(result, RULES))
    with pytest.raises(PlanBlocked, match="refer first"):
        plan("arthritis", screening=result)


# ------------------------------------------------------------------------------------------------ C20


def test_c20_an_override_names_the_raised_temperature_and_prints_it_with_the_therapists_name():
    result = screened("fracture", fever=yes())
    short = Override("Anna Berg", "therapist", "Feels well today.", D, ("fever",), ("a raised temperature",))
    with pytest.raises(PlanBlocked, match="at least 20 characters"):
        plan("fracture", screening=result, override=short)
    reason = "Rechecked after 20 minutes: 36.9 °C, she feels well."
    draft = plan("fracture", screening=result,
                 override=Override("Anna Berg", "therapist", reason, D, ("fever",), ("a raised temperature",)))
    (line,) = handout.override_lines(draft)
    assert line == (f"Your therapist, Anna Berg, treated you on 20 March 2026 although you had a raised "
                    f"temperature, because: {reason}")
    assert not re.search(r"[a-z]+_[a-z_]+|@", line)


# -------------------------------------------------------------------------------------------- C15, C16


def _home(stage) -> list[str]:
    return [h.ref for h in stage.home]


def test_c15_de_quervains_settling_stage_thumb_holds_pain_rule_and_no_little_finger_side_stretch():
    facts = {**GOOD_FACTS["tendinitis"], "tendon_area": "thumb_side_wrist", "affected_side": "left",
             "acute_over_date": D - 2 * DAY}
    draft = plan("tendinitis", facts, screening=screened("tendinitis", facts))
    stage = draft.stage(draft.current_stage)
    assert draft.current_stage == "settling_thumb_side"
    assert "thumb_isometric_hold" in _home(stage) and "soft_ball_squeeze" not in _home(stage)
    assert sum(t.dose.minutes or 0 for t in stage.clinic) <= 15
    assert {t.ref for t in stage.clinic} >= {"stroking", "rubbing_light"}
    assert all(t.dose.pressure in ("very_light", "light") for t in stage.clinic)
    words = " ".join(stage.precautions)
    assert "up to 3 out of 10 is fine" in words and "4 or 5 out of 10 is acceptable" in words
    assert "Above 5 is too much" in words and "worse the next morning, do less" in words
    assert "splint" in words and "towards your little finger" in words
    steps = " ".join(step for h in stage.home for step in h.steps)
    assert not re.search(r"3 out of 10 or less|no pain at all|push through", steps)


def test_c16_acute_tendinitis_gets_a_rest_stage_plan_not_a_deferral():
    facts = {**GOOD_FACTS["tendinitis"], "tendon_area": "wrist_extensors", "acute_over_date": None}
    result = screened("tendinitis", facts)
    assert result.decision == "local" and headline(result).allows_treatment
    (finding,) = result.findings
    assert finding.rule_id == "tendinitis_acute_period" and finding.side == "right"
    draft = plan("tendinitis", facts, screening=result)
    rest = draft.stage("acute")
    assert draft.current_stage == "acute" and rest.clinic == ()
    assert "shoulder_elbow_moves" in _home(rest)  # the free joints keep moving
    words = " ".join(rest.precautions)
    assert "No massage of the sore tendon" in words and "splint" in words and "break" in words
    assert draft.stage("settling").window == "no date yet: when the acute period is over"


def test_c16_raising_the_hand_is_kept_in_the_rest_stage():
    """Position is never blocked by a local finding (CLINICAL.md §2.1)."""
    facts = {**GOOD_FACTS["tendinitis"], "tendon_area": "wrist_extensors", "acute_over_date": None}
    draft = plan("tendinitis", facts, screening=screened("tendinitis", facts))
    assert "hand_elevation" in _home(draft.stage("acute"))


# ------------------------------------------------------------------------------------------------ C18


def test_c18_osteoarthritis_self_management_from_the_first_visit():
    facts = {**GOOD_FACTS["arthritis"], "affected_side": "right", "flare_settled_date": D}
    draft = plan("arthritis", facts, screening=screened("arthritis", facts))
    stage = draft.stage(draft.current_stage)
    assert draft.current_stage == "mobility_osteoarthritis"
    assert {"soft_ball_squeeze", "thumb_isometric_hold", "relaxed_hand_tap", "rub_hands_together",
            "finger_turn_with_other_hand"} <= set(_home(stage))
    tapping = next(t for t in stage.clinic if t.ref == "tapping")
    assert "at most once every two weeks" in tapping.note
    words = " ".join(stage.precautions)
    assert "thick handles" in words and "Sit up straight" in words
    text = str(plan_to_canonical(draft)).lower()
    assert "growth" not in text and "osteophyte" not in text and "salt" not in text


# -------------------------------------------------------------------------------------------- C26, C27


def test_c26_a_screening_31_days_old_refuses_a_new_plan():
    result = screened("fracture", on=D - 31 * DAY, facts={**GOOD_FACTS["fracture"], "cast_removal_date": D})
    with pytest.raises(PlanBlocked, match="expired"):
        plan("fracture", {**GOOD_FACTS["fracture"], "cast_removal_date": D}, screening=result,
             screening_valid_until=result.on_date + 30 * DAY)


def test_c27_a_blood_thinner_added_after_approval_puts_the_plan_back_to_review():
    draft = plan("stroke")
    protocol = LIBRARY.protocol("stroke")
    reasons = needs_review(plan_to_canonical(draft), screening_valid_until=D + 29 * DAY, on_date=D,
                           clinical_changed_after_screening=True, current_protocol_version=protocol.version,
                           current_content_hash=protocol.content_hash)
    assert reasons and any("screen" in r.lower() for r in reasons)
