"""The "changed by someone else" table of the plan edit page (clinic/plans/conflicts.py): what the therapist typed
against the draft a colleague saved meanwhile, so nothing they typed is silently dropped."""

from __future__ import annotations

from clinic.plans import forms
from clinic.plans.conflicts import compare
from clinic.plans.operations import exercise_keys
from tests.helpers.planning import plan


def _saved_form(draft) -> dict[str, str]:
    """The edit form exactly as the saved draft fills it: nothing differs."""
    typed = {"patient_notes": draft.patient_notes, "team_notes": draft.team_notes}
    for stage in draft.stages:
        for exercise, key in zip(stage.home, exercise_keys(stage), strict=True):
            for name, _label, _min in forms.DOSE_FIELDS:
                value = getattr(exercise.dose, name)
                typed[forms.dose_name(stage.number, key, name)] = "" if value is None else str(value)
    return typed


def test_the_saved_form_sent_back_unchanged_is_no_conflict():
    draft = plan("fracture")
    assert compare(draft, _saved_form(draft)).rows == [] and compare(draft, _saved_form(draft)).lost == []


def test_a_changed_dose_a_removal_notes_and_an_exercise_the_colleague_removed_are_all_shown():
    draft = plan("fracture")
    stage = next(s for s in draft.stages if len(s.home) >= 2)
    first, second = stage.home[0], stage.home[1]
    first_key, second_key = exercise_keys(stage)[:2]
    typed = _saved_form(draft)
    typed[forms.dose_name(stage.number, first_key, "repetitions")] = str((first.dose.repetitions or 5) + 7)
    typed[forms.remove_name(stage.number, second_key)] = "y"
    typed["patient_notes"] = "Ice the wrist\r\nafter the exercises."
    typed[f"s{stage.number}__an-exercise-gone-meanwhile__repetitions"] = "10"

    conflict = compare(draft, typed)

    assert [row[0] for row in conflict.rows] == [f"Stage {stage.number}, {first.title}",
                                                 f"Stage {stage.number}, {second.title}", "Notes for the patient"]
    changed, removed, notes = conflict.rows
    assert f"repetitions {(first.dose.repetitions or 5) + 7}" in changed[2]
    assert removed[2] == "Remove" and removed[1]  # the saved dose, in words, beside the removal
    assert notes == ("Notes for the patient", draft.patient_notes or "—", "Ice the wrist\nafter the exercises.")
    assert conflict.lost == ["an-exercise-gone-meanwhile"]
