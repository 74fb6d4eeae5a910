"""``generate_plan``: a protocol, the case facts and a screening in, a draft plan out.

Pure and deterministic (CS-10): no clock (the caller passes ``on_date``), no I/O. Every stage that
applies carries its earliest day computed from the facts, and is current only from that day on (CS-05).
Techniques and home exercises on a locally contraindicated region are removed with the reason kept (CS-03).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from clinic.domain.plan_checks import (
    _is_day,
    _needs_clearance,
    _needs_override,
    _screening_problems,
    check_clearance,
    check_facts,
    check_override,
    check_urgent,
)
from clinic.domain.plan_filtering import filter_item, item_sides, owns, stage_protect
from clinic.domain.plan_model import (
    AvoidLine,
    Clearance,
    Override,
    PlanBlocked,
    PlanDraft,
    PlanFact,
    PlannedStage,
    PlannedTechnique,
    Precaution,
    Removal,
    ScreeningRef,
)
from clinic.domain.protocol_model import (
    BODY_REGIONS,
    CaseFact,
    HomeExercise,
    Library,
    Protocol,
    Stage,
    TechniqueUse,
)
from clinic.domain.rules import MissingFact
from clinic.domain.screening import Finding, ScreeningResult
from clinic.domain.staging import choose_current
from clinic.domain.wording import _when, format_day

# ---------------------------------------------------------------------------------------------
# Generating
# ---------------------------------------------------------------------------------------------


def generate_plan(
    protocol: Protocol,
    facts: Mapping[str, Any],
    screening: ScreeningResult,
    on_date: dt.date,
    *,
    library: Library,
    override: Override | None = None,
    clearance: Clearance | None = None,
    screening_valid_until: dt.date | None = None,
    confirmed: Collection[tuple[str, str]] = (),
) -> PlanDraft:
    """A draft plan for these facts and this screening on ``on_date``; PlanBlocked names every problem.

    ``confirmed`` holds the (stage id, criterion) pairs the therapist has confirmed for this patient: a stage
    after the first is current only when its date has come and its entry criteria are among them
    (``clinic.domain.staging``); the calendar alone never moves the plan on."""
    if not _is_day(on_date):
        raise PlanBlocked([f"The plan date must be a day (no time), got {on_date!r}."])
    problems = _screening_problems(protocol, screening, on_date)
    if screening_valid_until is not None and on_date > screening_valid_until:
        problems.append(
            f"The screening of {format_day(screening.on_date)} expired on {format_day(screening_valid_until)}; "
            f"screen the patient again."
        )
    problems += check_urgent(screening)
    problems += check_override(override, screening, on_date)
    problems += check_clearance(clearance, screening, on_date)
    problems += check_facts(protocol, facts, on_date)
    if problems:
        raise PlanBlocked(problems)

    try:
        applied = [stage for stage in protocol.stages if stage.applies_to(facts)]
    except MissingFact as exc:  # check_facts makes this unreachable; kept so it can never pass silently
        raise PlanBlocked([f"Missing case fact {exc.fact}."]) from None
    if not applied:
        values = "; ".join(f"{name} is {facts.get(name)}" for s in protocol.stages for name, _ in s.only_if)
        raise PlanBlocked([f"No stage of {protocol.id} applies to these case facts ({values})."])

    # The protocol's own injury at its own place is handled by each stage (injured_area), not plan-wide.
    avoid = tuple(
        _avoid_line(f) for f in screening.findings if f.category == "local" and not owns(protocol, facts, f)
    )
    precautions = tuple(_precaution(f) for f in screening.findings if f.category == "relative")
    sides = item_sides(protocol, facts)
    stages: list[PlannedStage] = []
    for number, stage in enumerate(applied, start=1):
        protect = stage_protect(protocol, stage, facts)
        planned = _plan_stage(number, stage, facts, on_date, library, avoid + protect, precautions, sides,
                              protocol=protocol)
        stages.append(replace(planned, protect=protect))
    current = choose_current(stages, confirmed)
    stages = [replace(s, current=s.id == current) for s in stages]
    return PlanDraft(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        content_hash=protocol.content_hash,
        title=protocol.title,
        patient_title=protocol.patient_title,
        on_date=on_date,
        facts=tuple(_plan_fact(fact, facts[fact.name]) for fact in protocol.facts
                    if facts.get(fact.name) not in (None, "")),
        screening=ScreeningRef(
            on_date=screening.on_date,
            decision=screening.decision,
            condition=screening.condition,
            rules_version=screening.rules_version,
            findings=tuple((f.rule_id, f.category) for f in screening.findings),
        ),
        stages=tuple(stages),
        current_stage=current,
        avoid=avoid,
        precautions=precautions,
        # Carried only when the screening needed it, so the handout prints exactly what allowed the plan.
        override=override if _needs_override(screening) else None,
        clearance=clearance if _needs_clearance(screening) else None,
    )


def _plan_fact(fact: CaseFact, value: Any) -> PlanFact:
    return PlanFact(fact.name, fact.type, value.isoformat() if fact.is_date else value)


def _avoid_line(finding: Finding) -> AvoidLine:
    # A local rule without regions keeps the whole hand and arm clear rather than nothing (fail closed).
    return AvoidLine(
        rule_id=finding.rule_id,
        regions=finding.regions or BODY_REGIONS,
        side=finding.side,
        therapist_text=finding.therapist_text,
        patient_text=finding.patient_text,
        start_when=finding.start_when,
        blocks=finding.blocks,
    )


def _precaution(finding: Finding) -> Precaution:
    return Precaution(finding.rule_id, finding.regions, finding.therapist_text, finding.patient_text)


def _plan_stage(
    number: int,
    stage: Stage,
    facts: Mapping[str, Any],
    on_date: dt.date,
    library: Library,
    avoid: tuple[AvoidLine, ...],
    precautions: tuple[Precaution, ...],
    sides: tuple[str, ...],
    *,
    protocol: Protocol,
) -> PlannedStage:
    earliest, firm, waiting, window = _window(protocol, stage, facts, on_date)
    clinic: list[PlannedTechnique] = []
    home: list[HomeExercise] = []
    removed: list[Removal] = []
    for use in stage.clinic:
        item = replace(_planned_technique(use, library), sides=sides)
        kept, removal = filter_item(item, avoid, "clinic", item.name)
        if isinstance(kept, PlannedTechnique):
            clinic.append(kept)
        if removal is not None:
            removed.append(removal)
    for exercise in stage.home:
        regions = _item_regions(exercise.sequence, exercise.regions, library)
        kept, removal = filter_item(replace(exercise, regions=regions, sides=sides), avoid, "home", exercise.title)
        if isinstance(kept, HomeExercise):
            home.append(kept)
        if removal is not None:
            removed.append(removal)
    planned = PlannedStage(
        id=stage.id,
        number=number,
        title=stage.title,
        patient_title=stage.patient_title,
        earliest=earliest,
        firm=firm,
        waiting_for=waiting,
        window=window,
        confirmations=stage.starts.confirmations,
        date_reached=firm and earliest is not None and earliest <= on_date,
        current=False,
        goals=stage.goals,
        clinic=tuple(clinic),
        home=tuple(home),
        removed=tuple(removed),
        precautions=stage.precautions_for(facts),
        screening_precautions=(),
        stop_and_call=stage.stop_and_call,
        move_on_when=stage.move_on_when,
        sources=stage.sources,
    )
    return _attach(planned, precautions)


def _ordered(regions: set[str]) -> tuple[str, ...]:
    return tuple(r for r in BODY_REGIONS if r in regions) + tuple(sorted(regions - set(BODY_REGIONS)))


def _item_regions(sequence: str | None, regions: tuple[str, ...], library: Library) -> tuple[str, ...]:
    """A sequence counts as touching every region of every step, whatever the stage narrowed it to."""
    found = library.sequences.get(sequence) if sequence else None
    return _ordered(set(regions) | set(found.regions if found else ()))


def _planned_technique(use: TechniqueUse, library: Library) -> PlannedTechnique:
    found = library.item(use.technique, use.sequence)
    if found is None:
        raise PlanBlocked([f"The technique or sequence {use.ref!r} is not in the technique library."])
    return PlannedTechnique(
        technique=use.technique,
        sequence=use.sequence,
        name=found.name,
        description=found.description,
        regions=_item_regions(use.sequence, use.regions, library),
        dose=use.dose,
        note=use.note,
        item_kind=use.item_kind or found.item_kind,
    )


def _attach(stage: PlannedStage, precautions: tuple[Precaution, ...]) -> PlannedStage:
    """Attach each relative precaution to the stage when it has no regions or the stage works on one."""
    used = {r for item in (*stage.clinic, *stage.home) for r in item.regions}
    attached = tuple(p for p in precautions if not p.regions or set(p.regions) & used)
    return replace(stage, screening_precautions=attached)


def _window(
    protocol: Protocol, stage: Stage, facts: Mapping[str, Any], on_date: dt.date
) -> tuple[dt.date | None, bool, tuple[str, ...], str]:
    """Earliest known day, whether it is firm, the facts still awaited, and the window in words."""
    planned = {fact.name for fact in protocol.facts if fact.type == "planned_date"}
    known: list[dt.date] = []
    waiting: list[str] = []
    events: list[tuple[str, int]] = []  # (fact, days after it) still to happen or to be recorded
    for term in stage.starts.dates:
        try:
            day = term.earliest(facts)
        except MissingFact as exc:
            waiting.append(exc.fact)
            events.append((exc.fact, term.days if term.days_by_fact is None else 0))
            continue
        known.append(day)
        if term.fact in planned and facts[term.fact] > on_date:
            events.append((term.fact, 0))
    earliest = max(known) if known else None
    firm = earliest is not None and not events
    when = _when(list(dict.fromkeys(events)), protocol.event_words())
    if firm:
        window = f"from {format_day(earliest)}"
    elif earliest is not None and (earliest > on_date or not waiting):
        window = f"from about {format_day(earliest)}, {when}"
    elif events:
        window = f"no date yet: {when}"
    else:
        window = "no date: when the therapist confirms it can start"
    return earliest, firm, tuple(dict.fromkeys(waiting)), window


