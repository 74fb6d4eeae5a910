"""What a therapist typed on the edit page against the draft someone else saved meanwhile: the rows of the
"changed by someone else" table and the exercises whose typing has nowhere to go. Pure: the view passes the
saved draft and the posted form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clinic.domain.planning import PlanDraft
from clinic.handouts import plan_context as handout
from clinic.plans import forms
from clinic.plans.operations import exercise_keys

NOTES = (("patient_notes", "Notes for the patient"), ("team_notes", "Notes for the team"))


@dataclass(frozen=True)
class Conflict:
    """(what, saved by the other person, typed by this one) per difference; the exercise keys typed for that no
    longer exist in the saved draft."""

    rows: list[tuple[str, str, str]]
    lost: list[str]


def compare(draft: PlanDraft, typed: Mapping[str, str]) -> Conflict:
    """The differences between the saved ``draft`` and the ``typed`` edit form (field name -> value)."""
    rows: list[tuple[str, str, str]] = []
    for stage in draft.stages:
        for exercise, key in zip(stage.home, exercise_keys(stage), strict=True):
            saved_words = " ".join(handout.dose(exercise.dose).in_words())
            what = f"Stage {stage.number}, {exercise.title}"
            if forms.remove_name(stage.number, key) in typed:
                rows.append((what, saved_words, "Remove"))
                continue
            values = {n: (typed.get(forms.dose_name(stage.number, key, n)) or "").strip()
                      for n, _label, _min in forms.DOSE_FIELDS}
            saved = {n: "" if getattr(exercise.dose, n) is None else str(getattr(exercise.dose, n))
                     for n, _label, _min in forms.DOSE_FIELDS}
            if any(values.values()) and values != saved:
                rows.append((what, saved_words, ", ".join(f"{label.lower()} {values[n]}"
                                                          for n, label, _min in forms.DOSE_FIELDS if values[n])))
    for name, label in NOTES:
        mine = (typed.get(name) or "").replace("\r\n", "\n").strip()
        theirs = getattr(draft, name)
        if mine != theirs:
            rows.append((label, theirs or "—", mine or "—"))
    typed_keys = {k for k in typed if "__" in k and not k.endswith("__add")}
    known = {forms.dose_name(s.number, key, n) for s in draft.stages for key in exercise_keys(s)
             for n, _label, _min in forms.DOSE_FIELDS} | {forms.remove_name(s.number, key) for s in draft.stages
                                                          for key in exercise_keys(s)}
    return Conflict(rows=rows, lost=sorted({k.split("__")[1] for k in typed_keys - known}))
