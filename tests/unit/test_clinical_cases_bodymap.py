"""Clinical cases of ../shared/CLINICAL_CASES.md that rest on the body map, kinds of item and a protocol's own
injury (issue 12, bodymap part): what a hand therapist expects to see kept, narrowed and removed, by side,
region and kind. Each test builds the case as a therapist would — case facts and an honest screening — and
reads the draft plan.

Parts that belong to other engineers are noted where a case stops short: stage confirmations (conditions),
urgent refer and the new screening rules such as pacemaker and steroid injection (screening; C32 and C33 use a
rule written here with the blocks CLINICAL.md §2.1 gives), A&E wording and cast-only signs (screening).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from clinic.domain import bodymap
from clinic.domain.planning import (
    Override,
    PlanDraft,
    PlanEditError,
    add_home_exercise,
    empty_plan_problems,
    generate_plan,
    leave_out_words,
)
from clinic.domain.protocols import illustration_ids_in, load_library
from clinic.domain.screening import Answer, screen
from clinic.domain.screening_rules import RuleSet, load_rules, parse_rules, questions_for
from tests.helpers.planning import EVERY_CRITERION

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = load_library([ROOT / "protocols"], illustration_ids_in(ROOT / "clinic" / "static" / "illustrations"))
RULES = load_rules(ROOT / "protocols" / "contraindications.yaml", LIBRARY.case_facts())
D = dt.date(2026, 3, 20)  # the day of the visit
DAY = dt.timedelta(days=1)
MASSAGE_LIKE = ("touch", "passive_movement", "active_movement", "load", "heat_water")


def yes(*regions: str, side: str | None = None, detail: str = "") -> Answer:
    return Answer("yes", regions=tuple(regions), side=side, detail=detail)


def answers(condition: str, rules: RuleSet, **special: Answer) -> dict[str, Answer]:
    """'no' to every question of the condition except the ones given."""
    out = {r.id: Answer("no") for g in questions_for(rules, condition) for r in g.questions}
    out.update(special)
    return out


def plan_for(condition: str, facts: dict[str, Any], on: dt.date = D, rules: RuleSet = RULES,
             **special: Answer) -> PlanDraft:
    """Screen honestly, then plan; an absolute gate (the first days of a bruise) is overridden by the therapist."""
    result = screen(answers(condition, rules, **special), facts, rules, on, condition=condition)
    override = Override("Sam Lee", "therapist", "Override recorded for " + " and ".join(
        f.rule_id for f in result.findings if f.category == "absolute") + " after talking it through.", on)
    # every stage reached on its dates has its criteria confirmed by the therapist (the cases say which stage
    # the patient is in; how a stage begins is C02, tests/unit/test_clinical_cases_conditions.py)
    return generate_plan(LIBRARY.protocol(condition), facts, result, on, library=LIBRARY, override=override,
                         confirmed=EVERY_CRITERION)


def kind_of(ref: str) -> str:
    found = LIBRARY.techniques.get(ref) or LIBRARY.sequences.get(ref)
    return found.item_kind


def places(item) -> set[bodymap.Place]:
    """Where an item works: its regions (a sequence: every step) on its sides, less what it leaves out."""
    regions = set(item.regions)
    if item.ref in LIBRARY.sequences:
        regions |= {r for step in LIBRARY.sequences[item.ref].steps for r in step.regions}
    every = bodymap.places(regions, item.sides or bodymap.SIDES)
    out = set(every)
    for code in item.leave_out:
        side, _, region = code.partition(":")
        out -= bodymap.places([region], [side])
    return out


def on(side: str, *regions: str) -> set[bodymap.Place]:
    return set(bodymap.places(regions, [side]))


def items(draft: PlanDraft, stage_id: str) -> dict[str, Any]:
    stage = draft.stage(stage_id)
    return {item.ref: item for item in (*stage.clinic, *stage.home)}


def working_on(draft: PlanDraft, stage_id: str, where: set[bodymap.Place], kinds=MASSAGE_LIKE) -> list[str]:
    """Items of these kinds that still work on these places in a stage."""
    return sorted(ref for ref, item in items(draft, stage_id).items() if kind_of(ref) in kinds and places(item) & where)


def avoid_texts(draft: PlanDraft, stage_id: str) -> list[str]:
    return [a.patient_text for a in draft.avoid] + [a.patient_text for a in draft.stage(stage_id).protect]


# --------------------------------------------------------------------------------------------
# Fracture
# --------------------------------------------------------------------------------------------

SCAPHOID = {
    "fracture_date": D - 10 * DAY,
    "bone": "scaphoid",
    "affected_side": "right",
    "treatment": "cast_or_splint",
    "cast_removal_date": D + 32 * DAY,
    "cast_holds": "forearm_wrist_and_thumb",
}


@pytest.mark.parametrize(("treatment", "scar_line"), [("cast_or_splint", False), ("surgery", True)])
def test_c05_c06_the_scar_precaution_is_printed_only_after_an_operation(treatment, scar_line):
    """"Do not rub over a scar from an operation…" was printed for every fracture, a cast-treated one (C05, C06)
    included: it has no scar. It is now for the patients whose fracture was operated on."""
    draft = plan_for("fracture", {**AFTER_CAST, "treatment": treatment})
    printed = [line for stage in draft.stages for line in stage.precautions if "scar" in line]
    assert bool(printed) == scar_line
    if scar_line:
        assert all(any("scar" in line for line in stage.precautions) for stage in draft.stages)


def test_c05_in_the_thumb_spica_nothing_touches_or_moves_the_right_wrist_thumb_or_forearm():
    draft = plan_for("fracture", SCAPHOID, unhealed_fracture=yes("wrist", side="right"))
    assert draft.current_stage == "in_cast"
    under_cast = on("right", "wrist", "thumb", "forearm")
    assert working_on(draft, "in_cast", under_cast) == []
    kept = items(draft, "in_cast")
    # Above the cast and the collar region are still massaged.
    assert {"neck_shoulder_massage", "stroking", "rubbing_light", "kneading_fingertip"} <= set(kept)
    assert on("right", "upper_arm", "elbow") <= places(kept["stroking"])
    # Home: raise the hand (position), move the four free fingers, elbow and shoulder (active movement).
    assert {"hand_elevation", "spread_close_fingers", "shoulder_elbow_moves"} <= set(kept)
    assert places(kept["spread_close_fingers"]) == on("right", "fingers")
    assert leave_out_words(kept["spread_close_fingers"]) == "Leave out the right thumb."
    # The generic "unhealed fracture" at the break is the protocol's own: the stage protects it instead.
    assert [a.rule_id for a in draft.avoid] == []
    assert any("massage" in text and "your right wrist" in text for text in avoid_texts(draft, "in_cast"))
    signs = [sign for box in draft.stage("in_cast").stop_and_call for sign in box.signs]
    assert any("too tight" in sign for sign in signs)  # A&E wording: screening's part


AFTER_CAST = {**SCAPHOID, "cast_removal_date": D - 3 * DAY}


def test_c06_after_the_cast_light_stroking_and_active_movement_of_the_wrist_no_passive_wrist_stretch_no_load():
    draft = plan_for("fracture", AFTER_CAST, on=D, unhealed_fracture=yes("wrist", side="right"))
    assert draft.current_stage == "after_cast"
    kept = items(draft, "after_cast")
    # Light stroking of the right wrist area is back.
    assert on("right", "wrist") <= places(kept["stroking"])
    # Passive movement goes on for the free fingers, never the wrist (nor, after a scaphoid, the thumb base
    # next to it) before union: the protocol keeps passive movement to the fingers after the cast.
    assert on("right", "wrist", "thumb").isdisjoint(places(kept["passive_movements"]))
    assert on("right", "fingers") <= places(kept["passive_movements"])
    # Home: wrist circles, turning the palm, tendon glides, balls in the palm, piano taps (active) and raising
    # the hand; no load at all.
    assert {"wrist_circles", "forearm_turns", "tendon_glides", "balls_in_palm", "piano_taps", "hand_elevation"} \
        <= set(kept)
    assert on("right", "wrist") <= places(kept["wrist_circles"])
    assert [ref for ref in kept if kind_of(ref) == "load"] == []
    # The handout never says "do not massage your wrist" next to "light stroking of your wrist".
    assert not any("massage" in text and "wrist" in text for text in avoid_texts(draft, "after_cast"))
    assert draft.stage("after_cast").removed == ()


def test_c07_after_healing_is_confirmed_grip_and_squeezing_appear_with_doses():
    facts = {**AFTER_CAST, "healing_confirmed_date": D - 2 * DAY}
    draft = plan_for("fracture", facts, unhealed_fracture=Answer("no"))
    assert draft.current_stage == "strengthening"  # stage confirmation (C07's "criteria confirmed"): conditions
    kept = items(draft, "strengthening")
    assert {"soft_ball_squeeze", "light_weight_wrist"} <= set(kept)
    assert kept["soft_ball_squeeze"].dose.repetitions == 10
    assert on("right", "wrist") <= places(kept["light_weight_wrist"])


LITTLE_FINGER = {
    "fracture_date": D - 7 * DAY,
    "bone": "finger_phalanx",
    "broken_finger": "little",
    "affected_side": "left",
    "treatment": "cast_or_splint",
    "cast_removal_date": D + 21 * DAY,
    "cast_holds": "neighbour_finger",
}


def test_c08_a_buddy_strapped_left_little_finger_blocks_the_little_and_ring_fingers_only():
    draft = plan_for("fracture", LITTLE_FINGER, unhealed_fracture=yes("little", side="left"))
    assert draft.current_stage == "in_cast"
    strapped = on("left", "little", "ring")
    assert working_on(draft, "in_cast", strapped) == []
    kept = items(draft, "in_cast")
    # Thumb, index and middle fingers keep moving.
    assert on("left", "thumb", "index", "middle") <= places(kept["spread_close_fingers"])
    assert leave_out_words(kept["spread_close_fingers"]) == "Leave out the left ring finger and the left little finger."
    # A whole-hand grip on the left is removed, not narrowed.
    with pytest.raises(PlanEditError, match="Squeeze a soft ball cannot be added"):
        add_home_exercise(draft, "in_cast", "soft_ball_squeeze", LIBRARY)
    # The right hand is untouched by the finding.
    for item in items(draft, "in_cast").values():
        assert not any(code.startswith("right:") for code in item.leave_out)


def test_c09_an_open_scar_on_the_back_of_the_right_hand_keeps_touch_off_it_and_the_palm_and_fingers_treated():
    facts = {
        "fracture_date": D - 20 * DAY,
        "bone": "metacarpal",
        "affected_side": "right",
        "treatment": "surgery",
        "cast_removal_date": D - 6 * DAY,
    }
    draft = plan_for("fracture", facts, unhealed_fracture=yes("back_of_hand", "palm", side="right"),
                     recent_surgery_site=yes("back_of_hand", side="right"))
    assert draft.current_stage == "after_cast"
    assert working_on(draft, "after_cast", on("right", "back_of_hand"), kinds=("touch",)) == []
    kept = items(draft, "after_cast")
    assert on("right", "palm", "fingers") <= places(kept["stroking"])
    assert [ref for ref in kept if kind_of(ref) == "load"] == []  # no load until healing is confirmed
    assert "Do not massage the back of your right hand until your surgeon says you may." in avoid_texts(
        draft, "after_cast")


# --------------------------------------------------------------------------------------------
# Bruise
# --------------------------------------------------------------------------------------------

BRUISE = {
    "injury_date": D - 1 * DAY,
    "bruise_area": "forearm",
    "affected_side": "left",
    "vessel_or_muscle_damage": "no",
}


def test_c10_a_fresh_left_forearm_bruise_is_the_protocols_own_and_massage_above_it_starts_on_day_two():
    draft = plan_for("bruise", BRUISE, fresh_bruise=yes("forearm", side="left"))
    assert [a.rule_id for a in draft.avoid] == []  # no plan-wide "do not massage" for the protocol's own bruise
    first = draft.stage("preparatory")
    assert first.earliest == BRUISE["injury_date"] + 2 * DAY
    assert working_on(draft, "preparatory", on("left", "forearm"), kinds=("touch", "heat_water", "load")) == []
    assert "hand_elevation" in items(draft, "preparatory")
    # From the day of the injury a protect stage is current (no whole-person deferral): raise the arm and
    # move the fingers and elbow; no massage and no heat on the forearm.
    current = draft.stages[0]
    assert current.current and current.id == draft.current_stage
    assert working_on(draft, current.id, on("left", "forearm"), kinds=("touch", "heat_water", "load")) == []
    assert "hand_elevation" in items(draft, current.id)
    assert any(kind_of(ref) == "active_movement" and on("left", "fingers") & places(i)
               for ref, i in items(draft, current.id).items())


def test_c11_on_day_four_the_upper_arm_above_the_bruise_is_stroked_and_nothing_touches_the_forearm():
    facts = {**BRUISE, "injury_date": D - 4 * DAY}
    draft = plan_for("bruise", facts, fresh_bruise=yes("forearm", side="left"))
    assert draft.current_stage == "preparatory"
    assert working_on(draft, "preparatory", on("left", "forearm"), kinds=("touch", "load", "heat_water")) == []
    kept = items(draft, "preparatory")
    assert on("left", "upper_arm") <= places(kept["stroking_toward_heart"])
    assert "hand_elevation" in kept


def test_c12_when_swelling_and_pain_have_gone_the_forearm_itself_is_stroked_and_pressed_lightly():
    facts = {**BRUISE, "injury_date": D - 5 * DAY, "swelling_pain_gone_date": D - 1 * DAY}
    draft = plan_for("bruise", facts)
    assert draft.current_stage in ("direct", "mobility")
    kept = items(draft, "direct")
    assert on("left", "forearm") <= places(kept["stroking"])
    assert on("left", "forearm") <= places(kept["light_pressure"])


# --------------------------------------------------------------------------------------------
# Arthritis
# --------------------------------------------------------------------------------------------

OA_BOTH = {
    "arthritis_type": "osteoarthritis",
    "affected_side": "both",
    "joints": "finger joints and thumb bases",
    "flare_settled_date": D - 30 * DAY,
}


def test_c17_a_hot_left_thumb_base_blocks_only_that_joint_and_grip_on_the_left():
    draft = plan_for("arthritis", OA_BOTH, acute_joint_flare=yes("thumb_cmc", side="left"))
    stage = draft.current_stage
    assert stage is not None and empty_plan_problems(draft) == []
    flare_kinds = ("touch", "passive_movement", "load", "heat_water")
    assert working_on(draft, stage, on("left", "thumb_cmc"), kinds=flare_kinds) == []
    kept = items(draft, stage)
    joints = kept.get("kneading_joints") or kept["stroking"]
    # Every other finger of both hands, and the whole right hand, still treated.
    assert on("right", "thumb", "fingers") <= places(joints)
    assert on("left", "fingers", "thumb_mcp", "thumb_ip") <= places(joints)
    # A grip loads the thumb base: on the left it is left out, on the right it stays.
    with_grip = add_home_exercise(draft, stage, "soft_ball_squeeze", LIBRARY)
    grip = items(with_grip, stage)["soft_ball_squeeze"]
    assert {p.side for p in places(grip)} == {"right"}
    assert leave_out_words(grip) == "Right side only, not the left."
    texts = " ".join(a.therapist_text + a.patient_text for a in draft.avoid).lower()
    assert "growth" not in texts and "osteophyte" not in texts


def test_c19_both_wrists_in_a_flare_are_local_findings_and_fingers_and_palms_are_still_treated():
    ra = {**OA_BOTH, "arthritis_type": "inflammatory_arthritis"}
    draft = plan_for("arthritis", ra, acute_joint_flare=yes("wrist", side="both"))
    assert draft.screening.decision == "local"  # not a whole-person deferral
    for stage in draft.stages:
        assert working_on(draft, stage.id, on("left", "wrist") | on("right", "wrist"),
                          kinds=("touch", "passive_movement", "load", "heat_water")) == []
    kept = items(draft, "after_flare_arthritis")
    assert on("left", "fingers", "palm") | on("right", "fingers", "palm") <= places(kept["stroking"])
    # A flare date per joint and telling the rheumatology team: conditions and screening content.


# --------------------------------------------------------------------------------------------
# General screening with a local finding
# --------------------------------------------------------------------------------------------

OA_RIGHT = {**OA_BOTH, "affected_side": "right"}


def test_c21_an_open_cut_on_the_right_palm_keeps_touch_grip_and_soaks_off_it_and_finger_and_wrist_movement_on():
    draft = plan_for("arthritis", OA_RIGHT, open_wound=yes("palm", side="right"), blood_thinners=yes())
    stage = draft.current_stage
    assert working_on(draft, stage, on("right", "palm"), kinds=("touch", "load", "heat_water")) == []
    with pytest.raises(PlanEditError, match="Squeeze a soft ball cannot be added"):
        add_home_exercise(draft, stage, "soft_ball_squeeze", LIBRARY)
    with pytest.raises(PlanEditError, match="Warm hand bath cannot be added"):
        add_home_exercise(draft, stage, "warm_water_soak", LIBRARY)
    moved = add_home_exercise(add_home_exercise(draft, stage, "wrist_circles", LIBRARY), stage, "piano_taps", LIBRARY)
    assert {"wrist_circles", "piano_taps"} <= set(items(moved, stage))
    assert "blood_thinners" in {p.rule_id for p in draft.precautions}


def test_c22_psoriasis_on_both_elbows_keeps_touch_off_either_elbow_and_the_diabetes_precaution_is_on():
    stroke = {"stroke_date": D - 20 * DAY, "stroke_type": "ischaemic", "affected_side": "left",
              "medically_stable_date": D - 18 * DAY, "cleared_by": "Dr Ray"}
    draft = plan_for("stroke", stroke, skin_condition=yes("elbow", side="both"), diabetes=yes())
    for stage in draft.stages:
        assert working_on(draft, stage.id, on("left", "elbow") | on("right", "elbow"), kinds=("touch",)) == []
    assert "diabetes" in {p.rule_id for p in draft.precautions}


def test_c25_cancer_under_treatment_gives_the_light_pressure_precaution():
    draft = plan_for("arthritis", OA_RIGHT, cancer_under_treatment=yes())
    assert "cancer_under_treatment" in {p.rule_id for p in draft.precautions}


LEFT_ARM = ("upper_arm", "elbow", "forearm", "wrist", "hand")


def test_c25_lymph_nodes_removed_on_the_left_and_a_port_on_the_right_chest_during_a_right_wrist_fracture_plan():
    """C25 in a fracture plan (the right wrist out of its cast): breast cancer under treatment, lymph nodes removed
    on the left, a port below the right collarbone. The body map has no chest: the port is marked on the right
    neck and shoulder, the nearest region, which the collar massage works on."""
    draft = plan_for("fracture", AFTER_CAST, cancer_under_treatment=yes(),
                     lymphoedema_risk=yes(*LEFT_ARM, side="left"),
                     fistula_line_or_port=yes("neck_shoulder", side="right"))
    precautions = {p.rule_id: p for p in draft.precautions}
    # Light pressure for the cancer, firm only with the oncologist's clearance.
    assert "cancer_under_treatment" in precautions
    assert "light pressure" in precautions["cancer_under_treatment"].therapist_text.lower()
    # The left arm: light strokes only; no kneading, tapping, heat or tight squeezing; on the left arm, in words.
    lymph = precautions["lymphoedema_risk"]
    assert set(lymph.regions) >= set(LEFT_ARM)
    for words in ("light strokes", "kneading", "tapping", "heat", "tight squeezing"):
        assert words in lymph.therapist_text
    assert "left" in lymph.patient_text and "light strokes" in lymph.patient_text
    # No pressure over the port: nothing touches or loads the right neck and shoulder, in any stage, and the
    # right hand's own plan goes on.
    assert [a.rule_id for a in draft.avoid] == ["fistula_line_or_port"]
    assert "fistula, line or port" in draft.avoid[0].patient_text
    for stage in draft.stages:
        assert working_on(draft, stage.id, on("right", "neck_shoulder"), kinds=("touch", "load")) == []
    collar = items(draft, "in_cast")["neck_shoulder_massage"]  # the stage that massages the collar region
    # the collar massage of the fracture's side keeps to the shoulder, clear of the port
    assert collar.leave_out == ("right:neck_shoulder",) and places(collar) == on("right", "shoulder")
    assert empty_plan_problems(draft) == []


def test_c28_a_fracture_of_the_right_wrist_during_a_left_stroke_plan_is_an_ordinary_finding_and_the_plan_goes_on():
    stroke = {"stroke_date": D - 20 * DAY, "stroke_type": "ischaemic", "affected_side": "left",
              "medically_stable_date": D - 18 * DAY, "cleared_by": "Dr Ray"}
    draft = plan_for("stroke", stroke, unhealed_fracture=yes("wrist", side="right"))
    assert [a.rule_id for a in draft.avoid] == ["unhealed_fracture"]
    assert draft.current_stage is not None and empty_plan_problems(draft) == []
    for stage in draft.stages:
        assert working_on(draft, stage.id, on("right", "wrist"), kinds=("touch", "passive_movement", "load")) == []
    # Self-massage of the left arm is done with the right hand, which must be kept free: left out, for a carer.
    self_massage = [r for s in draft.stages for r in s.removed if r.ref == "self_stroking_toward_elbow"]
    assert self_massage and all("done with the right hand" in r.reason and "carer" in r.reason
                                for r in self_massage)
    for stage in draft.stages:
        assert not [i.ref for i in stage.home if i.with_other_hand]


# --------------------------------------------------------------------------------------------
# Never an empty plan, and findings written for the new rules
# --------------------------------------------------------------------------------------------


def test_c31_when_findings_remove_every_item_of_the_current_stage_approval_is_refused_with_what_and_why():
    # Shipped stages always keep a safe item (test_never_empty_plan.py); a clinic's own rule that also
    # blocks active movement, marked on the whole right arm, empties the loading stage of a tendinitis.
    rules = _rules_with(_local("clinic_rule_no_exercise", ["touch", "passive_movement", "active_movement", "load"]))
    facts = {"tendon_area": "wrist_extensors", "affected_side": "right", "onset_date": D - 60 * DAY,
             "acute_over_date": D - 20 * DAY}
    whole_arm = ("hand", "wrist", "forearm", "elbow", "upper_arm", "shoulder", "neck_shoulder")
    draft = plan_for("tendinitis", facts, rules=rules, clinic_rule_no_exercise=yes(*whole_arm, side="right"))
    assert draft.current_stage == "loading"
    stage = draft.stage(draft.current_stage)
    assert stage.clinic == () and stage.home == ()
    [problem] = empty_plan_problems(draft)
    assert problem.startswith(f"Stage {stage.number} ({stage.title}) has nothing left to do")
    for removal in stage.removed:
        assert f"{removal.name}: It works on" in problem


def _rules_with(*extra: dict) -> RuleSet:
    raw = yaml.safe_load((ROOT / "protocols" / "contraindications.yaml").read_text(encoding="utf-8"))
    known = {item["id"] for item in raw["items"]}
    raw["items"] += [item for item in extra if item["id"] not in known]
    return parse_rules(raw, conditions=LIBRARY.case_facts())


def _local(rule_id: str, blocks: list[str]) -> dict:
    return {"id": rule_id, "group": "circulation", "question": f"{rule_id}?", "help": "Mark where.",
            "category": "local", "regions": "chosen", "blocks": blocks,
            "therapist_text": f"{rule_id.replace('_', ' ').capitalize()}.", "patient_text": "Do not massage {where}.",
            "source": "CLINICAL.md §2.1", "name": "a clinic's own finding"}


def test_c32_a_new_left_pacemaker_keeps_touch_and_arm_raising_off_the_shoulder_and_hand_work_goes_on():
    # CLINICAL.md §2.1: touch over the device and raising the arm above the shoulder (not raising the hand).
    rules = _rules_with(_local("recent_pacemaker", ["touch", "active_movement", "passive_movement"]))
    oa_left = {**OA_BOTH, "affected_side": "left"}
    draft = plan_for("arthritis", oa_left, rules=rules, recent_pacemaker=yes("shoulder", "neck_shoulder", side="left"))
    clean = plan_for("arthritis", oa_left)
    stage = draft.current_stage
    assert working_on(draft, stage, on("left", "shoulder", "neck_shoulder")) == []
    hand = on("left", "hand", "wrist")
    assert {r: places(i) & hand for r, i in items(draft, stage).items()} == {
        r: places(i) & hand for r, i in items(clean, stage).items()}


def test_c33_a_steroid_injection_in_the_right_thumb_side_tendon_blocks_load_there_for_two_weeks():
    rules = _rules_with(_local("recent_steroid_injection", ["load"]))
    facts = {"tendon_area": "thumb_side_wrist", "affected_side": "right", "onset_date": D - 60 * DAY,
             "acute_over_date": D - 40 * DAY}
    draft = plan_for("tendinitis", facts, rules=rules, recent_steroid_injection=yes("wrist", side="right"))
    stage = draft.current_stage
    assert working_on(draft, stage, on("right", "wrist"), kinds=("load",)) == []
    assert {r.ref for r in draft.stage(stage).removed} >= {"light_weight_wrist"}
    # Touch at the site after the first 48 hours stays.
    assert any(on("right", "wrist") & places(i) for r, i in items(draft, stage).items() if kind_of(r) == "touch")


def test_a_local_gate_of_the_protocols_own_condition_is_left_to_its_stages():
    # Screening turns "the acute period of a tendinitis" into a local gate (CLINICAL.md §2); without
    # regions it would block the whole arm. The tendinitis protocol owns it: its stages protect the tendon.
    gate = {"id": "tendinitis_acute_period", "name": "a sore tendon in its first days", "group": "condition",
            "conditions": ["tendinitis"], "category": "local",
            "regions": [], "blocks": ["touch", "passive_movement", "load", "heat_water"],
            "gate": {"until": [{"after": {"fact": "acute_over_date", "days": 0}}], "waits_for": ["acute_over_date"]},
            "therapist_text": "Acute tendinitis.", "patient_text": "Rest your {side} hand.",
            "source": "CLINICAL.md §3.3"}
    raw = yaml.safe_load((ROOT / "protocols" / "contraindications.yaml").read_text(encoding="utf-8"))
    raw["items"] = [gate if item["id"] == "tendinitis_acute_period" else item for item in raw["items"]]
    rules = parse_rules(raw, conditions=LIBRARY.case_facts())
    facts = {"tendon_area": "thumb_side_wrist", "affected_side": "right", "onset_date": D - 3 * DAY}
    draft = plan_for("tendinitis", facts, rules=rules)
    assert draft.avoid == () and draft.current_stage == "acute"
    assert working_on(draft, "acute", on("right", "wrist", "thumb_cmc"), kinds=("touch", "load")) == []
    assert {"hand_elevation", "shoulder_elbow_moves"} <= set(items(draft, "acute"))


def test_the_history_says_when_a_new_finding_narrows_an_item():
    from clinic.domain.planning import diff_plans, plan_to_canonical

    before = plan_for("fracture", AFTER_CAST)
    after = plan_for("fracture", AFTER_CAST, skin_condition=yes("index", side="right"))
    lines = diff_plans(plan_to_canonical(before), plan_to_canonical(after))
    assert "Stage 2, Stroking (effleurage): now leaves out the right index finger" in lines


# --------------------------------------------------------------------------------------------
# A sequence has one kind
# --------------------------------------------------------------------------------------------


def test_a_sequence_of_mixed_kinds_is_never_kept_where_one_of_its_steps_is_blocked():
    """A sequence is filtered as one item of its own kind: the 12-step stimulating massage is touch, although its
    hand-stretching step is passive movement. That is safe only while every local finding that blocks a step's
    kind also blocks the sequence's kind (then the step goes with the sequence over that place; a touch-only
    finding such as a skin condition also takes the stretch off it, which a hand therapist would do anyway: the
    stretch holds the skin), and every stage using it allows each step's kind on the protocol's own injury. This
    holds for the shipped data; a new finding or stage that breaks it fails here, before a passive stretch is kept
    on a place where passive movement is blocked."""
    mixed = {sid: {LIBRARY.techniques[step.technique].item_kind for step in seq.steps} - {seq.item_kind}
             for sid, seq in LIBRARY.sequences.items()}
    mixed = {sid: kinds for sid, kinds in mixed.items() if kinds}
    assert mixed == {"stimulating_massage": {"passive_movement"}, "hand_self_massage": {"active_movement"}}
    for sid, other_kinds in mixed.items():
        own = LIBRARY.sequences[sid].item_kind
        for rule in RULES.rules:
            if set(rule.blocks) & other_kinds:
                assert own in rule.blocks, (sid, rule.id)
        for protocol in LIBRARY.protocols.values():
            for stage in protocol.stages:
                if any(use.sequence == sid for use in (*stage.clinic, *stage.home)) and stage.injured_area:
                    assert other_kinds | {own} <= set(stage.injured_area), (protocol.id, stage.id, sid)
