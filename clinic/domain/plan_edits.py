"""Edits by the therapist: each returns a new draft, and CS-03 holds after every edit."""

from __future__ import annotations

import typing
from dataclasses import replace

from clinic.domain.plan_checks import _MAX_NOTES
from clinic.domain.plan_filtering import filter_item, item_problems
from clinic.domain.plan_generation import _attach, _item_regions
from clinic.domain.plan_model import PlanDraft, PlanEditError, PlannedStage, PlannedTechnique
from clinic.domain.protocol_model import HomeDose, HomeExercise, Library, Sequence, Technique
from clinic.domain.protocol_stages import _DOSE_LIMITS

# ---------------------------------------------------------------------------------------------
# Edits by the therapist (each returns a new draft; CS-03 holds after every edit)
# ---------------------------------------------------------------------------------------------


def local_problems(draft: PlanDraft) -> list[str]:
    """Items of the plan on a locally contraindicated region; empty for every valid plan (CS-03)."""
    problems = []
    for stage in draft.stages:
        lines = draft.avoid + stage.protect
        for item in (*stage.clinic, *stage.home):
            name = item.name if isinstance(item, PlannedTechnique) else item.title
            problems += [f"Stage {stage.number}, {name}: {why}" for why in item_problems(item, lines)]
    return problems


def _edit_stage(draft: PlanDraft, stage_id: str, change: typing.Callable[[PlannedStage], PlannedStage]) -> PlanDraft:
    try:
        stage = draft.stage(stage_id)
    except KeyError:
        raise PlanEditError(f"This plan has no stage {stage_id!r}.") from None
    new_stage = _attach(change(stage), draft.precautions)
    new = replace(draft, stages=tuple(new_stage if s.id == stage_id else s for s in draft.stages))
    problems = local_problems(new)
    if problems:  # unreachable through these functions; a guard so no edit can ever break CS-03
        raise PlanEditError(" ".join(problems))
    return new


def _check_home_dose(dose: HomeDose) -> None:
    if not isinstance(dose, HomeDose):
        raise PlanEditError(f"Expected a home dose, got {dose!r}.")
    for name, (low, high) in _DOSE_LIMITS.items():
        value = getattr(dose, name)
        if value is None and name != "times_per_day":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise PlanEditError(f"{name.replace('_', ' ').capitalize()} must be a whole number from {low} to {high}.")
    if dose.repetitions is None and dose.minutes is None and dose.hold_seconds is None:
        raise PlanEditError("A home dose needs repetitions, minutes or a hold time as well as times a day.")


def _exercise_at(stage: PlannedStage, index: int) -> HomeExercise:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(stage.home):
        raise PlanEditError(f"Stage {stage.number} has no home exercise number {index}.")
    return stage.home[index]


def set_home_dose(draft: PlanDraft, stage_id: str, exercise_index: int, dose: HomeDose) -> PlanDraft:
    """The draft with one home exercise's dose changed (index counts from 0 within the stage)."""
    _check_home_dose(dose)

    def change(stage: PlannedStage) -> PlannedStage:
        exercise = _exercise_at(stage, exercise_index)
        home = list(stage.home)
        home[exercise_index] = replace(exercise, dose=dose)
        return replace(stage, home=tuple(home))

    return _edit_stage(draft, stage_id, change)


def remove_home_exercise(draft: PlanDraft, stage_id: str, exercise_index: int) -> PlanDraft:
    """The draft without one home exercise of a stage (index counts from 0 within the stage)."""

    def change(stage: PlannedStage) -> PlannedStage:
        _exercise_at(stage, exercise_index)
        return replace(stage, home=stage.home[:exercise_index] + stage.home[exercise_index + 1:])

    return _edit_stage(draft, stage_id, change)


def add_home_exercise(
    draft: PlanDraft,
    stage_id: str,
    technique_or_sequence_id: str,
    library: Library,
    dose: HomeDose | None = None,
) -> PlanDraft:
    """The draft with a home technique or sequence from the library added to a stage.

    Refused (PlanEditError) when it is not a home item, is already in the stage, or works on a
    locally contraindicated region (CS-03). Without ``dose`` it takes the dose the plan's protocol,
    or else the first protocol in the library, gives it.
    """
    ref = technique_or_sequence_id
    found: Technique | Sequence | None = library.techniques.get(ref) or library.sequences.get(ref)
    if found is None:
        raise PlanEditError(f"There is no technique or sequence {ref!r} in the library.")
    if found.done_in != "home":
        raise PlanEditError(f"{found.name} is done by the therapist; only home techniques go in the home programme.")
    is_sequence = isinstance(found, Sequence)
    regions = _item_regions(ref if is_sequence else None, found.regions, library)
    chosen = dose if dose is not None else _default_dose(ref, draft.protocol_id, library)
    _check_home_dose(chosen)
    draft_exercise = HomeExercise(
        technique=None if is_sequence else ref,
        sequence=ref if is_sequence else None,
        title=found.patient_name,
        description=found.patient_description,
        steps=tuple(step.text for step in found.steps) if isinstance(found, Sequence) else found.steps,
        illustration=found.illustration or "",
        regions=regions,
        dose=chosen,
        item_kind=found.item_kind,
        sides=_plan_sides(draft),
        with_other_hand=found.with_other_hand,
    )

    def change(stage: PlannedStage) -> PlannedStage:
        if any(item.ref == ref for item in stage.home):
            raise PlanEditError(f"{found.patient_name} is already in stage {stage.number}.")
        # Narrowed like the protocol's own items where a finding allows; refused where nothing is left.
        exercise, removal = filter_item(draft_exercise, draft.avoid + stage.protect, "home", found.patient_name)
        if not isinstance(exercise, HomeExercise):
            raise PlanEditError(f"{found.patient_name} cannot be added. {removal.reason if removal else ''}")
        return replace(stage, home=(*stage.home, exercise))

    return _edit_stage(draft, stage_id, change)


def _plan_sides(draft: PlanDraft) -> tuple[str, ...]:
    """The sides the plan's items are done on (the protocol's injured side), () for both."""
    for stage in draft.stages:
        for item in (*stage.clinic, *stage.home):
            return item.sides
    return ()


def _default_dose(ref: str, protocol_id: str, library: Library) -> HomeDose:
    own = library.protocols.get(protocol_id)
    others = [p for pid, p in sorted(library.protocols.items()) if pid != protocol_id]
    for protocol in ([own] if own else []) + others:
        for stage in protocol.stages:
            for exercise in stage.home:
                if exercise.ref == ref:
                    return exercise.dose
    return HomeDose(times_per_day=1, repetitions=10)


def set_notes(draft: PlanDraft, patient_notes: str, team_notes: str) -> PlanDraft:
    """The draft with new notes for the patient (printed on the handout) and for the team (never printed)."""
    for label, text in (("patient", patient_notes), ("team", team_notes)):
        if not isinstance(text, str):
            raise PlanEditError(f"Notes for the {label} must be text.")
        if len(text) > _MAX_NOTES:
            raise PlanEditError(f"Notes for the {label} are limited to {_MAX_NOTES:,} characters.")
    return replace(draft, patient_notes=patient_notes.strip(), team_notes=team_notes.strip())


