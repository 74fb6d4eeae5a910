"""Remaking a plan keeps the therapist's work (C29).

When a plan is made again (a case fact moved, the patient was screened again), the engine gives a fresh draft
with the protocol's own doses and items. ``therapist_edits`` finds what the therapist had changed in an earlier
draft, measured against the protocol it came from: home doses changed, home exercises added or removed, the
notes. ``carry_over`` makes the same changes to the fresh draft through the engine's edit functions (so every
safety check of an edit holds) and says, in plain words, what was kept and what could not be kept and why.
Nothing the therapist typed is dropped without a line saying so.

Pure: plan values and the protocol in, plan values and words out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clinic.domain.planning import (
    PlanDraft,
    PlanEditError,
    PlannedStage,
    add_home_exercise,
    remove_home_exercise,
    set_home_dose,
    set_notes,
)
from clinic.domain.protocols import HomeDose, HomeExercise, Library, Protocol, describe_home_dose

__all__ = ["CarryOver", "DoseEdit", "ExerciseAdded", "ExerciseRemoved", "TherapistEdits", "carry_over",
           "exercise_keys", "merge_edits", "therapist_edits"]


def exercise_keys(home: Iterable[HomeExercise]) -> list[str]:
    """A stable key per home exercise of a stage: its technique or sequence id, with ``-2`` on a repeat."""
    seen: dict[str, int] = {}
    keys = []
    for exercise in home:
        seen[exercise.ref] = seen.get(exercise.ref, 0) + 1
        keys.append(exercise.ref if seen[exercise.ref] == 1 else f"{exercise.ref}-{seen[exercise.ref]}")
    return keys


@dataclass(frozen=True)
class DoseEdit:
    """The therapist gave a home exercise of a stage a dose other than the protocol's."""

    stage_id: str
    key: str
    title: str
    dose: HomeDose


@dataclass(frozen=True)
class ExerciseAdded:
    """The therapist added a home exercise the protocol does not have in that stage."""

    stage_id: str
    ref: str
    title: str
    dose: HomeDose


@dataclass(frozen=True)
class ExerciseRemoved:
    """The therapist took out a home exercise the protocol has in that stage."""

    stage_id: str
    key: str
    title: str


@dataclass(frozen=True)
class TherapistEdits:
    """Everything the therapist changed in a draft, relative to its protocol."""

    doses: tuple[DoseEdit, ...] = ()
    added: tuple[ExerciseAdded, ...] = ()
    removed: tuple[ExerciseRemoved, ...] = ()
    patient_notes: str = ""
    team_notes: str = ""

    def __bool__(self) -> bool:
        return bool(self.doses or self.added or self.removed or self.patient_notes or self.team_notes)


@dataclass(frozen=True)
class CarryOver:
    """The remade draft with the therapist's edits made again, and what happened to each edit, in words."""

    draft: PlanDraft
    kept: tuple[str, ...]
    not_kept: tuple[str, ...]


def therapist_edits(draft: PlanDraft, protocol: Protocol) -> TherapistEdits:
    """What the therapist changed in ``draft``, compared with what ``protocol`` puts in each stage.

    An exercise the engine left out because of a finding is not a therapist's removal; a stage the protocol no
    longer has is compared with nothing, so its items count as the therapist's.
    """
    doses: list[DoseEdit] = []
    added: list[ExerciseAdded] = []
    removed: list[ExerciseRemoved] = []
    stages = {stage.id: stage for stage in protocol.stages}
    for stage in draft.stages:
        own = stages.get(stage.id)
        defaults = dict(zip(exercise_keys(own.home), own.home, strict=True)) if own else {}
        keys = exercise_keys(stage.home)
        for key, exercise in zip(keys, stage.home, strict=True):
            default = defaults.get(key)
            if default is None:
                added.append(ExerciseAdded(stage.id, exercise.ref, exercise.title, exercise.dose))
            elif exercise.dose != default.dose:
                doses.append(DoseEdit(stage.id, key, exercise.title, exercise.dose))
        left_out = {r.ref for r in stage.removed if r.kind == "home"}
        for key, exercise in defaults.items():
            if key not in keys and exercise.ref not in left_out:
                removed.append(ExerciseRemoved(stage.id, key, exercise.title))
    return TherapistEdits(tuple(doses), tuple(added), tuple(removed), draft.patient_notes, draft.team_notes)


def merge_edits(older: TherapistEdits, newer: TherapistEdits) -> TherapistEdits:
    """The edits of an approved revision and of the draft made since: the draft's win where both touch an item;
    a note typed in either is kept (the draft's when both have one)."""
    doses = {(d.stage_id, d.key): d for d in older.doses} | {(d.stage_id, d.key): d for d in newer.doses}
    added = {(a.stage_id, a.ref): a for a in older.added} | {(a.stage_id, a.ref): a for a in newer.added}
    removed = {(r.stage_id, r.key): r for r in older.removed} | {(r.stage_id, r.key): r for r in newer.removed}
    return TherapistEdits(
        doses=tuple(doses.values()), added=tuple(added.values()), removed=tuple(removed.values()),
        patient_notes=newer.patient_notes or older.patient_notes, team_notes=newer.team_notes or older.team_notes,
    )


def _dose(dose: HomeDose) -> str:
    return describe_home_dose(dose)


def _missing(draft: PlanDraft, stage_id: str, ref: str) -> str:
    """Why an exercise of ``stage_id`` is not in the remade draft, in the therapist's words."""
    try:
        stage = draft.stage(stage_id)
    except KeyError:
        return "its stage is not part of the new plan"
    for removal in stage.removed:
        if removal.ref == ref:
            return f"the new plan leaves it out of stage {stage.number}: {removal.reason}"
    return f"it is not in stage {stage.number} ({stage.title}) of the new plan"


def _label(draft: PlanDraft, before: PlanDraft | None, stage_id: str) -> str:
    """'Stage 2' of the new plan, or the earlier plan's stage by its title when the new plan has no such stage."""
    stage = _stage(draft, stage_id)
    if stage is not None:
        return f"Stage {stage.number}"
    old = _stage(before, stage_id) if before is not None else None
    if old is not None:
        return f"Stage {old.number} of the earlier plan ({old.title})"
    return "A stage no longer in the plan"


def _ref_of(key: str) -> str:
    """The technique or sequence id of an exercise key ('wrist_circles-2' -> 'wrist_circles')."""
    ref, _, n = key.rpartition("-")
    return ref if ref and n.isdigit() else key


def _index(stage: PlannedStage, key: str) -> int | None:
    keys = exercise_keys(stage.home)
    return keys.index(key) if key in keys else None


def carry_over(new: PlanDraft, edits: TherapistEdits, library: Library, *, before: PlanDraft | None = None
               ) -> CarryOver:
    """``new`` with ``edits`` made again where the item still exists, and a line for each edit kept or not.

    ``before`` (the draft the edits come from) names stages that are gone from the new plan.
    """
    kept: list[str] = []
    not_kept: list[str] = []
    draft = new

    for edit in edits.doses:
        label = _label(draft, before, edit.stage_id)
        stage = _stage(draft, edit.stage_id)
        index = _index(stage, edit.key) if stage else None
        if stage is None or index is None:
            not_kept.append(f"{label}, {edit.title} ({_dose(edit.dose)}) is not carried over: "
                            f"{_missing(draft, edit.stage_id, _ref_of(edit.key))}.")
            continue
        if stage.home[index].dose == edit.dose:
            continue
        try:
            draft = set_home_dose(draft, edit.stage_id, index, edit.dose)
        except PlanEditError as exc:
            not_kept.append(f"{label}, {edit.title} ({_dose(edit.dose)}) is not carried over: {exc}")
        else:
            kept.append(f"{label}, {edit.title}: your dose is kept ({_dose(edit.dose)}).")

    for removal in edits.removed:
        stage = _stage(draft, removal.stage_id)
        index = _index(stage, removal.key) if stage else None
        if stage is None or index is None:
            continue  # already not in the new plan: nothing to take out, nothing lost
        draft = remove_home_exercise(draft, removal.stage_id, index)
        kept.append(f"{_label(draft, before, removal.stage_id)}, {removal.title}: left out again, as you had it.")

    for addition in edits.added:
        label = _label(draft, before, addition.stage_id)
        stage = _stage(draft, addition.stage_id)
        if stage is None:
            not_kept.append(f"{label}, {addition.title} ({_dose(addition.dose)}), which you added, is not carried "
                            "over: its stage is not part of the new plan.")
            continue
        if any(item.ref == addition.ref for item in stage.home):
            index = [item.ref for item in stage.home].index(addition.ref)
            if stage.home[index].dose != addition.dose:
                try:
                    draft = set_home_dose(draft, addition.stage_id, index, addition.dose)
                except PlanEditError as exc:
                    not_kept.append(f"{label}, {addition.title} ({_dose(addition.dose)}) is not carried over: {exc}")
                    continue
            kept.append(f"{label}, {addition.title}: kept ({_dose(addition.dose)}).")
            continue
        try:
            draft = add_home_exercise(draft, addition.stage_id, addition.ref, library, addition.dose)
        except PlanEditError as exc:
            not_kept.append(f"{label}, {addition.title} ({_dose(addition.dose)}), which you added, is not carried "
                            f"over: {exc}")
        else:
            kept.append(f"{label}, {addition.title}: added again, as you had it ({_dose(addition.dose)}).")

    draft = set_notes(draft, edits.patient_notes or new.patient_notes, edits.team_notes or new.team_notes)
    if edits.patient_notes:
        kept.append("Your note for the patient is kept.")
    if edits.team_notes:
        kept.append("Your note for the team is kept.")
    return CarryOver(draft, tuple(kept), tuple(not_kept))


def _stage(draft: PlanDraft, stage_id: str) -> PlannedStage | None:
    try:
        return draft.stage(stage_id)
    except KeyError:
        return None
