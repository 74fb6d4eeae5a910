"""From an approved plan revision to the handout's plain-values context, in one place.

``handout_context`` and ``summary_context`` are the only bridge between a stored plan and a PDF. The
plan page uses ``home_programme`` and ``warnings`` from here too, so the page and the handout show the
same exercises, doses and warnings by construction (CS-12). No Flask and no database: the caller passes
plain values (the canonical JSON, the digest, who and where).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.domain import planning
from clinic.domain.planning import PlanDraft, PlannedStage
from clinic.domain.progress import current_stage, next_stage
from clinic.domain.protocols import ClinicDose, HomeDose
from clinic.handouts.context import (
    ClinicInfo,
    Dose,
    ExerciseDose,
    Finding,
    HandoutContext,
    HandoutOptions,
    HomeExercise,
    NextStagePreview,
    OverrideRecord,
    PatientInfo,
    ProtocolInfo,
    StageSummary,
    StopAndCall,
    SummaryStage,
    TherapistSummaryContext,
    TrackingSheet,
    day,
)
from clinic.handouts.render import illustration_ids


@dataclass(frozen=True)
class People:
    """Who and where: printed in the header of every page (CS-08)."""

    clinic: ClinicInfo
    patient: PatientInfo
    therapist: str
    on_date: dt.date  # the day the revision was approved: the cached PDF is the same whenever it prints


def dose(home: HomeDose) -> Dose:
    """A plan's home dose as the handout's dose (its ``in_words`` is what both the page and the PDF print)."""
    return Dose(repetitions=home.repetitions, sets=home.sets, hold_seconds=home.hold_seconds,
                times_per_day=home.times_per_day, minutes=home.minutes)


def home_programme(stage: PlannedStage | None) -> tuple[HomeExercise, ...]:
    """The stage's home exercises as the handout prints them: name, picture, steps, dose."""
    if stage is None:
        return ()
    # A picture that is not one of ours (a drawing removed in a later version, or a database edited by
    # hand: import refuses them, REL-12) is left out; the exercise still prints with its steps.
    known = illustration_ids()
    return tuple(
        HomeExercise(name=e.title, steps=e.steps, dose=dose(e.dose),
                     illustration=e.illustration if e.illustration in known else None,
                     note=" ".join(part for part in (planning.leave_out_words(e), e.note) if part))
        for e in stage.home
    )


@dataclass(frozen=True)
class Warnings:
    """What the patient must avoid and take care with, and when to stop and call, in the patient's words."""

    avoid: tuple[str, ...]
    precautions: tuple[str, ...]
    stop_and_call: tuple[StopAndCall, ...]


def warnings(draft: PlanDraft, stage: PlannedStage | None) -> Warnings:
    """The warnings of the plan for this stage (every stage's warnings when ``stage`` is None)."""
    stages = (stage,) if stage is not None else draft.stages
    precautions: list[str] = []
    boxes: list[StopAndCall] = []
    for s in stages:
        precautions += [*s.precautions, *(p.patient_text for p in s.screening_precautions)]
        boxes += [StopAndCall(action=b.action, signs=b.signs, emergency=b.emergency, a_and_e=b.a_and_e)
                  for b in s.stop_and_call]
    return Warnings(
        # The plan's findings, then what each printed stage keeps clear of on the injured area.
        avoid=tuple(dict.fromkeys([*(line.patient_text for line in draft.avoid),
                                   *(line.patient_text for s in stages for line in s.protect)])),
        precautions=tuple(dict.fromkeys(precautions)),
        # Emergencies first (go to A&E, call an ambulance), then the same-day boxes; order kept otherwise.
        stop_and_call=tuple(sorted(dict.fromkeys(boxes), key=lambda b: not b.emergency))[:4],
    )


def _when(stage: PlannedStage) -> str:
    text = stage.window
    return text[:1].upper() + text[1:]


def _timeline(draft: PlanDraft) -> tuple[StageSummary, ...]:
    return tuple(
        StageSummary(title=s.title, patient_title=s.patient_title, starts_on=s.earliest if s.firm else None,
                     starts_text="" if s.firm else _when(s), is_current=s.current)
        for s in draft.stages
    )


def override_lines(draft: PlanDraft) -> tuple[str, ...]:
    """The override and clearance in plain words, as printed on the handout (CS-02)."""
    lines = []
    if draft.override is not None:
        o = draft.override
        what = _join(list(o.names)) if o.names else "something that usually means no massage that day"
        lines.append(f"Your therapist, {o.by}, treated you on {day(o.recorded_on)} although you had {what}, "
                     f"because: {o.reason}")
    if draft.clearance is not None:
        c = draft.clearance
        lines.append(f"Your doctor ({c.by}) said on {day(c.cleared_on)} that treatment may go ahead. {c.note}")
    return tuple(lines)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _identity(people: People, draft: PlanDraft, digest: str) -> dict[str, Any]:
    """What identifies a printed page, shared by the handout and the summary (CS-08, CS-09)."""
    return {
        "clinic": people.clinic,
        "patient": people.patient,
        "therapist_name": people.therapist,
        "printed_on": people.on_date,
        "plan_digest": digest.removeprefix("sha256:"),
        "protocol": ProtocolInfo(id=draft.protocol_id, title=draft.title, version=draft.protocol_version),
    }


def handout_context(canonical: Mapping[str, Any], digest: str, people: People,
                    options: HandoutOptions) -> HandoutContext:
    """The patient handout of an approved revision (its canonical JSON and stored digest)."""
    draft = planning.plan_from_canonical(canonical)
    current = current_stage(draft)
    coming = next_stage(draft)
    warn = warnings(draft, current)
    if current is None:
        stage_title = f"Your plan starts {draft.stages[0].window}" if draft.stages else draft.patient_title
    else:
        stage_title = current.patient_title
    preview = None
    if coming is not None:
        preview = NextStagePreview(patient_title=coming.patient_title, when=_when(coming),
                                   lines=tuple(f"You will start: {e.title}." for e in coming.home)[:9])
    return HandoutContext(
        **_identity(people, draft, digest),
        stage_title=stage_title,
        exercises=home_programme(current),
        options=options,
        condition=draft.patient_title,
        timeline=_timeline(draft),
        avoid=warn.avoid,
        precautions=warn.precautions,
        stop_and_call=warn.stop_and_call,
        overrides=override_lines(draft),
        next_stage=preview,
        tracking=TrackingSheet(first_day=people.on_date, days=7),
        notes=draft.patient_notes,
    )


def clinic_dose_words(d: ClinicDose) -> str:
    """'5 min, moderate pressure, 10 times' for an in-clinic technique."""
    parts = []
    if d.minutes:
        parts.append(f"{d.minutes} min")
    if d.pressure:
        parts.append(f"{d.pressure.replace('_', ' ')} pressure")
    if d.repetitions:
        parts.append(f"{d.repetitions} times")
    return ", ".join(parts) or "as tolerated"


def summary_context(canonical: Mapping[str, Any], digest: str, people: People, paper: str
                    ) -> TherapistSummaryContext:
    """The one-page therapist summary of the same revision: protocol, stages, findings, overrides, doses."""
    draft = planning.plan_from_canonical(canonical)
    stages = []
    started = draft.current_stage is None
    for s in draft.stages:
        started = started or s.current
        items = []
        if started:  # stages already behind the patient are listed without their doses: one page
            items = [ExerciseDose(t.name + (f" ({planning.leave_out_words(t)})" if t.leave_out else ""),
                                  clinic_dose_words(t.dose), "clinic") for t in s.clinic]
            items += [ExerciseDose(e.name, " ".join(e.dose_lines), "home") for e in home_programme(s)]
        stages.append(SummaryStage(title=f"{s.number}. {s.title}", when=s.window if started else "earlier stage, done",
                                   is_current=s.current, items=tuple(items[:20])))
    overrides = ()
    if draft.override is not None:
        o = draft.override
        absolute = [rule.replace("_", " ") for rule, category in draft.screening.findings if category == "absolute"]
        named = [n[:1].upper() + n[1:] for n in o.names] or absolute
        overrides = (OverrideRecord(finding="; ".join(named) or "screening", reason=o.reason,
                                    by=o.by, on=o.recorded_on),)
    findings = tuple(Finding(label=rule.replace("_", " ").capitalize(), answer="yes", category=category)
                     for rule, category in draft.screening.findings)
    current = [s for s in draft.stages if s.current]
    precautions = tuple(dict.fromkeys([*(a.therapist_text for a in draft.avoid),
                                       *(a.therapist_text for s in current for a in s.protect),
                                       *(p.therapist_text for p in draft.precautions)]))
    lines = override_lines(draft)
    clearance = lines[1:] if draft.override is not None else lines  # the override has its own table above
    notes = " ".join(part for part in (draft.team_notes, *clearance) if part)
    return TherapistSummaryContext(
        **_identity(people, draft, digest),
        stages=tuple(stages),
        paper=paper,
        findings=findings,
        overrides=overrides,
        precautions=precautions,
        notes=notes,
    )
