"""Plan engine: tables per protocol, the clinical-safety properties (CS-01…CS-05, CS-09…CS-11), edits and diffs.

Every screening here comes from the real ``screen()`` with the shipped rules, and every protocol from
the shipped files, so no test can pass on a stub.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clinic.domain import bodymap
from clinic.domain.bodymap import Place
from clinic.domain.plan_filtering import leave_out_words
from clinic.domain.planning import (
    Clearance,
    Override,
    PlanBlocked,
    PlanDraft,
    PlanEditError,
    add_home_exercise,
    check_facts,
    diff_plans,
    format_day,
    generate_plan,
    local_problems,
    needs_review,
    plan_digest,
    plan_from_canonical,
    plan_to_canonical,
    remove_home_exercise,
    set_home_dose,
    set_notes,
)
from clinic.domain.protocols import BODY_REGIONS, HomeDose
from clinic.domain.screening import Answer, ScreeningResult, screen
from tests.helpers.planning import (
    DAY,
    GOOD_FACTS,
    LIBRARY,
    PROTOCOLS,
    QUESTIONS,
    ROOT,
    RULES,
    D,
    answers_for,
    override_for,
    plan,
    screened,
    yes,
)
from tests.helpers.properties import examples

ONE = dt.timedelta(days=1)

CLEARANCE = Clearance(by="Dr Okafor, GP", cleared_on=D(2026, 3, 18), note="Examined; massage may start.")


def windows(draft: PlanDraft) -> list[tuple[str, str, bool]]:
    return [(s.id, s.window, s.current) for s in draft.stages]


def regions_in_plan(draft: PlanDraft) -> set[str]:
    return {r for s in draft.stages for item in (*s.clinic, *s.home) for r in item.regions}


def sequence_regions(ref: str) -> set[str]:
    """Every region of every step of a sequence, straight from the library (empty for a technique)."""
    if ref in LIBRARY.sequences:
        return {r for step in LIBRARY.sequences[ref].steps for r in step.regions}
    return set()


# ---------------------------------------------------------------------------------------------
# Tables: facts + screening → stages, windows, current stage
# ---------------------------------------------------------------------------------------------

STAGE_TABLE = [
    pytest.param(
        "stroke", {}, DAY,
        [
            ("early", "from 5 March 2026", False),
            ("recovery", "from 8 March 2026", False),
            ("function", "from 12 March 2026", True),
        ],
        id="stroke-ischaemic-three-weeks-on",
    ),
    pytest.param(
        "stroke",
        {"stroke_date": D(2026, 3, 10), "stroke_type": "haemorrhagic", "medically_stable_date": D(2026, 3, 12)},
        DAY,
        [
            ("early", "from 17 March 2026", False),
            ("recovery", "from 17 March 2026", False),
            ("function", "from 19 March 2026", True),
        ],
        id="stroke-haemorrhagic-waits-for-day-7",
    ),
    pytest.param(
        "fracture", {}, DAY,
        [
            ("in_cast", "from 1 February 2026", False),
            ("after_cast", "from 15 March 2026", True),
            ("strengthening", "no date yet: when the doctor confirms healing", False),
        ],
        id="fracture-cast-off-healing-not-confirmed",
    ),
    pytest.param(
        "fracture", {"cast_removal_date": D(2026, 4, 2)}, DAY,
        [
            ("in_cast", "from 1 February 2026", True),
            ("after_cast", "from about 2 April 2026, when the cast is off", False),
            ("strengthening", "from about 2 April 2026, when the cast is off and the doctor confirms healing", False),
        ],
        id="fracture-cast-still-on-planned-removal",
    ),
    pytest.param(
        "fracture", {"healing_confirmed_date": D(2026, 3, 18), "treatment": "surgery"}, DAY,
        [
            ("in_cast", "from 1 February 2026", False),
            ("after_cast", "from 15 March 2026", False),
            ("strengthening", "from 18 March 2026", True),
        ],
        id="fracture-healed",
    ),
    pytest.param(
        "tendinitis", {}, DAY,
        [
            ("acute", "from 20 February 2026", False),
            ("settling_thumb_side", "from 10 March 2026", True),
            ("loading_thumb_side", "from 24 March 2026", False),
            ("back_to_activity", "from 7 April 2026", False),
        ],
        id="tendinitis-settling",
    ),
    pytest.param(
        "arthritis", {}, DAY,
        [
            ("mobility_osteoarthritis", "from 1 March 2026", False),
            ("self_care", "from 15 March 2026", True),
        ],
        id="osteoarthritis-settled-three-weeks",
    ),
    pytest.param(
        "arthritis", {"arthritis_type": "inflammatory_arthritis", "flare_settled_date": D(2026, 3, 12)}, DAY,
        [
            ("after_flare_arthritis", "from 12 March 2026", True),
            ("self_care", "from 26 March 2026", False),
        ],
        id="inflammatory-arthritis-after-flare",
    ),
    pytest.param(
        "arthritis", {"flare_settled_date": None}, DAY,
        [
            ("mobility_osteoarthritis", "no date yet: when the flare has settled", False),
            ("self_care", "no date yet: 14 days after the flare has settled", False),
        ],
        id="arthritis-flare-not-settled-no-stage-current",
    ),
    pytest.param(
        "bruise", {}, DAY,
        [
            ("protect", "from 14 March 2026", False),
            ("preparatory", "from 16 March 2026", False),
            ("direct", "from 18 March 2026", False),
            ("mobility", "from 18 March 2026", True),
        ],
        id="bruise-swelling-gone",
    ),
    pytest.param(
        "bruise", {"swelling_pain_gone_date": None}, DAY,
        [
            ("protect", "from 14 March 2026", False),
            ("preparatory", "from 16 March 2026", True),
            ("direct", "no date yet: when the swelling and pain have gone", False),
            ("mobility", "no date yet: when the swelling and pain have gone", False),
        ],
        id="bruise-still-swollen",
    ),
]


@pytest.mark.parametrize(("condition", "changes", "on", "expected"), STAGE_TABLE)
def test_each_protocol_gives_dated_stages_and_marks_the_current_one(condition, changes, on, expected):
    facts = {k: v for k, v in {**GOOD_FACTS[condition], **changes}.items() if v is not None}
    draft = plan(condition, facts, on)
    assert windows(draft) == expected
    current = [s.id for s in draft.stages if s.current]
    assert draft.current_stage == (current[0] if current else None)
    assert len(current) <= 1
    assert [s.number for s in draft.stages] == list(range(1, len(expected) + 1))


@pytest.mark.parametrize("condition", PROTOCOLS)
def test_a_plan_carries_the_protocol_identity_goals_doses_and_stop_signs(condition):
    protocol = LIBRARY.protocol(condition)
    draft = plan(condition)
    assert (draft.protocol_id, draft.protocol_version, draft.content_hash) == (
        protocol.id, protocol.version, protocol.content_hash,
    )
    for stage in draft.stages:
        source = protocol.stage(stage.id)
        assert stage.goals == source.goals
        assert stage.stop_and_call == source.stop_and_call and stage.stop_and_call
        assert stage.precautions == source.precautions
        assert stage.confirmations == source.starts.confirmations
        # The protocol's own injury keeps items of kinds its stage does not allow there out (listed as removed).
        removed = {r.ref for r in stage.removed}
        assert [(h.ref, h.dose) for h in stage.home] == [(h.ref, h.dose) for h in source.home if h.ref not in removed]
        assert [(c.ref, c.dose) for c in stage.clinic] == [
            (c.ref, c.dose) for c in source.clinic if c.ref not in removed]
        assert all(c.name for c in stage.clinic)
    assert draft.fact_values() == {k: v for k, v in GOOD_FACTS[condition].items()}
    assert draft.override is None and draft.clearance is None


def test_stages_that_do_not_apply_to_the_facts_are_left_out():
    osteo = plan("arthritis")
    inflammatory = plan("arthritis", {**GOOD_FACTS["arthritis"], "arthritis_type": "inflammatory_arthritis"})
    assert [s.id for s in osteo.stages] == ["mobility_osteoarthritis", "self_care"]
    assert [s.id for s in inflammatory.stages] == ["after_flare_arthritis", "self_care"]


def test_a_bruise_with_damaged_vessels_has_no_stage_even_after_clearance():
    facts = {**GOOD_FACTS["bruise"], "vessel_or_muscle_damage": "yes"}
    result = screened("bruise", facts)
    assert result.decision == "refer"
    with pytest.raises(PlanBlocked, match="No stage of bruise applies.*vessel_or_muscle_damage is yes"):
        plan("bruise", facts, screening=result, clearance=CLEARANCE)


def test_format_day_does_not_depend_on_the_locale():
    assert format_day(D(2026, 3, 14)) == "14 March 2026"
    assert format_day(D(2026, 12, 1)) == "1 December 2026"


# ---------------------------------------------------------------------------------------------
# Fail closed: screening decisions
# ---------------------------------------------------------------------------------------------


def test_defer_without_an_override_gives_no_plan():
    result = screened("fracture", uncontrolled_blood_pressure=yes())
    assert result.decision == "defer"
    with pytest.raises(PlanBlocked, match="do not treat.*blood pressure that is not under control.*override"):
        plan("fracture", screening=result)


def test_defer_with_a_valid_override_gives_a_plan_that_carries_it():
    result = screened("fracture", fever=yes())
    override = override_for(result)
    draft = plan("fracture", screening=result, override=override)
    assert draft.override == override
    assert plan_to_canonical(draft)["plan"]["override"]["reason"] == override.reason


def test_the_bruise_gate_is_local_so_a_plan_is_made_and_the_massage_stage_keeps_its_day():
    """Changed on purpose: protocol gates guard the injured area, never the whole patient (CLINICAL.md §2)."""
    facts = {**GOOD_FACTS["bruise"], "injury_date": D(2026, 3, 19), "swelling_pain_gone_date": None}
    result = screened("bruise", facts)
    assert result.decision == "local" and [f.rule_id for f in result.findings] == ["bruise_first_days"]
    draft = plan("bruise", facts, screening=result)
    assert draft.stage("preparatory").window == "from 21 March 2026"


def test_refer_without_a_clearance_gives_no_plan_and_with_one_carries_it():
    result = screened("tendinitis", suspected_malignancy=yes())
    assert result.decision == "refer"
    with pytest.raises(PlanBlocked, match="refer first.*suspected_malignancy"):
        plan("tendinitis", screening=result)
    draft = plan("tendinitis", screening=result, clearance=CLEARANCE)
    assert draft.clearance == CLEARANCE


@pytest.mark.parametrize(
    ("clearance", "message"),
    [
        (Clearance(by="", cleared_on=D(2026, 3, 18), note="ok to start"), "who cleared"),
        (Clearance(by="Dr Okafor", cleared_on=D(2026, 3, 18), note="  "), "no note"),
        (Clearance(by="Dr Okafor", cleared_on=D(2026, 3, 21), note="ok"), "after the plan date"),
        (Clearance(by="Dr Okafor", cleared_on=None, note="ok"), "no date"),  # type: ignore[arg-type]
    ],
)
def test_a_clearance_needs_who_when_and_a_note(clearance, message):
    result = screened("stroke", suspected_fracture_not_assessed=yes())
    with pytest.raises(PlanBlocked, match=message):
        plan("stroke", screening=result, clearance=clearance)


def test_a_stroke_not_yet_declared_stable_is_referred():
    facts = {**GOOD_FACTS["stroke"]}
    del facts["medically_stable_date"]
    result = screened("stroke", facts)
    assert result.decision == "refer"
    with pytest.raises(PlanBlocked) as blocked:
        plan("stroke", facts, screening=result, clearance=CLEARANCE)
    assert "Missing case fact: On what date did the medical team declare the patient medically stable?" in str(
        blocked.value)


def test_an_incomplete_screening_lists_every_open_item():
    facts = {**GOOD_FACTS["bruise"], "vessel_or_muscle_damage": "not_known"}
    answers = answers_for("bruise", diabetes=Answer("not_known"), open_wound=yes())
    del answers["fever"]
    result = screen(answers, facts, RULES, DAY, condition="bruise")
    assert result.decision == "incomplete"
    with pytest.raises(PlanBlocked) as blocked:
        plan("bruise", facts, screening=result)
    text = str(blocked.value)
    for name in ("fever", "diabetes", "“Could large blood vessels or muscles be damaged?”", "open_wound"):
        assert name in text  # a case fact by its question (the rules' ids are the screening part's)
    assert 'Unanswered screening questions: fever.' in blocked.value.problems
    assert 'Screening questions answered "not known": diabetes.' in blocked.value.problems


def test_open_items_block_even_when_an_absolute_finding_is_overridden():
    answers = answers_for("fracture", fever=yes())
    del answers["open_wound"]
    result = screen(answers, GOOD_FACTS["fracture"], RULES, DAY, condition="fracture")
    assert result.decision == "defer"
    with pytest.raises(PlanBlocked, match="Unanswered screening questions: open_wound"):
        plan("fracture", screening=result, override=override_for(result))


def test_a_screening_for_another_condition_gives_no_plan():
    result = screen(answers_for("stroke"), GOOD_FACTS["fracture"], RULES, DAY, condition="fracture")
    with pytest.raises(PlanBlocked, match="screening was for fracture, not for stroke"):
        plan("stroke", screening=result)
    general = screen(answers_for("stroke"), {}, RULES, DAY, condition=None)
    with pytest.raises(PlanBlocked, match="screening was for no condition"):
        plan("stroke", screening=general)


def test_a_screening_after_the_plan_date_or_past_its_validity_gives_no_plan():
    later = screened("fracture", on=DAY + ONE)
    with pytest.raises(PlanBlocked, match="after the plan date"):
        plan("fracture", screening=later)
    with pytest.raises(PlanBlocked, match="expired on 19 March 2026"):
        plan("fracture", screening=screened("fracture"), screening_valid_until=DAY - ONE)
    assert plan("fracture", screening_valid_until=DAY).current_stage == "after_cast"


# ---------------------------------------------------------------------------------------------
# CS-01: ≥ 10,000 generated patients with an absolute contraindication, 0 plans without an override
# ---------------------------------------------------------------------------------------------

ABSOLUTE_QUESTIONS = {c: [r.id for r in QUESTIONS[c] if r.category == "absolute"] for c in PROTOCOLS}


@st.composite
def patient_with_absolute_finding(draw):
    """A patient with a 'yes' to an absolute rule and, from a drawn seed, other answers and shifted dates.

    Hypothesis draws only a few values (condition, the absolute rule, the day, a seed); the seed
    fills in the other 20-40 answers. Drawing each answer through Hypothesis took 12 ms an example,
    too slow for 10,000 examples in a unit test.
    """
    condition = draw(st.sampled_from(PROTOCOLS))
    forced = draw(st.sampled_from(ABSOLUTE_QUESTIONS[condition]))
    on = DAY + dt.timedelta(days=draw(st.integers(-3, 3)))
    rng = random.Random(draw(st.integers(0, 2**32)))  # noqa: S311 - test data, not secrets
    # Half the patients are fully screened, so plenty reach the override check itself.
    values = ("no",) * 8 + ("yes",) + (("not_known", "unanswered") if rng.random() < 0.5 else ())
    answers = {}
    for rule in QUESTIONS[condition]:
        # An urgent refer outranks "do not treat today" (never overridable): this property is about defer.
        value = rng.choice(values) if rule.category != "urgent_refer" else "no"
        if value == "yes":
            regions = tuple(rng.sample(BODY_REGIONS, rng.randint(1, 3))) if rule.chosen_regions else ()
            answers[rule.id] = Answer("yes", regions=regions, side=rng.choice((None, "left", "right", "both")))
        elif value != "unanswered":
            answers[rule.id] = Answer(value)
    answers[forced] = Answer("yes")
    shift = dt.timedelta(days=rng.randint(-30, 5) if rng.random() < 0.3 else 0)
    facts = {
        k: v + shift if isinstance(v, dt.date) and rng.random() < 0.5 else v
        for k, v in GOOD_FACTS[condition].items()
    }
    return condition, answers, facts, on


OVERRIDE_KINDS = ("none", "valid", "short", "role", "nobody", "unnamed", "before_screening", "future")


def make_override(kind: str, result: ScreeningResult, on: dt.date) -> Override | None:
    if kind == "none":
        return None
    valid = override_for(result, on)
    absolute = [f.rule_id for f in result.findings if f.category == "absolute"]
    return {
        "valid": valid,
        "short": dataclasses.replace(valid, reason=absolute[0][:19]),
        "role": dataclasses.replace(valid, role="reception"),
        "nobody": dataclasses.replace(valid, by="  "),
        "unnamed": dataclasses.replace(valid, reason="The patient insisted very much on having massage today."),
        "before_screening": dataclasses.replace(valid, recorded_on=result.on_date - ONE),
        "future": dataclasses.replace(valid, recorded_on=on + ONE),
    }[kind]


def independently_valid(override: Override | None, result: ScreeningResult, on: dt.date) -> bool:
    """The CS-02 rule, written again here so the property does not trust the engine's own check."""
    if override is None:
        return False
    reason = override.reason.lower()
    return (
        override.by.strip() != ""
        and override.role == "therapist"
        and len(override.reason.strip()) >= 20
        and result.on_date <= override.recorded_on <= on
        and all(
            f.rule_id in reason or f.rule_id.replace("_", " ") in reason
            for f in result.findings
            if f.category == "absolute"
        )
    )


@settings(max_examples=examples(10_000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patient_with_absolute_finding(), kind=st.sampled_from(OVERRIDE_KINDS))
def test_cs01_no_plan_for_an_absolute_contraindication_without_a_valid_override(patient, kind):
    condition, answers, facts, on = patient
    result = screen(answers, facts, RULES, on, condition=condition)
    assert result.decision == ("refer" if result.urgent else "defer")
    override = make_override(kind, result, on)
    try:
        draft = generate_plan(
            LIBRARY.protocol(condition), facts, result, on, library=LIBRARY, override=override,
            clearance=CLEARANCE if CLEARANCE.cleared_on <= on else None,
        )
    except PlanBlocked as blocked:
        assert blocked.problems
        event("blocked")
        return
    event("plan made")
    assert not result.urgent, "an urgent refer finding is never lifted by an override or a clearance"
    assert kind == "valid"
    assert independently_valid(override, result, on)
    assert draft.override == override


# ---------------------------------------------------------------------------------------------
# CS-02: an override needs who, a therapist's role, and a reason naming the contraindication
# ---------------------------------------------------------------------------------------------

# Uncontrolled blood pressure: an absolute finding (a suspected clot is an urgent refer and never overridden).
BLOOD_CLOT = screened("stroke", uncontrolled_blood_pressure=yes(), fever=yes())


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (None, "record an override"),
        (Override("", "therapist", "uncontrolled_blood_pressure and fever ruled out by the GP", DAY), "who recorded"),
        (Override("Sam Lee", "reception", "uncontrolled_blood_pressure and fever ruled out by the GP", DAY),
         "therapist"),
        (Override("Sam Lee", "admin", "uncontrolled_blood_pressure and fever ruled out by the GP", DAY), "therapist"),
        (Override("Sam Lee", "therapist", "fever, clot: fine", DAY), "at least 20 characters"),
        (Override("Sam Lee", "therapist", "Rechecked today, it was a misreading, GP agrees.", DAY),
         "name the contraindication uncontrolled_blood_pressure"),
        (Override("Sam Lee", "therapist", "The fever has gone, the GP says the patient is well.", DAY),
         "name the contraindication uncontrolled_blood_pressure"),
        (Override("Sam Lee", "therapist", "Uncontrolled blood pressure: now 130/80 on recheck.", DAY),
         "name the contraindication fever"),
        (Override("Sam Lee", "therapist", "uncontrolled_blood_pressure and fever ruled out by the GP", DAY - ONE),
         "older than the screening"),
        (Override("Sam Lee", "therapist", "uncontrolled_blood_pressure and fever ruled out by the GP", DAY + ONE),
         "after the plan date"),
    ],
)
def test_cs02_override_needs_reason_naming_the_contraindication(override, message):
    with pytest.raises(PlanBlocked, match=message):
        plan("stroke", screening=BLOOD_CLOT, override=override)


@pytest.mark.parametrize(
    "reason",
    [
        "uncontrolled_blood_pressure and fever: both ruled out by the GP this morning.",
        "Uncontrolled Blood Pressure was a cuff error; FEVER was a misreading.",
    ],
)
def test_cs02_an_override_naming_each_contraindication_by_id_or_words_is_accepted_and_printed(reason):
    override = Override("Sam Lee", "therapist", reason, DAY)
    draft = plan("stroke", screening=BLOOD_CLOT, override=override)
    assert draft.override == override
    assert plan_from_canonical(plan_to_canonical(draft)).override == override


def test_cs02_an_override_choosing_each_finding_needs_no_names_in_its_reason_and_carries_the_plain_words():
    reason = "Rechecked twice, now normal; GP agrees by phone."
    names = ("blood pressure that is not under control", "a raised temperature")
    chosen = Override("Anna Berg", "therapist", reason, DAY, ("uncontrolled_blood_pressure", "fever"), names)
    draft = plan("stroke", screening=BLOOD_CLOT, override=chosen)
    assert plan_from_canonical(plan_to_canonical(draft)).override == chosen
    partly = Override("Anna Berg", "therapist", reason, DAY, ("fever",), names[1:])
    with pytest.raises(PlanBlocked, match="does not choose the contraindication blood pressure that is not under"):
        plan("stroke", screening=BLOOD_CLOT, override=partly)


def test_a_plan_stored_before_overrides_kept_their_chosen_findings_still_reads():
    draft = plan("stroke", screening=BLOOD_CLOT, override=Override(
        "Sam Lee", "therapist", "uncontrolled_blood_pressure and fever ruled out by the GP", DAY))
    canonical = plan_to_canonical(draft)
    for key in ("rule_ids", "names"):
        del canonical["plan"]["override"][key]
    assert plan_from_canonical(canonical).override == draft.override


@pytest.mark.parametrize("urgent", ["suspected_blood_clot", "hand_infection", "sudden_weakness"])
def test_an_urgent_refer_finding_blocks_the_plan_whatever_override_or_clearance_is_recorded(urgent):
    result = screened("stroke", **{urgent: yes()})
    assert (result.decision, result.urgent) == ("refer", True)
    with pytest.raises(PlanBlocked, match="may be an emergency. Send the patient to A&E"):
        plan("stroke", screening=result, clearance=CLEARANCE,
             override=Override("Sam Lee", "therapist", f"{urgent} ruled out, patient is well", DAY, (urgent,)))


def test_cs02_an_override_is_not_carried_when_nothing_needed_overriding():
    draft = plan("stroke", override=Override("Sam Lee", "therapist", "no reason needed here at all", DAY))
    assert draft.override is None


# ---------------------------------------------------------------------------------------------
# CS-03: a local contraindication in region R leaves 0 techniques on R, also after edits
# ---------------------------------------------------------------------------------------------

LOCAL_RULES = [r.id for r in RULES.rules if r.category == "local" and r.question]


def library_kind(ref: str) -> str:
    """An item's kind straight from the library, not from the plan."""
    found = LIBRARY.techniques.get(ref) or LIBRARY.sequences.get(ref)
    return found.item_kind


def places_of(item) -> set[Place]:
    """Where an item works in the plan: its regions (every step of a sequence) on its sides, less what it leaves out."""
    regions = set(item.regions) | sequence_regions(item.ref)
    every = bodymap.places(regions, item.sides or bodymap.SIDES)
    left_out = set()
    for code in item.leave_out:
        side, _, region = code.partition(":")
        left_out |= bodymap.places([region], [side])
    return set(every) - left_out


def breaches(draft: PlanDraft, findings) -> list[str]:
    """Items of a kind a finding blocks that still work on its places: (rule, regions, side) triples."""
    out = []
    for rule_id, regions, side in findings:
        blocks = set(RULES.get(rule_id).blocks)
        forbidden = bodymap.places(regions, bodymap.parse_side(side))
        for stage in draft.stages:
            for item in (*stage.clinic, *stage.home):
                if library_kind(item.ref) in blocks and places_of(item) & forbidden:
                    out.append(f"{stage.id}: {item.ref} on {sorted(places_of(item) & forbidden)} ({rule_id})")
    return out


def test_cs03_a_wound_on_the_right_wrist_narrows_massage_and_keeps_movement_and_raising_the_hand():
    result = screened("fracture", open_wound=yes("wrist", side="right"))
    draft = plan("fracture", screening=result)
    assert breaches(draft, [("open_wound", ("wrist",), "right")]) == []
    after_cast = draft.stage("after_cast")
    # An open wound blocks touch, load and heat there (CLINICAL.md §2.1): moving the wrist and raising
    # the hand are not massage, so they stay.
    assert [h.ref for h in after_cast.home] == [
        "balls_in_palm", "piano_taps", "wrist_circles", "hand_elevation", "forearm_turns", "tendon_glides"]
    stroking = next(c for c in after_cast.clinic if c.ref == "stroking")
    assert stroking.leave_out == ("right:wrist",)
    assert leave_out_words(stroking) == "Leave out the right wrist."
    assert stroking.leave_out_reason.startswith("Broken skin.")
    assert "passive_movements" in {c.ref for c in after_cast.clinic}
    assert [a.patient_text for a in draft.avoid] == ["Do not massage your right wrist until the skin has healed."]


def test_cs03_an_item_with_nothing_left_is_removed_with_the_finding_that_removed_it():
    result = screened("fracture", open_wound=yes("wrist", "forearm", side="right"))
    draft = plan("fracture", {**GOOD_FACTS["fracture"], "healing_confirmed_date": D(2026, 3, 18)}, screening=result)
    strengthening = draft.stage("strengthening")
    left_out = {r.ref: r for r in strengthening.removed}
    # Wrist lifts with a weight load only the right wrist and forearm: nothing is left of them.
    assert left_out["light_weight_wrist"].rule_ids == ("open_wound",)
    assert left_out["light_weight_wrist"].reason.startswith("It works on the right forearm and the right wrist.")
    with pytest.raises(PlanEditError, match="Wrist lifts with a light weight cannot be added. It works on"):
        add_home_exercise(draft, "strengthening", "light_weight_wrist", LIBRARY)


def test_cs03_a_sequence_counts_as_touching_every_region_of_its_steps():
    result = screened("fracture", skin_condition=yes("thumb", side="right"))
    draft = plan("fracture", {**GOOD_FACTS["fracture"], "healing_confirmed_date": D(2026, 3, 18)}, screening=result)
    massage = next(c for c in draft.stage("strengthening").clinic if c.ref == "stimulating_massage")
    assert massage.leave_out == ("right:thumb",)


def test_cs03_a_local_finding_on_the_other_side_leaves_the_treated_side_alone():
    # Per side (issue 12): a left forearm finding does not touch a plan for the right wrist.
    result = screened("fracture", varicose_veins=yes("forearm", side="left"))
    draft = plan("fracture", screening=result)
    clean = plan("fracture")
    for stage, same in zip(draft.stages, clean.stages, strict=True):
        assert stage.clinic == same.clinic and stage.home == same.home and stage.removed == ()


def test_cs03_one_finger_joint_narrows_finger_work_to_the_rest_of_the_hand():
    result = screened("arthritis", skin_condition=yes("index_pip", side="right"))
    draft = plan("arthritis", screening=result)
    kneading = next(c for c in draft.stage("mobility_osteoarthritis").clinic if c.ref == "kneading_joints")
    assert kneading.leave_out == ("right:index_pip",)
    assert leave_out_words(kneading) == "Leave out the right index finger's middle joint."
    assert breaches(draft, [("skin_condition", ("index_pip",), "right")]) == []


@settings(max_examples=examples(300), deadline=None)
@given(
    condition=st.sampled_from(PROTOCOLS),
    findings=st.lists(
        st.tuples(
            st.sampled_from(LOCAL_RULES),
            st.lists(st.sampled_from(bodymap.REGIONS), min_size=1, max_size=3, unique=True),
            st.sampled_from((None, "left", "right", "both")),
        ),
        min_size=1, max_size=3, unique_by=lambda f: f[0],
    ),
    edits=st.lists(st.sampled_from(sorted([*LIBRARY.techniques, *LIBRARY.sequences])), max_size=6),
)
def test_cs03_property_no_item_of_a_blocked_kind_on_a_blocked_place_and_position_education_never_removed(
    condition, findings, edits
):
    special = {rule_id: yes(*regions, side=side) for rule_id, regions, side in findings}
    result = screened(condition, **special)
    assert result.decision == "local"
    draft = plan(condition, screening=result)
    owned = {a.rule_id for a in draft.avoid}

    def check(d: PlanDraft) -> None:
        assert breaches(d, [f for f in findings if f[0] in owned]) == []
        assert local_problems(d) == []
        for stage in d.stages:
            for removal in stage.removed:
                assert library_kind(removal.ref) not in ("position", "education"), removal
                assert removal.reason

    check(draft)
    for stage in draft.stages:
        source = LIBRARY.protocol(condition).stage(stage.id)
        kept = [*stage.clinic, *stage.home]
        assert len(kept) + len(stage.removed) == len(source.clinic) + len(source.home)
    for i, ref in enumerate(edits):
        stage_id = draft.stages[i % len(draft.stages)].id
        try:
            draft = add_home_exercise(draft, stage_id, ref, LIBRARY)
        except PlanEditError as refused:
            assert str(refused)
        check(draft)
    check(plan_from_canonical(plan_to_canonical(draft)))


def test_cs03_a_stored_plan_with_an_item_on_a_local_region_is_refused():
    result = screened("fracture", open_wound=yes("wrist", side="right"))
    canonical = plan_to_canonical(plan("fracture", screening=result))
    clean = plan_to_canonical(plan("fracture"))
    tampered = json.loads(json.dumps(canonical))
    tampered["plan"]["stages"][1]["clinic"] = clean["plan"]["stages"][1]["clinic"]
    with pytest.raises(ValueError, match="Stroking.*It works on the right wrist. Broken skin"):
        plan_from_canonical(tampered)


# ---------------------------------------------------------------------------------------------
# Relative findings become precautions on the stages they affect
# ---------------------------------------------------------------------------------------------


def test_a_relative_finding_without_regions_is_attached_to_every_stage():
    result = screened("stroke", blood_thinners=yes(), diabetes=yes())
    assert result.decision == "caution"
    draft = plan("stroke", screening=result)
    for stage in draft.stages:
        assert [p.rule_id for p in stage.screening_precautions] == ["diabetes", "blood_thinners"]
    assert draft.precautions[1].patient_text.startswith("Use light pressure only.")


def test_a_relative_finding_with_regions_is_attached_only_to_stages_working_there():
    result = screened("tendinitis", reduced_sensation=yes("shoulder", side="right"))
    draft = plan("tendinitis", screening=result)
    attached = {s.id: [p.rule_id for p in s.screening_precautions] for s in draft.stages}
    assert attached["acute"] == ["reduced_sensation"]  # shoulder and elbow moves
    for stage in draft.stages:
        used = {r for item in (*stage.clinic, *stage.home) for r in item.regions}
        assert attached[stage.id] == (["reduced_sensation"] if "shoulder" in used else [])
    assert [p.rule_id for p in draft.precautions] == ["reduced_sensation"]


def test_adding_an_exercise_on_a_precaution_region_attaches_the_precaution():
    result = screened("tendinitis", reduced_sensation=yes("shoulder", side="right"))
    draft = plan("tendinitis", screening=result)
    assert draft.stage("loading_thumb_side").screening_precautions == ()
    edited = add_home_exercise(draft, "loading_thumb_side", "shoulder_elbow_moves", LIBRARY)
    assert [p.rule_id for p in edited.stage("loading_thumb_side").screening_precautions] == ["reduced_sensation"]


# ---------------------------------------------------------------------------------------------
# CS-04: missing or impossible facts block, naming each one
# ---------------------------------------------------------------------------------------------

def q(condition: str, name: str) -> str:
    """A case fact as the therapist reads it in a message: its question, in quotes."""
    return f"“{LIBRARY.protocol(condition).fact(name).question}”"


# Facts are named by the questions the therapist answered, never by their internal names.
FACT_PROBLEMS = [
    pytest.param("fracture", {"fracture_date": None}, ["Missing case fact: When was the bone broken?"],
                 id="missing-fracture-date"),
    pytest.param("fracture", {"fracture_date": D(2026, 3, 21)},
                 [f"{q('fracture', 'fracture_date')} is 21 March 2026, after the plan date",
                  f"{q('fracture', 'cast_removal_date')} (15 March 2026) is before"],
                 id="fracture-tomorrow"),
    pytest.param("fracture", {"cast_removal_date": D(2026, 1, 20)},
                 [f"Impossible dates: {q('fracture', 'cast_removal_date')} (20 January 2026) is before "
                  f"{q('fracture', 'fracture_date')} (1 February 2026)"],
                 id="cast-off-before-fracture"),
    pytest.param("fracture", {"healing_confirmed_date": D(2026, 1, 30)},
                 [f"{q('fracture', 'healing_confirmed_date')} (30 January 2026) is before "
                  f"{q('fracture', 'fracture_date')}"],
                 id="healed-before-fracture"),
    pytest.param("fracture", {"healing_confirmed_date": D(2026, 3, 25)},
                 [f"{q('fracture', 'healing_confirmed_date')} is 25 March 2026, after the plan date"],
                 id="healed-in-future"),
    pytest.param("fracture", {"bone": "femur"},
                 [f"{q('fracture', 'bone')} must be one of: Wrist (distal radius), Scaphoid"], id="bone-not-an-option"),
    pytest.param("fracture", {"affected_side": "middle"},
                 [f"{q('fracture', 'affected_side')} must be one of: left, right"], id="no-such-side"),
    pytest.param("fracture", {"fracture_date": "2026-02-01"},
                 [f"{q('fracture', 'fracture_date')} must be a date"], id="date-as-text"),
    pytest.param("fracture", {"fracture_date": dt.datetime(2026, 2, 1, 23, 30, tzinfo=dt.UTC)},
                 [f"{q('fracture', 'fracture_date')} must be a date (a day, no time)"], id="datetime-with-zone"),
    pytest.param("fracture", {"fracture_date": D(1899, 12, 31)}, ["before 1900"], id="date-before-1900"),
    pytest.param("fracture", {"colour": "blue"}, ["Unknown case fact 'colour'"], id="unknown-fact"),
    pytest.param("stroke", {"stroke_type": None, "cleared_by": " "},
                 ["Missing case fact: What type of stroke was it?", f"{q('stroke', 'cleared_by')} must be text"],
                 id="stroke-type-and-who-cleared"),
    pytest.param("stroke", {"medically_stable_date": D(2026, 2, 27)},
                 [f"{q('stroke', 'medically_stable_date')} (27 February 2026) is before "
                  f"{q('stroke', 'stroke_date')}"],
                 id="stable-before-stroke"),
    pytest.param("tendinitis", {"onset_date": D(2026, 3, 25), "tendon_area": "elbow"},
                 [f"{q('tendinitis', 'onset_date')} is 25 March 2026",
                  f"{q('tendinitis', 'tendon_area')} must be one of",
                  f"{q('tendinitis', 'acute_over_date')} (10 March 2026) is before"],
                 id="tendinitis-onset-future-and-area"),
    pytest.param("arthritis", {"joints": None, "arthritis_type": "gout"},
                 ["Missing case fact: Which joints are affected?",
                  f"{q('arthritis', 'arthritis_type')} must be one of: Arthritis (inflamed joint lining"],
                 id="arthritis-joints-and-type"),
    pytest.param("bruise", {"swelling_pain_gone_date": D(2026, 3, 10)},
                 [f"{q('bruise', 'swelling_pain_gone_date')} (10 March 2026) is before {q('bruise', 'injury_date')} "
                  "(14 March 2026)"],
                 id="swelling-gone-before-injury"),
    pytest.param("bruise", {"vessel_or_muscle_damage": "maybe", "injury_date": None},
                 [f"{q('bruise', 'vessel_or_muscle_damage')} must be one of: Yes, No, Not known",
                  "Missing case fact: When did the injury happen?"],
                 id="bruise-damage-and-date"),
]


@pytest.mark.parametrize(("condition", "changes", "expected"), FACT_PROBLEMS)
def test_cs04_missing_or_impossible_facts_block_with_names(condition, changes, expected):
    facts = {k: v for k, v in {**GOOD_FACTS[condition], **changes}.items() if v is not None}
    # A clean screening, so only the facts can block (the screening of impossible facts would block too).
    result = screened(condition)
    with pytest.raises(PlanBlocked) as blocked:
        plan(condition, facts, screening=result)
    text = str(blocked.value)
    for part in expected:
        assert part in text, text
    assert len(blocked.value.problems) >= len(expected)
    assert check_facts(LIBRARY.protocol(condition), facts, DAY)


def test_cs04_a_planned_cast_removal_date_may_be_in_the_future():
    facts = {**GOOD_FACTS["fracture"], "cast_removal_date": D(2026, 5, 1)}
    assert check_facts(LIBRARY.protocol("fracture"), facts, DAY) == []


def test_cs04_a_plan_date_with_a_time_is_refused():
    with pytest.raises(PlanBlocked, match="a day"):
        generate_plan(
            LIBRARY.protocol("fracture"), GOOD_FACTS["fracture"], screened("fracture"),
            dt.datetime(2026, 3, 20, 9, 0), library=LIBRARY,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("condition", PROTOCOLS)
def test_cs04_every_required_fact_left_out_is_named(condition):
    protocol = LIBRARY.protocol(condition)
    with pytest.raises(PlanBlocked) as blocked:
        plan(condition, {}, screening=screened(condition))
    for fact in protocol.facts:
        assert (f"Missing case fact: {fact.question}" in str(blocked.value)) == fact.required


# ---------------------------------------------------------------------------------------------
# CS-05: a stage is never current or started before its earliest day
# ---------------------------------------------------------------------------------------------


def cs05_cases():
    for condition in PROTOCOLS:
        for stage in plan(condition).stages:
            if stage.firm:
                yield pytest.param(condition, stage.id, stage.earliest, id=f"{condition}-{stage.id}")


def plan_on(condition: str, on: dt.date) -> PlanDraft | None:
    """The plan on ``on`` with a screening that day, overriding and clearing whatever it finds."""
    protocol = LIBRARY.protocol(condition)
    # Dates not yet known that day (the swelling has not gone yet) are left out, as the therapist would.
    facts = {
        k: v for k, v in GOOD_FACTS[condition].items()
        if not (isinstance(v, dt.date) and v > on and not protocol.fact(k).required)
    }
    result = screened(condition, facts, on=on)
    try:
        return plan(condition, facts, on=on, screening=result, override=override_for(result, on),
                    clearance=dataclasses.replace(CLEARANCE, cleared_on=on))
    except PlanBlocked as blocked:
        assert any("after the plan date" in p for p in blocked.problems), blocked.problems
        return None


@pytest.mark.parametrize(("condition", "stage_id", "earliest"), list(cs05_cases()))
def test_cs05_stage_boundaries_min_minus_one_min_min_plus_one(condition, stage_id, earliest):
    before = plan_on(condition, earliest - ONE)
    if before is not None:  # None: a fact dated on the stage's first day would be in the future
        stage = before.stage(stage_id)
        assert not stage.current and not stage.date_reached
        assert before.current_stage != stage_id
    for on in (earliest, earliest + ONE):
        draft = plan_on(condition, on)
        assert draft is not None
        stage = draft.stage(stage_id)
        assert stage.date_reached and stage.earliest == earliest
        later_reached = [s for s in draft.stages if s.number > stage.number and s.date_reached]
        assert stage.current == (not later_reached)


@settings(max_examples=examples(500), deadline=None)
@given(condition=st.sampled_from(PROTOCOLS), days=st.integers(-60, 60))
def test_cs05_no_stage_is_current_before_its_earliest_day_on_any_date(condition, days):
    draft = plan_on(condition, DAY + dt.timedelta(days=days))
    if draft is None:
        return
    for stage in draft.stages:
        if stage.current or stage.date_reached:
            assert stage.firm and stage.earliest is not None and stage.earliest <= draft.on_date
    assert sum(s.current for s in draft.stages) <= 1


# ---------------------------------------------------------------------------------------------
# CS-10 and CS-09: determinism, canonical JSON, digest, round trip
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("condition", PROTOCOLS)
def test_cs10_same_inputs_identical_plan(condition):
    special = {"open_wound": yes("palm", "thumb", side="left"), "diabetes": yes(), "reduced_sensation": yes("fingers")}
    first = plan(condition, screening=screened(condition, **special))
    second = plan(condition, screening=screened(condition, **special))
    assert first == second
    assert json.dumps(plan_to_canonical(first)) == json.dumps(plan_to_canonical(second))
    assert plan_digest(plan_to_canonical(first)) == plan_digest(plan_to_canonical(second))


_DIGEST_SCRIPT = """
import datetime as dt, sys
sys.path.insert(0, {root!r})
from tests.helpers.planning import plan, screened, yes
from clinic.domain.planning import plan_digest, plan_to_canonical
for c in ("arthritis", "bruise", "fracture", "stroke", "tendinitis"):
    r = screened(c, open_wound=yes("palm", "wrist", side="left"), reduced_sensation=yes("fingers"), diabetes=yes())
    print(plan_digest(plan_to_canonical(plan(c, screening=r))))
"""


def test_cs10_the_digest_does_not_depend_on_the_hash_seed_of_the_process():
    digests = []
    for seed in ("1", "4242"):
        result = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT.format(root=str(ROOT))],
            cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stderr
        digests.append(result.stdout)
    assert digests[0] == digests[1]
    assert len(set(digests[0].split())) == 5


def test_cs09_the_canonical_json_is_plain_sorted_and_names_the_protocol():
    draft = plan("fracture", screening=screened("fracture", open_wound=yes("wrist", side="right")))
    canonical = plan_to_canonical(draft)
    assert json.loads(json.dumps(canonical)) == canonical

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            assert list(value) == sorted(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            assert value is None or isinstance(value, str | int | bool)

    walk(canonical)
    body = canonical["plan"]
    protocol = LIBRARY.protocol("fracture")
    assert (body["protocol_id"], body["protocol_version"], body["content_hash"]) == (
        "fracture", protocol.version, protocol.content_hash,
    )
    assert body["on_date"] == "2026-03-20"
    assert body["stages"][1]["earliest"] == "2026-03-15"
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    import hashlib

    assert plan_digest(canonical) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_cs09_digest_changes_when_a_dose_changes():
    draft = plan("fracture")
    before = plan_digest(plan_to_canonical(draft))
    exercise = draft.stage("after_cast").home[1]
    changed = set_home_dose(draft, "after_cast", 1, dataclasses.replace(exercise.dose, minutes=3))
    assert plan_digest(plan_to_canonical(changed)) != before
    back = set_home_dose(changed, "after_cast", 1, exercise.dose)
    assert plan_digest(plan_to_canonical(back)) == before


def test_cs09_digest_changes_with_the_protocol_version_or_hash():
    draft = plan("stroke")
    digest = plan_digest(plan_to_canonical(draft))
    assert plan_digest(plan_to_canonical(dataclasses.replace(draft, protocol_version=2))) != digest
    assert plan_digest(plan_to_canonical(dataclasses.replace(draft, content_hash="sha256:0"))) != digest


@st.composite
def edited_plan(draw) -> PlanDraft:
    condition = draw(st.sampled_from(PROTOCOLS))
    special = {}
    if draw(st.booleans()):
        special[draw(st.sampled_from(LOCAL_RULES))] = yes(
            *draw(st.lists(st.sampled_from(BODY_REGIONS), min_size=1, max_size=2, unique=True)),
            side=draw(st.sampled_from((None, "left", "right"))),
        )
    if draw(st.booleans()):
        special["reduced_sensation"] = yes(draw(st.sampled_from(BODY_REGIONS)))
    if draw(st.booleans()):
        special["fever"] = yes()
    if draw(st.booleans()):
        special["pinched_nerve"] = yes()
    result = screened(condition, **special)
    draft = plan(condition, screening=result, override=override_for(result), clearance=CLEARANCE)
    for _ in range(draw(st.integers(0, 4))):
        stage = draw(st.sampled_from(draft.stages))
        action = draw(st.sampled_from(("dose", "add", "remove", "notes")))
        try:
            if action == "dose" and stage.home:
                index = draw(st.integers(0, len(stage.home) - 1))
                dose = HomeDose(
                    times_per_day=draw(st.integers(1, 12)),
                    repetitions=draw(st.none() | st.integers(1, 200)),
                    minutes=draw(st.integers(1, 120)),
                    sets=draw(st.none() | st.integers(1, 20)),
                )
                draft = set_home_dose(draft, stage.id, index, dose)
            elif action == "add":
                draft = add_home_exercise(draft, stage.id, draw(st.sampled_from(sorted(LIBRARY.techniques))), LIBRARY)
            elif action == "remove" and stage.home:
                draft = remove_home_exercise(draft, stage.id, draw(st.integers(0, len(stage.home) - 1)))
            elif action == "notes":
                draft = set_notes(draft, draw(st.text(max_size=40)), draw(st.text(max_size=40)))
        except PlanEditError:
            pass
    return draft


@settings(max_examples=examples(300), deadline=None)
@given(draft=edited_plan())
def test_cs09_an_approved_plan_round_trips_through_its_canonical_json_exactly(draft):
    canonical = plan_to_canonical(draft)
    stored = json.loads(json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    again = plan_from_canonical(stored)
    assert again == draft
    assert plan_to_canonical(again) == canonical
    assert plan_digest(plan_to_canonical(again)) == plan_digest(canonical)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(format=99), "format 99 is not 2 and cannot be read"),  # newer than this app
        (lambda c: c["plan"].pop("title"), "missing keys \\['title'\\]"),
        (lambda c: c["plan"].update(colour="blue"), "unexpected keys \\['colour'\\]"),
        (lambda c: c["plan"].update(on_date="20/03/2026"), "plan.on_date: expected a date"),
        (lambda c: c["plan"]["stages"][0].update(number="1"), "plan.stages\\[0\\].number: expected a whole number"),
        (lambda c: c["plan"]["stages"][0].update(current="yes"), "expected true or false"),
    ],
)
def test_a_broken_stored_plan_is_refused_with_the_key_named(change, message):
    canonical = json.loads(json.dumps(plan_to_canonical(plan("fracture"))))
    change(canonical)
    with pytest.raises(ValueError, match=message):
        plan_from_canonical(canonical)


# ---------------------------------------------------------------------------------------------
# Edits
# ---------------------------------------------------------------------------------------------


def test_edits_return_new_drafts_and_leave_the_original_alone():
    draft = plan("fracture")
    original = plan_to_canonical(draft)
    edited = set_notes(
        remove_home_exercise(
            add_home_exercise(set_home_dose(draft, "after_cast", 1, HomeDose(times_per_day=3, minutes=3)),
                              "after_cast", "fist_fast_open_slow", LIBRARY),
            "after_cast", 0,
        ),
        "  Use the blue ball.  ", "Check grip next visit.",
    )
    assert plan_to_canonical(draft) == original
    home = edited.stage("after_cast").home
    assert [h.ref for h in home] == ["piano_taps", "wrist_circles", "hand_elevation", "forearm_turns", "tendon_glides",
                                    "fist_fast_open_slow"]
    assert home[0].dose == HomeDose(times_per_day=3, minutes=3)
    assert home[-1].dose == LIBRARY.protocol("bruise").stage("mobility").home[1].dose  # taken from a protocol
    assert home[-1].illustration and home[-1].steps
    assert (edited.patient_notes, edited.team_notes) == ("Use the blue ball.", "Check grip next visit.")


@pytest.mark.parametrize(
    ("dose", "message"),
    [
        (HomeDose(times_per_day=0, repetitions=10), "Times per day must be a whole number from 1 to 12"),
        (HomeDose(times_per_day=13, repetitions=10), "from 1 to 12"),
        (HomeDose(times_per_day=2, repetitions=201), "Repetitions must be a whole number from 1 to 200"),
        (HomeDose(times_per_day=2, minutes=0), "Minutes must be"),
        (HomeDose(times_per_day=2, sets=3), "needs repetitions, minutes or a hold time"),
        (HomeDose(times_per_day=2, repetitions=True), "Repetitions must be"),  # type: ignore[arg-type]
    ],
)
def test_a_home_dose_outside_the_protocol_limits_is_refused(dose, message):
    with pytest.raises(PlanEditError, match=message):
        set_home_dose(plan("fracture"), "after_cast", 0, dose)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: set_home_dose(d, "nowhere", 0, HomeDose(1, 10)), "no stage 'nowhere'"),
        (lambda d: set_home_dose(d, "after_cast", 9, HomeDose(1, 10)), "Stage 2 has no home exercise number 9"),
        (lambda d: remove_home_exercise(d, "after_cast", -1), "no home exercise number -1"),
        (lambda d: add_home_exercise(d, "after_cast", "piano_taps", LIBRARY), "Piano taps is already in stage 2"),
        (lambda d: add_home_exercise(d, "after_cast", "kneading_fingertip", LIBRARY), "done by the therapist"),
        (lambda d: add_home_exercise(d, "after_cast", "reflexology", LIBRARY),
         "no technique or sequence 'reflexology'"),
        (lambda d: set_notes(d, "x" * 10_001, ""), "limited to 10,000 characters"),
    ],
)
def test_a_wrong_edit_is_refused_with_a_message(edit, message):
    with pytest.raises(PlanEditError, match=message):
        edit(plan("fracture"))


# ---------------------------------------------------------------------------------------------
# Differences between revisions
# ---------------------------------------------------------------------------------------------


def test_diff_names_each_change_in_plain_words():
    draft = plan("fracture")
    edited = set_home_dose(draft, "after_cast", 2, HomeDose(times_per_day=2, repetitions=15))
    edited = set_home_dose(edited, "after_cast", 1, HomeDose(times_per_day=3, minutes=3))
    edited = remove_home_exercise(edited, "in_cast", 0)
    edited = add_home_exercise(edited, "strengthening", "ball_roll_palm", LIBRARY)
    edited = set_notes(edited, "Bring your ball.", "")
    assert diff_plans(plan_to_canonical(draft), plan_to_canonical(edited)) == [
        "Stage 1, removed home exercise: Raise your hand",
        "Stage 2, Piano taps: 2 → 3 minutes",
        "Stage 2, Wrist circles: 10 → 15 times, 3 → 2 times a day",
        "Stage 3, added home exercise: Roll a ball under your hand (2 minutes, 2 times a day)",
        'Notes for the patient: "" → "Bring your ball."',
    ]


def test_diff_of_a_plan_with_itself_is_empty_and_shows_new_dates_and_findings():
    old = plan("fracture", {**GOOD_FACTS["fracture"], "cast_removal_date": D(2026, 4, 2)})
    assert diff_plans(plan_to_canonical(old), plan_to_canonical(old)) == []
    new = plan("fracture", screening=screened("fracture", diabetes=yes()))
    lines = diff_plans(plan_to_canonical(old), plan_to_canonical(new), protocol=LIBRARY.protocol("fracture"))
    # in people's words: the fact's label and days in words, the stages by number and title (issue 12 item 6)
    assert "Date the cast comes off: 2 April 2026 → 15 March 2026" in lines
    assert "Stage 2, start: from about 2 April 2026, when the cast is off → from 15 March 2026" in lines
    assert ("Current stage: stage 1 (Protective stage - while the cast or splint is on) → "
            "stage 2 (Mobilisation stage - after the cast comes off)") in lines
    assert any(line.startswith("Precaution added: Use light pressure and no heat.") for line in lines)


# ---------------------------------------------------------------------------------------------
# CS-06 and CS-11: when an approved plan needs review
# ---------------------------------------------------------------------------------------------

APPROVED = plan_to_canonical(plan("fracture"))
PROTOCOL = LIBRARY.protocol("fracture")


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, []),
        ({"on_date": D(2026, 4, 19)}, []),
        ({"on_date": D(2026, 4, 20)}, ["The screening of 20 March 2026 expired on 19 April 2026"]),
        ({"screening_valid_until": None}, ["There is no valid screening"]),
        ({"clinical_changed_after_screening": True}, ["history or medication changed"]),
        ({"current_protocol_version": 2}, ["fingers protocol is now version 2; this plan was made on "]),
        ({"current_content_hash": "sha256:other"}, ["protocol (version 1) has changed since this plan was made"]),
        ({"current_protocol_version": None}, ["no longer in the library"]),
        (
            {"on_date": D(2026, 5, 1), "clinical_changed_after_screening": True, "current_protocol_version": 2},
            ["expired", "medication changed", "now version 2"],
        ),
    ],
)
def test_needs_review_gives_each_reason(kw, expected):
    args = {
        "screening_valid_until": D(2026, 4, 19),
        "on_date": D(2026, 3, 25),
        "clinical_changed_after_screening": False,
        "current_protocol_version": PROTOCOL.version,
        "current_content_hash": PROTOCOL.content_hash,
        **kw,
    }
    reasons = needs_review(APPROVED, **args)
    assert len(reasons) == len(expected)
    for reason, part in zip(reasons, expected, strict=True):
        assert part in reason


def test_cs11_an_approved_plan_does_not_change_when_the_library_changes():
    stored = json.loads(json.dumps(APPROVED))
    again = plan_from_canonical(stored)
    assert plan_to_canonical(again) == APPROVED
    assert again.stage("after_cast").clinic[0].name == LIBRARY.techniques["stroking"].name
