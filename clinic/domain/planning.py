"""Plan engine: a protocol, the case facts and a screening in, a draft plan (a FHIR *CarePlan*) out.

``generate_plan`` is pure and deterministic (CS-10): no clock (the caller passes ``on_date``), no
I/O, and every collection in the draft is a tuple in a fixed order, so the same inputs give equal
drafts and the same canonical JSON. It fails closed (CLINICAL.md §1): an absolute finding without a
valid override (CS-01, CS-02), a refer finding without a clearance, open screening questions, and
missing or impossible case facts (CS-04) all raise ``PlanBlocked`` naming every problem.

In the draft, every stage that applies to the facts carries its earliest day computed from the
facts (never from "today"), and a stage is current only from that day on (CS-05). Techniques and
home exercises on a locally contraindicated region are removed with the reason kept (CS-03), also
after the therapist's edits. ``plan_to_canonical`` and ``plan_digest`` give the JSON and digest an
approved revision is frozen with (CS-09); ``needs_review`` says when an approved plan must be looked
at again (CS-06, CS-11).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from clinic.domain.protocols import (
    _DOSE_LIMITS,
    BODY_REGIONS,
    CaseFact,
    ClinicDose,
    HomeDose,
    HomeExercise,
    Library,
    Protocol,
    RefersToTechnique,
    Sequence,
    Stage,
    StopSigns,
    Technique,
    TechniqueUse,
    describe_home_dose,
)
from clinic.domain.rules import MissingFact
from clinic.domain.screening import REGION_WORDS, Finding, ScreeningResult

__all__ = [
    "DATE_ORDER",
    "OVERRIDE_ROLES",
    "PLANNED_DATE_FACTS",
    "PLAN_FORMAT",
    "AvoidLine",
    "Clearance",
    "Override",
    "PlanBlocked",
    "PlanDraft",
    "PlanEditError",
    "PlanFact",
    "PlannedStage",
    "PlannedTechnique",
    "Precaution",
    "Removal",
    "ScreeningRef",
    "add_home_exercise",
    "check_clearance",
    "check_facts",
    "check_override",
    "diff_plans",
    "format_day",
    "generate_plan",
    "local_problems",
    "needs_review",
    "plan_digest",
    "plan_from_canonical",
    "plan_to_canonical",
    "remove_home_exercise",
    "set_home_dose",
    "set_notes",
]

# Version of the canonical JSON layout; stored with every approved revision.
PLAN_FORMAT = 1

# Date facts that may lie in the future because they are a planned date (the cast's planned removal).
# Every other date fact describes an event that has happened, so a date after on_date is impossible
# (CS-04). A clinic protocol with a new planned date must be added here; until then it fails closed.
PLANNED_DATE_FACTS = frozenset({"cast_removal_date"})

# (later, earlier): the first date can never be before the second one (CS-04).
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("cast_removal_date", "fracture_date"),
    ("healing_confirmed_date", "fracture_date"),
    ("medically_stable_date", "stroke_date"),
    ("acute_over_date", "onset_date"),
    ("swelling_pain_gone_date", "injury_date"),
)
_OLDEST_DATE = dt.date(1900, 1, 1)

# Who may override an absolute contraindication: only the treating clinicians (README: therapists treat).
OVERRIDE_ROLES = ("therapist",)
_MIN_REASON = 20
_MAX_NOTES = 10_000

# How a stage window names an event it still waits for: "from about 2 April 2026, when the cast is off".
_EVENT_WORDS = {
    "cast_removal_date": "the cast is off",
    "healing_confirmed_date": "the doctor confirms healing",
    "medically_stable_date": "a doctor declares the patient medically stable",
    "acute_over_date": "the acute period is over",
    "flare_settled_date": "the flare has settled",
    "swelling_pain_gone_date": "the swelling and pain have gone",
}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


# ---------------------------------------------------------------------------------------------
# Inputs besides the protocol, facts and screening
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A therapist's recorded decision to treat despite an absolute contraindication (CS-02).

    ``reason`` must name every absolute contraindication found, by its id (``suspected_blood_clot``)
    or its words ("suspected blood clot"); it is printed on the handout.
    """

    by: str
    role: str
    reason: str
    recorded_on: dt.date


@dataclass(frozen=True)
class Clearance:
    """A doctor's or specialist's clearance after a *refer* finding: who cleared, when, and what they said."""

    by: str
    cleared_on: dt.date
    note: str


class PlanBlocked(ValueError):
    """No plan can be made; ``problems`` names every reason, each a sentence for the therapist."""

    def __init__(self, problems: list[str] | tuple[str, ...]):
        self.problems = tuple(problems)
        super().__init__("No plan: " + " ".join(self.problems))


class PlanEditError(ValueError):
    """An edit of a draft was refused; the message says why."""


# ---------------------------------------------------------------------------------------------
# The draft
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFact:
    """One case fact as recorded in the plan; dates are ISO text here, see ``PlanDraft.fact_values``."""

    name: str
    type: str
    value: str


@dataclass(frozen=True)
class ScreeningRef:
    """Which screening the plan was made from, and what it found (rule id, category) in rule order."""

    on_date: dt.date
    decision: str
    condition: str | None
    rules_version: int
    findings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AvoidLine:
    """A local contraindication: the regions and side to keep clear of, in therapist and patient words."""

    rule_id: str
    regions: tuple[str, ...]
    side: str | None
    therapist_text: str
    patient_text: str
    start_when: str = ""


@dataclass(frozen=True)
class Precaution:
    """A relative contraindication turned into a precaution; no regions means it concerns every stage."""

    rule_id: str
    regions: tuple[str, ...]
    therapist_text: str
    patient_text: str


@dataclass(frozen=True)
class PlannedTechnique(RefersToTechnique):
    """An in-clinic technique or sequence of a stage, named in the plan so it survives library changes."""

    technique: str | None
    sequence: str | None
    name: str
    description: str
    regions: tuple[str, ...]
    dose: ClinicDose
    note: str = ""


@dataclass(frozen=True)
class Removal:
    """A technique or home exercise left out because it works on a locally contraindicated region."""

    kind: str  # "clinic" or "home"
    ref: str
    name: str
    regions: tuple[str, ...]
    rule_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class PlannedStage:
    """A protocol stage in this patient's plan, with its dated window and what is done in it.

    ``earliest`` is the earliest day known so far; ``firm`` says it depends on no planned date and no
    date still to be recorded (``waiting_for``). ``date_reached`` and ``current`` are never true before
    ``earliest`` (CS-05).
    """

    id: str
    number: int
    title: str
    patient_title: str
    earliest: dt.date | None
    firm: bool
    waiting_for: tuple[str, ...]
    window: str
    confirmations: tuple[str, ...]
    date_reached: bool
    current: bool
    goals: tuple[str, ...]
    clinic: tuple[PlannedTechnique, ...]
    home: tuple[HomeExercise, ...]
    removed: tuple[Removal, ...]
    precautions: tuple[str, ...]
    screening_precautions: tuple[Precaution, ...]
    stop_and_call: tuple[StopSigns, ...]
    move_on_when: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PlanDraft:
    """A plan before (or as) approved: everything the plan page and the handout print."""

    protocol_id: str
    protocol_version: int
    content_hash: str
    title: str
    patient_title: str
    on_date: dt.date
    facts: tuple[PlanFact, ...]
    screening: ScreeningRef
    stages: tuple[PlannedStage, ...]
    current_stage: str | None
    avoid: tuple[AvoidLine, ...]
    precautions: tuple[Precaution, ...]
    override: Override | None
    clearance: Clearance | None
    patient_notes: str = ""
    team_notes: str = ""

    def stage(self, stage_id: str) -> PlannedStage:
        """The stage with this id; KeyError if the plan has none."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def fact_values(self) -> dict[str, Any]:
        """The case facts as the protocol reads them (dates as ``datetime.date``)."""
        return {
            fact.name: dt.date.fromisoformat(fact.value) if fact.type == "date" else fact.value
            for fact in self.facts
        }


# ---------------------------------------------------------------------------------------------
# Checks that block a plan
# ---------------------------------------------------------------------------------------------


def _is_day(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _words(rule_id: str) -> str:
    return rule_id.replace("_", " ")


def _needs_override(screening: ScreeningResult) -> bool:
    return screening.decision == "defer" or any(f.category == "absolute" for f in screening.findings)


def _needs_clearance(screening: ScreeningResult) -> bool:
    return screening.decision == "refer" or any(f.category == "refer" for f in screening.findings)


def check_override(
    override: Override | None, screening: ScreeningResult, on_date: dt.date
) -> list[str]:
    """Problems with an override of the screening's absolute findings; empty when it is valid (CS-02)."""
    if not _needs_override(screening):
        return []
    absolute = [f.rule_id for f in screening.findings if f.category == "absolute"]
    names = ", ".join(absolute) or "the absolute contraindication"
    if override is None:
        return [
            f"The screening says do not treat ({names}); a therapist must record an override "
            f"(who, role and a reason naming {names}) before a plan can be made."
        ]
    problems: list[str] = []
    if not isinstance(override.by, str) or not override.by.strip():
        problems.append("The override does not say who recorded it.")
    if override.role not in OVERRIDE_ROLES:
        problems.append(
            f"An override must be recorded by a {' or '.join(OVERRIDE_ROLES)}, not {override.role!r}."
        )
    reason = override.reason if isinstance(override.reason, str) else ""
    if len(reason.strip()) < _MIN_REASON:
        problems.append(f"The override reason must be at least {_MIN_REASON} characters.")
    folded = " ".join(reason.casefold().split())
    for rule_id in absolute:
        if rule_id.casefold() not in folded and _words(rule_id).casefold() not in folded:
            problems.append(
                f"The override reason must name the contraindication {rule_id} "
                f"(write {rule_id!r} or {_words(rule_id)!r})."
            )
    if not _is_day(override.recorded_on):
        problems.append("The override has no date.")
    elif override.recorded_on < screening.on_date:
        problems.append(
            f"The override of {format_day(override.recorded_on)} is older than the screening of "
            f"{format_day(screening.on_date)}; record it again for this screening."
        )
    elif override.recorded_on > on_date:
        problems.append(f"The override is dated {format_day(override.recorded_on)}, after the plan date.")
    return problems


def check_clearance(
    clearance: Clearance | None, screening: ScreeningResult, on_date: dt.date
) -> list[str]:
    """Problems with the clearance of the screening's refer findings; empty when it is valid."""
    if not _needs_clearance(screening):
        return []
    refer = [f.rule_id for f in screening.findings if f.category == "refer"]
    names = ", ".join(refer) or "the referral"
    if clearance is None:
        return [
            f"The screening says refer first ({names}); record who cleared the patient, when, "
            f"and what they said before a plan can be made."
        ]
    problems: list[str] = []
    if not isinstance(clearance.by, str) or not clearance.by.strip():
        problems.append("The clearance does not say who cleared the patient.")
    if not isinstance(clearance.note, str) or not clearance.note.strip():
        problems.append("The clearance has no note saying what was cleared.")
    if not _is_day(clearance.cleared_on):
        problems.append("The clearance has no date.")
    elif clearance.cleared_on > on_date:
        problems.append(f"The clearance is dated {format_day(clearance.cleared_on)}, after the plan date.")
    return problems


def _screening_problems(protocol: Protocol, screening: ScreeningResult, on_date: dt.date) -> list[str]:
    problems: list[str] = []
    if screening.condition != protocol.id:
        problems.append(
            f"The screening was for {screening.condition or 'no condition'}, not for {protocol.id}; "
            f"screen the patient for {protocol.id}."
        )
    if screening.on_date > on_date:
        problems.append(
            f"The screening is dated {format_day(screening.on_date)}, after the plan date {format_day(on_date)}."
        )
    lists = (
        ("Unanswered screening questions", screening.unanswered),
        ('Screening questions answered "not known"', screening.not_known),
        ("Case facts the screening needed but did not have", screening.missing_facts),
        ("Impossible case facts in the screening", screening.impossible_facts),
        ("Screening findings without their body regions marked", screening.unmarked),
    )
    for label, items in lists:
        if items:
            problems.append(f"{label}: {', '.join(items)}.")
    if screening.decision == "incomplete" and not any(items for _, items in lists):
        problems.append("The screening is not finished.")
    return problems


def check_facts(protocol: Protocol, facts: Mapping[str, Any], on_date: dt.date) -> list[str]:
    """Every missing or impossible case fact for this protocol, each named (CS-04); empty when all is well."""
    problems: list[str] = []
    known = {fact.name: fact for fact in protocol.facts}
    for name in sorted(set(facts) - set(known), key=str):
        problems.append(
            f"Unknown case fact {name!r}; {protocol.id} records: {', '.join(known)}."
        )
    for fact in protocol.facts:
        value = facts.get(fact.name)
        if value is None or value == "":
            if fact.required:
                problems.append(f"Missing case fact {fact.name} ({fact.question}).")
            continue
        problems.extend(_fact_value_problems(fact, value, on_date))
    for later, earlier in DATE_ORDER:
        a, b = facts.get(later), facts.get(earlier)
        if later in known and earlier in known and _is_day(a) and _is_day(b) and a < b:
            problems.append(
                f"Impossible dates: {later} ({format_day(a)}) is before {earlier} ({format_day(b)})."
            )
    return problems


def _fact_value_problems(fact: CaseFact, value: Any, on_date: dt.date) -> list[str]:
    if fact.type == "date":
        if not _is_day(value):
            return [f"Case fact {fact.name} must be a date (a day, no time), got {value!r}."]
        if value < _OLDEST_DATE:
            return [f"Impossible date: {fact.name} is {format_day(value)}, before 1900."]
        if value > on_date and fact.name not in PLANNED_DATE_FACTS:
            return [
                f"Impossible date: {fact.name} is {format_day(value)}, after the plan date "
                f"{format_day(on_date)}; it describes something that has already happened."
            ]
        return []
    if fact.type in ("choice", "side", "yes_no"):
        if value not in fact.values:
            return [f"Case fact {fact.name} must be one of {', '.join(fact.values)}, got {value!r}."]
        return []
    if not isinstance(value, str) or not value.strip():
        return [f"Case fact {fact.name} must be text, got {value!r}."]
    return []


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
) -> PlanDraft:
    """A draft plan for these facts and this screening on ``on_date``; PlanBlocked names every problem."""
    if not _is_day(on_date):
        raise PlanBlocked([f"The plan date must be a day (no time), got {on_date!r}."])
    problems = _screening_problems(protocol, screening, on_date)
    if screening_valid_until is not None and on_date > screening_valid_until:
        problems.append(
            f"The screening of {format_day(screening.on_date)} expired on {format_day(screening_valid_until)}; "
            f"screen the patient again."
        )
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

    avoid = tuple(_avoid_line(f) for f in screening.findings if f.category == "local")
    precautions = tuple(_precaution(f) for f in screening.findings if f.category == "relative")
    stages: list[PlannedStage] = []
    for number, stage in enumerate(applied, start=1):
        stages.append(_plan_stage(number, stage, facts, on_date, library, avoid, precautions))
    current = None
    for stage in stages:
        if stage.date_reached:
            current = stage.id
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
    return PlanFact(fact.name, fact.type, value.isoformat() if fact.type == "date" else value)


def _avoid_line(finding: Finding) -> AvoidLine:
    # A local rule without regions keeps the whole hand and arm clear rather than nothing (fail closed).
    return AvoidLine(
        rule_id=finding.rule_id,
        regions=finding.regions or BODY_REGIONS,
        side=finding.side,
        therapist_text=finding.therapist_text,
        patient_text=finding.patient_text,
        start_when=finding.start_when,
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
) -> PlannedStage:
    earliest, firm, waiting, window = _window(stage, facts, on_date)
    clinic: list[PlannedTechnique] = []
    home: list[HomeExercise] = []
    removed: list[Removal] = []
    for use in stage.clinic:
        item = _planned_technique(use, library)
        removal = _removal("clinic", item.ref, item.name, item.regions, avoid)
        if removal is None:
            clinic.append(item)
        else:
            removed.append(removal)
    for exercise in stage.home:
        regions = _item_regions(exercise.sequence, exercise.regions, library)
        removal = _removal("home", exercise.ref, exercise.title, regions, avoid)
        if removal is None:
            home.append(replace(exercise, regions=regions))
        else:
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
        precautions=stage.precautions,
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
    found: Technique | Sequence | None = (
        library.techniques.get(use.technique) if use.technique else library.sequences.get(use.sequence or "")
    )
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
    )


def _removal(kind: str, ref: str, name: str, regions: tuple[str, ...], avoid: tuple[AvoidLine, ...]) -> Removal | None:
    """Why an item on a locally contraindicated region is left out, or None when it may stay (CS-03).

    Regions carry no side in the library, and home exercises use both hands (rubbing the hands
    together, self-massage with the other hand), so a local finding on either side removes the item.
    """
    hits = [line for line in avoid if set(line.regions) & set(regions)]
    if not hits:
        return None
    touched = _ordered({r for line in hits for r in line.regions} & set(regions))
    reasons = " ".join(line.therapist_text for line in hits)
    return Removal(
        kind=kind,
        ref=ref,
        name=name,
        regions=touched,
        rule_ids=tuple(line.rule_id for line in hits),
        reason=f"It works on the {_region_words(touched)}, which must not be massaged. {reasons}",
    )


def _attach(stage: PlannedStage, precautions: tuple[Precaution, ...]) -> PlannedStage:
    """Attach each relative precaution to the stage when it has no regions or the stage works on one."""
    used = {r for item in (*stage.clinic, *stage.home) for r in item.regions}
    attached = tuple(p for p in precautions if not p.regions or set(p.regions) & used)
    return replace(stage, screening_precautions=attached)


def _window(
    stage: Stage, facts: Mapping[str, Any], on_date: dt.date
) -> tuple[dt.date | None, bool, tuple[str, ...], str]:
    """Earliest known day, whether it is firm, the facts still awaited, and the window in words."""
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
        if term.fact in PLANNED_DATE_FACTS and facts[term.fact] > on_date:
            events.append((term.fact, 0))
    earliest = max(known) if known else None
    firm = earliest is not None and not events
    when = _when(list(dict.fromkeys(events)))
    if firm:
        window = f"from {format_day(earliest)}"
    elif earliest is not None and (earliest > on_date or not waiting):
        window = f"from about {format_day(earliest)}, {when}"
    elif events:
        window = f"no date yet: {when}"
    else:
        window = "no date: when the therapist confirms it can start"
    return earliest, firm, tuple(dict.fromkeys(waiting)), window


def _when(events: list[tuple[str, int]]) -> str:
    """'when the cast is off and the doctor confirms healing', '14 days after the flare has settled'."""
    def words(fact: str) -> str:
        return _EVENT_WORDS.get(fact, f"{fact.replace('_', ' ')} is recorded")

    plain = [words(fact) for fact, days in events if not days]
    parts = [f"when {_join(plain)}"] if plain else []
    parts += [f"{days} day{'s' if days != 1 else ''} after {words(fact)}" for fact, days in events if days]
    return ", and ".join(parts)


def _join(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _region_words(regions: tuple[str, ...]) -> str:
    return _join([REGION_WORDS.get(r, r.replace("_", " ")) for r in regions])


def format_day(day: dt.date) -> str:
    """A day in words, independent of the machine's locale: '14 March 2026'."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


# ---------------------------------------------------------------------------------------------
# Edits by the therapist (each returns a new draft; CS-03 holds after every edit)
# ---------------------------------------------------------------------------------------------


def local_problems(draft: PlanDraft) -> list[str]:
    """Items of the plan on a locally contraindicated region; empty for every valid plan (CS-03)."""
    problems = []
    for stage in draft.stages:
        for item in (*stage.clinic, *stage.home):
            name = item.name if isinstance(item, PlannedTechnique) else item.title
            removal = _removal("", item.ref, name, item.regions, draft.avoid)
            if removal is not None:
                problems.append(f"Stage {stage.number}, {name}: {removal.reason}")
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
    if found.kind != "home":
        raise PlanEditError(f"{found.name} is done by the therapist; only home techniques go in the home programme.")
    is_sequence = isinstance(found, Sequence)
    regions = _item_regions(ref if is_sequence else None, found.regions, library)
    removal = _removal("home", ref, found.patient_name, regions, draft.avoid)
    if removal is not None:
        raise PlanEditError(f"{found.patient_name} cannot be added. {removal.reason}")
    chosen = dose if dose is not None else _default_dose(ref, draft.protocol_id, library)
    _check_home_dose(chosen)
    exercise = HomeExercise(
        technique=None if is_sequence else ref,
        sequence=ref if is_sequence else None,
        title=found.patient_name,
        description=found.patient_description,
        steps=tuple(step.text for step in found.steps) if isinstance(found, Sequence) else found.steps,
        illustration=found.illustration or "",
        regions=regions,
        dose=chosen,
    )

    def change(stage: PlannedStage) -> PlannedStage:
        if any(item.ref == ref for item in stage.home):
            raise PlanEditError(f"{found.patient_name} is already in stage {stage.number}.")
        return replace(stage, home=(*stage.home, exercise))

    return _edit_stage(draft, stage_id, change)


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


# ---------------------------------------------------------------------------------------------
# Canonical JSON, digest, round trip (CS-09)
# ---------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = sorted(f.name for f in dataclasses.fields(value))
        return {name: _encode(getattr(value, name)) for name in names}
    if isinstance(value, dt.datetime):
        raise TypeError(f"a plan holds days, not times: {value!r}")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    raise TypeError(f"cannot put {value!r} in a plan's JSON")


def plan_to_canonical(draft: PlanDraft) -> dict[str, Any]:
    """The plan as plain JSON values with sorted keys and ISO dates; includes the protocol id, version, hash."""
    body = _encode(draft)
    return {"format": PLAN_FORMAT, "plan": body}


def _dumps(canonical: Mapping[str, Any]) -> str:
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plan_digest(canonical: Mapping[str, Any]) -> str:
    """``sha256:`` and the hex digest of the canonical JSON (sorted keys, compact, UTF-8)."""
    return "sha256:" + hashlib.sha256(_dumps(canonical).encode("utf-8")).hexdigest()


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The resolved field types of a dataclass (its annotations are strings under PEP 563)."""
    types_by_name = typing.get_type_hints(cls)
    return {f.name: types_by_name[f.name] for f in dataclasses.fields(cls)}


def _decode(tp: Any, raw: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if raw is None:
            return None
        return _decode(options[0], raw, path)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(raw, list):
            raise ValueError(f"{path}: expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item, f"{path}[{i}]") for i, item in enumerate(raw))
        if len(raw) != len(args):
            raise ValueError(f"{path}: expected {len(args)} items")
        return tuple(_decode(a, item, f"{path}[{i}]") for i, (a, item) in enumerate(zip(args, raw, strict=True)))
    if tp is dt.date:
        if not isinstance(raw, str):
            raise ValueError(f"{path}: expected a date like 2026-03-14")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is None or day.isoformat() != raw:
            raise ValueError(f"{path}: expected a date like 2026-03-14")
        return day
    if tp is bool:
        if not isinstance(raw, bool):
            raise ValueError(f"{path}: expected true or false")
        return raw
    if tp is int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError(f"{path}: expected a whole number")
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise ValueError(f"{path}: expected text")
        return raw
    if dataclasses.is_dataclass(tp):
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected an object")
        hints = _hints(tp)
        names = set(hints)
        if set(raw) != names:
            extra, missing = sorted(set(raw) - names), sorted(names - set(raw))
            raise ValueError(f"{path}: unexpected keys {extra}, missing keys {missing}")
        return tp(**{name: _decode(hints[name], raw[name], f"{path}.{name}") for name in sorted(names)})
    raise ValueError(f"{path}: cannot read {tp!r}")


def plan_from_canonical(canonical: Mapping[str, Any]) -> PlanDraft:
    """The draft back from its canonical JSON; ValueError names the first broken key, or a CS-03 breach."""
    if not isinstance(canonical, Mapping) or set(canonical) != {"format", "plan"}:
        raise ValueError("expected an object with 'format' and 'plan'")
    if canonical["format"] != PLAN_FORMAT:
        raise ValueError(f"format {canonical['format']!r} is not {PLAN_FORMAT}")
    draft = _decode(PlanDraft, canonical["plan"], "plan")
    problems = local_problems(draft)
    if problems:
        raise ValueError(" ".join(problems))
    return draft


# ---------------------------------------------------------------------------------------------
# Differences between revisions, and when an approved plan needs review
# ---------------------------------------------------------------------------------------------

_DOSE_WORDS = (
    ("repetitions", "{} times"),
    ("sets", "{} sets"),
    ("hold_seconds", "hold {} seconds"),
    ("minutes", "{} minutes"),
    ("times_per_day", "{} times a day"),
    ("pressure", "{} pressure"),
)


def _dose_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    for key, words in _DOSE_WORDS:
        if key not in old and key not in new:
            continue
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if a is None:
            out.append("added " + words.format(b))
        elif b is None:
            out.append("no more " + words.format(a))
        else:
            out.append(words.format(f"{a} → {b}"))
    return out


def _home_dose_words(dose: Mapping[str, Any]) -> str:
    try:
        return describe_home_dose(HomeDose(**dose))
    except TypeError:
        return str(dose)


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return f'"{text[:57]}…"' if len(text) > 60 else f'"{text}"'


def diff_plans(old_canonical: Mapping[str, Any], new_canonical: Mapping[str, Any]) -> list[str]:
    """What changed between two revisions, one readable line each ("Stage 2, Piano taps: 10 → 15 times")."""
    old, new = old_canonical.get("plan", {}), new_canonical.get("plan", {})
    out: list[str] = []
    if (old.get("protocol_id"), old.get("protocol_version"), old.get("content_hash")) != (
        new.get("protocol_id"), new.get("protocol_version"), new.get("content_hash")
    ):
        out.append(
            f"Protocol: {old.get('protocol_id')} version {old.get('protocol_version')} → "
            f"{new.get('protocol_id')} version {new.get('protocol_version')}"
            + (" (file changed)" if old.get("protocol_version") == new.get("protocol_version") else "")
        )
    old_facts = {f["name"]: f["value"] for f in old.get("facts", [])}
    new_facts = {f["name"]: f["value"] for f in new.get("facts", [])}
    for name in sorted(set(old_facts) | set(new_facts)):
        a, b = old_facts.get(name, "(none)"), new_facts.get(name, "(none)")
        if a != b:
            out.append(f"Case fact {name}: {a} → {b}")
    old_stages = {s["id"]: s for s in old.get("stages", [])}
    new_stages = {s["id"]: s for s in new.get("stages", [])}
    for sid, stage in old_stages.items():
        if sid not in new_stages:
            out.append(f"Stage {stage['number']} ({stage['title']}) removed")
    for sid, stage in new_stages.items():
        label = f"Stage {stage['number']}"
        if sid not in old_stages:
            out.append(f"{label} ({stage['title']}) added")
            continue
        out += _stage_changes(label, old_stages[sid], stage)
    if old.get("current_stage") != new.get("current_stage"):
        out.append(f"Current stage: {old.get('current_stage') or 'none'} → {new.get('current_stage') or 'none'}")
    for key, label in (("avoid", "Do not massage"), ("precautions", "Precaution")):
        before = {line["rule_id"]: line for line in old.get(key, [])}
        after = {line["rule_id"]: line for line in new.get(key, [])}
        out += [f"{label} added: {after[r]['patient_text']}" for r in after if r not in before]
        out += [f"{label} removed: {before[r]['patient_text']}" for r in before if r not in after]
    for key, label in (("patient_notes", "Notes for the patient"), ("team_notes", "Notes for the team")):
        if old.get(key, "") != new.get(key, ""):
            out.append(f"{label}: {_short(old.get(key, ''))} → {_short(new.get(key, ''))}")
    for key, label in (("override", "Override"), ("clearance", "Clearance")):
        if old.get(key) != new.get(key):
            out.append(f"{label} {'recorded' if new.get(key) else 'removed'}"
                       + (f" by {new[key]['by']}" if new.get(key) else ""))
    if old.get("screening") != new.get("screening"):
        out.append(
            f"Screening: {old.get('screening', {}).get('on_date')} → {new.get('screening', {}).get('on_date')}"
        )
    return out


def _stage_changes(label: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    if old["window"] != new["window"]:
        out.append(f"{label}, start: {old['window']} → {new['window']}")
    for key, kind, title in (("home", "home exercise", "title"), ("clinic", "technique", "name")):
        before = _keyed(old.get(key, []))
        after = _keyed(new.get(key, []))
        for k, item in before.items():
            if k not in after:
                out.append(f"{label}, removed {kind}: {item[title]}")
        for k, item in after.items():
            if k not in before:
                dose = _home_dose_words(item["dose"]) if key == "home" else ""
                out.append(f"{label}, added {kind}: {item[title]}" + (f" ({dose})" if dose else ""))
            elif before[k]["dose"] != item["dose"]:
                out.append(f"{label}, {item[title]}: {', '.join(_dose_changes(before[k]['dose'], item['dose']))}")
    old_removed = {(r["kind"], r["ref"]) for r in old.get("removed", [])}
    for removal in new.get("removed", []):
        if (removal["kind"], removal["ref"]) not in old_removed:
            out.append(f"{label}, left out: {removal['name']} ({', '.join(removal['rule_ids'])})")
    return out


def _keyed(items: list[Mapping[str, Any]]) -> dict[tuple[str, int], Mapping[str, Any]]:
    """Items keyed by (technique or sequence id, occurrence), so a repeated id still pairs up."""
    seen: dict[str, int] = {}
    out = {}
    for item in items:
        ref = item.get("technique") or item.get("sequence") or ""
        seen[ref] = seen.get(ref, 0) + 1
        out[(ref, seen[ref])] = item
    return out


def needs_review(
    approved_canonical: Mapping[str, Any],
    *,
    screening_valid_until: dt.date | None,
    on_date: dt.date,
    clinical_changed_after_screening: bool,
    current_protocol_version: int | None,
    current_content_hash: str | None,
) -> list[str]:
    """Why an approved plan must be reviewed (and its handout held back) today; empty when it need not (CS-06, CS-11).

    ``screening_valid_until`` is the last day the plan's screening counts (None: no valid screening);
    ``current_protocol_version``/``current_content_hash`` describe the protocol loaded now (None: gone).
    """
    plan = approved_canonical.get("plan", {})
    pid = plan.get("protocol_id", "?")
    reasons: list[str] = []
    screened = plan.get("screening", {}).get("on_date", "?")
    if screening_valid_until is None:
        reasons.append("There is no valid screening for this plan; screen the patient again.")
    elif on_date > screening_valid_until:
        reasons.append(
            f"The screening of {screened} expired on {screening_valid_until.isoformat()}; "
            f"screen the patient again and re-approve the plan."
        )
    if clinical_changed_after_screening:
        reasons.append(
            "The patient's history or medication changed after the screening; "
            "screen again and re-approve the plan."
        )
    version, content_hash = plan.get("protocol_version"), plan.get("content_hash")
    if current_protocol_version is None:
        reasons.append(f"The protocol {pid} is no longer in the library.")
    elif current_protocol_version != version:
        reasons.append(
            f"Protocol {pid} is now version {current_protocol_version}; this plan uses version {version}. "
            f"Review it against the new version."
        )
    elif current_content_hash != content_hash:
        reasons.append(
            f"The protocol file {pid} (version {version}) has changed since this plan was approved; review it."
        )
    return reasons
