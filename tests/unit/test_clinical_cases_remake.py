"""C29 as domain tables: a remade plan keeps what the therapist changed, where the item still exists, and says in
plain words what could not be kept and why (``clinic.domain.carryover``).

Every plan here is made by the real engine from the shipped protocols and a real screening, and every edit goes
through the engine's own edit functions, as the edit page does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from clinic.domain.carryover import (
    DoseEdit,
    TherapistEdits,
    carry_over,
    exercise_keys,
    merge_edits,
    therapist_edits,
)
from clinic.domain.planning import PlanDraft, add_home_exercise, remove_home_exercise, set_home_dose, set_notes
from clinic.domain.protocols import HomeDose
from tests.helpers.planning import GOOD_FACTS, LIBRARY, plan, screened, yes

D = dt.date
DAY = dt.date(2026, 3, 20)


def current(draft: PlanDraft):
    return next(s for s in draft.stages if s.current)


def with_reps(draft: PlanDraft, stage_id: str, index: int, repetitions: int) -> PlanDraft:
    dose = draft.stage(stage_id).home[index].dose
    return set_home_dose(draft, stage_id, index, dataclasses.replace(dose, repetitions=repetitions))


def remade(before: PlanDraft, new: PlanDraft):
    return carry_over(new, therapist_edits(before, LIBRARY.protocol(before.protocol_id)), LIBRARY, before=before)


def counted_exercise(stage) -> int:
    """The index of the stage's first home exercise counted in repetitions."""
    return next(i for i, e in enumerate(stage.home) if e.dose.repetitions is not None)


# ------------------------------------------------------------------------------------------- C29


def test_c29_a_dose_edited_10_to_12_and_a_note_survive_the_cast_removal_date_moving():
    before = plan("fracture")
    stage = current(before)
    index = counted_exercise(stage)
    exercise = stage.home[index]
    before = with_reps(before, stage.id, index, exercise.dose.repetitions + 2)
    before = set_notes(before, "Keep the hand up on a cushion in the evening.", "Check the scar next visit.")
    moved = {**GOOD_FACTS["fracture"], "cast_removal_date": D(2026, 3, 13)}
    new = plan("fracture", moved)
    assert new.fact_values()["cast_removal_date"] == D(2026, 3, 13)  # the engine made the plan again

    result = remade(before, new)

    again = result.draft.stage(stage.id).home[exercise_keys(result.draft.stage(stage.id).home).index(exercise.ref)]
    assert again.dose.repetitions == exercise.dose.repetitions + 2
    assert result.draft.patient_notes == "Keep the hand up on a cushion in the evening."
    assert result.draft.team_notes == "Check the scar next visit."
    assert f"{exercise.title}: your dose is kept" in " ".join(result.kept)
    assert "Your note for the patient is kept." in result.kept and "Your note for the team is kept." in result.kept
    assert result.not_kept == ()
    # Only the therapist's edits moved across: every other item is the new plan's own.
    assert [e.dose for e in result.draft.stage(stage.id).home if e.ref != exercise.ref] == [
        e.dose for e in new.stage(stage.id).home if e.ref != exercise.ref]


def test_c29_an_edited_exercise_a_new_finding_removes_is_listed_with_the_reason_and_the_rest_is_kept():
    before = plan("fracture")
    stage = next(s for s in before.stages if any(e.item_kind == "load" for e in s.home))  # grip, squeezing
    for index, exercise in enumerate(stage.home):
        dose = exercise.dose
        if dose.repetitions is not None:
            dose = dataclasses.replace(dose, repetitions=dose.repetitions + 1)
        else:
            dose = dataclasses.replace(dose, times_per_day=dose.times_per_day + 1)
        before = set_home_dose(before, stage.id, index, dose)
    edited = {e.ref: e.dose for e in before.stage(stage.id).home}
    wound = screened("fracture", open_wound=yes("palm", side="right"))
    new = plan("fracture", screening=wound)

    result = remade(before, new)

    left_out = {r.ref: r for r in new.stage(stage.id).removed if r.ref in edited}
    assert left_out, "an open wound on the right palm should leave this stage's grip and squeezing out"
    for removal in left_out.values():
        line = next(line for line in result.not_kept if removal.name in line)
        assert "is not carried over" in line and removal.reason in line
    for exercise in result.draft.stage(stage.id).home:
        assert exercise.dose == edited[exercise.ref]  # every edit whose item is still there is kept
    assert len(result.not_kept) == len(left_out)


def test_c29_an_edit_in_a_stage_the_new_plan_no_longer_has_is_listed_with_that_stages_name():
    before = plan("arthritis")  # osteoarthritis: its own stage, then the stage for both kinds
    own = next(s for s in before.stages if s.id not in {t.id for t in plan(
        "arthritis", {**GOOD_FACTS["arthritis"], "arthritis_type": "inflammatory_arthritis"}).stages})
    index = next(i for i, e in enumerate(own.home) if e.dose.repetitions is not None)
    exercise = own.home[index]
    before = with_reps(before, own.id, index, exercise.dose.repetitions + 2)
    new = plan("arthritis", {**GOOD_FACTS["arthritis"], "arthritis_type": "inflammatory_arthritis"})

    result = remade(before, new)

    (line,) = result.not_kept
    assert line.startswith(f"Stage {own.number} of the earlier plan ({own.title}), {exercise.title} (")
    assert f"{exercise.dose.repetitions + 2} times" in line and "its stage is not part of the new plan" in line


def test_c29_an_exercise_the_therapist_took_out_stays_out_and_one_they_added_comes_back_with_its_dose():
    before = plan("tendinitis")
    stage = current(before)
    taken_out = stage.home[0]
    before = remove_home_exercise(before, stage.id, 0)
    chosen = HomeDose(times_per_day=2, repetitions=7)
    addable = next(ref for ref, t in sorted(LIBRARY.techniques.items())
                   if t.done_in == "home"
                   and ref not in {e.ref for e in stage.home} and _can_add(before, stage.id, ref))
    before = add_home_exercise(before, stage.id, addable, LIBRARY, chosen)
    new = plan("tendinitis", {**GOOD_FACTS["tendinitis"], "acute_over_date": D(2026, 3, 11)})
    assert taken_out.ref in [e.ref for e in new.stage(stage.id).home]

    result = remade(before, new)

    home = result.draft.stage(stage.id).home
    assert taken_out.ref not in [e.ref for e in home]
    assert [e.dose for e in home if e.ref == addable] == [chosen]
    assert f"{taken_out.title}: left out again, as you had it." in " ".join(result.kept)
    assert "added again, as you had it (7 times, 2 times a day)" in " ".join(result.kept)
    assert result.not_kept == ()


def _can_add(draft: PlanDraft, stage_id: str, ref: str) -> bool:
    try:
        add_home_exercise(draft, stage_id, ref, LIBRARY)
    except ValueError:
        return False
    return True


def test_c29_an_exercise_the_engine_left_out_for_a_finding_is_not_taken_for_a_therapists_removal():
    wound = screened("fracture", open_wound=yes("palm", side="right"))
    before = plan("fracture", screening=wound)
    assert any(s.removed for s in before.stages)
    edits = therapist_edits(before, LIBRARY.protocol("fracture"))
    assert edits == TherapistEdits()  # nothing typed, nothing to carry
    result = carry_over(plan("fracture"), edits, LIBRARY, before=before)
    assert result.draft == plan("fracture") and result.kept == result.not_kept == ()


def test_c29_edits_of_the_approved_revision_and_of_the_draft_made_since_are_both_kept_the_drafts_winning():
    approved = plan("fracture")
    stage = current(approved)
    first, second = 0, 1

    def per_day(draft: PlanDraft, index: int, times: int) -> PlanDraft:
        dose = draft.stage(stage.id).home[index].dose
        return set_home_dose(draft, stage.id, index, dataclasses.replace(dose, times_per_day=times))

    approved = per_day(approved, first, 5)
    approved = per_day(approved, second, 6)
    approved = set_notes(approved, "Approved note.", "")
    draft = per_day(approved, second, 7)  # changed again after the approval
    draft = set_notes(draft, "", "A team note typed in the draft.")
    protocol = LIBRARY.protocol("fracture")

    edits = merge_edits(therapist_edits(approved, protocol), therapist_edits(draft, protocol))

    keys = exercise_keys(stage.home)
    assert {(d.key, d.dose.times_per_day) for d in edits.doses} == {(keys[first], 5), (keys[second], 7)}
    assert (edits.patient_notes, edits.team_notes) == ("Approved note.", "A team note typed in the draft.")


def test_c29_a_dose_the_engine_now_refuses_is_listed_not_forced_in():
    before = plan("fracture")
    stage = current(before)
    index = counted_exercise(stage)
    exercise = stage.home[index]
    edits = TherapistEdits(doses=(DoseEdit(stage.id, exercise_keys(stage.home)[index], exercise.title,
                                           dataclasses.replace(exercise.dose, repetitions=10_000)),))
    result = carry_over(plan("fracture"), edits, LIBRARY, before=before)
    (line,) = result.not_kept
    assert line.startswith(f"Stage {stage.number}, {exercise.title} (10000 times") and "must be a whole number" in line
    assert result.draft.stage(stage.id).home[index].dose == exercise.dose


@pytest.mark.parametrize("condition", sorted(GOOD_FACTS))
def test_c29_a_plan_nobody_edited_is_remade_exactly_as_the_engine_makes_it(condition):
    before = plan(condition)
    assert therapist_edits(before, LIBRARY.protocol(condition)) == TherapistEdits()
    again = remade(before, plan(condition))
    assert again.draft == plan(condition) and again.kept == again.not_kept == ()
