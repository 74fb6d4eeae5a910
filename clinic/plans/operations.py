"""Plan verbs: take the session, flush, never commit. The engine (``clinic.domain.planning``) decides;
these functions read its inputs from the database and store what it returns.

Approval is one unit of work (REL-05): the revision, its audit row and the rendered handout are added
to the caller's transaction, which commits once or rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import Select, bindparam, event, func, select
from sqlalchemy.orm import Session, defer

from clinic import audit, localtime
from clinic.domain import carryover, planning
from clinic.domain.carryover import CarryOver
from clinic.domain.outcomes import session_problems
from clinic.domain.planning import PlanBlocked, PlanDraft, PlanEditError
from clinic.domain.progress import move_to_next_stage, next_stage, next_stage_criteria
from clinic.domain.protocols import HomeDose, Library
from clinic.domain.screening import Finding, ScreeningResult
from clinic.domain.screening_json import facts_from_json
from clinic.domain.wording import format_day
from clinic.handouts import printing
from clinic.library import library, screening_rules
from clinic.models import (
    Clinic,
    Episode,
    HandoutFile,
    HandoutPrint,
    Patient,
    Plan,
    PlanRevision,
    PlanStatus,
    RevisionReview,
    Screening,
    StageConfirmation,
    StageMove,
    TreatmentSession,
    User,
)
from clinic.patients.registry import TimelineEntry, Window, newest_first, timeline_source
from clinic.plans.decoded import read_plan
from clinic.screening import operations as screening_ops

MAX_HOME_EXERCISES = 12  # what one handout prints (clinic.handouts.context.MAX_EXERCISES)


@event.listens_for(PlanRevision, "before_update")
@event.listens_for(HandoutFile, "before_update")
def _frozen(_mapper, _connection, target) -> None:
    """Approved revisions and their rendered PDFs never change (CS-09): an update is a bug."""
    raise RuntimeError(f"{type(target).__name__} rows are never updated once stored")


class PlanRefused(ValueError):
    """The plan cannot be made, changed, approved or printed; ``problems`` says why, each a sentence."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__(" ".join(self.problems))


class EditConflict(Exception):
    """Someone else saved the plan after this user loaded it (REL-01)."""


def _touch(plan: Plan, user: User, now: dt.datetime) -> None:
    """Record who changed the plan and when, and take the next version (checked on UPDATE, REL-01)."""
    plan.updated_by = user.email
    plan.updated_at = now
    plan.version = (plan.version or 0) + 1


# ------------------------------------------------------------------------------- screening inputs


def screening_result(row: Screening) -> ScreeningResult:
    """The stored screening result as the engine's value again."""
    r = row.result

    def day(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    findings = tuple(
        Finding(rule_id=f["rule_id"], category=f["category"], regions=tuple(f.get("regions") or ()),
                side=f.get("side"), therapist_text=f.get("therapist_text", ""),
                patient_text=f.get("patient_text", ""), detail=f.get("detail", ""),
                earliest_date=day(f.get("earliest_date")), start_when=f.get("start_when", ""),
                waiting_for=tuple(f.get("waiting_for") or ()),
                # Screenings stored before the body map have no blocks: () blocks every kind (as they did).
                blocks=tuple(f.get("blocks") or ()))
        for f in r.get("findings", [])
    )
    return ScreeningResult(
        decision=r["decision"], findings=findings, earliest_date=day(r.get("earliest_date")),
        unanswered=tuple(r.get("unanswered", ())), not_known=tuple(r.get("not_known", ())),
        missing_facts=tuple(r.get("missing_facts", ())), impossible_facts=tuple(r.get("impossible_facts", ())),
        unmarked=tuple(r.get("unmarked", ())), ignored=tuple(r.get("ignored", ())), on_date=row.on_date,
        condition=row.condition, rules_version=row.rules_version,
    )


def condition_screening(db: Session, patient: Patient, protocol_id: str) -> Screening | None:
    """The patient's newest screening for this condition, or None."""
    return db.scalars(
        select(Screening).where(Screening.patient_id == patient.id, Screening.condition == protocol_id)
        .order_by(Screening.screened_at.desc(), Screening.id.desc()).limit(1)
    ).first()


@dataclass(frozen=True)
class ScreeningCheck:
    """The screening a plan for this condition would use, and why it cannot be used (empty: it can)."""

    screening: Screening | None
    problems: tuple[str, ...]


def check_screening(db: Session, patient: Patient, protocol_id: str, today: dt.date) -> ScreeningCheck:
    """A plan needs a valid screening for this patient and condition (the one validity rule of screening)."""
    screening = condition_screening(db, patient, protocol_id)
    condition = library().title_of(protocol_id, "this condition")
    if screening is None:
        return ScreeningCheck(None, (f"This patient has no screening for {condition}. "
                                     "Screen the patient for this condition first.",))
    status = screening_ops.screening_status(screening, patient, today)
    if not status.valid:
        return ScreeningCheck(screening, (f"The screening for {condition} is stale: {status.reason}. "
                                          "Screen the patient again.",))
    return ScreeningCheck(screening, ())


def prefill_facts(db: Session, patient: Patient, protocol_id: str) -> dict[str, Any]:
    """Case facts to start the form with: the plan's own facts when it has a plan for this condition, else
    the facts of the newest screening for it."""
    plan = open_plan(db, patient, protocol_id)
    if plan is not None:
        return planning.plan_from_canonical(plan.draft).fact_values()
    screening = condition_screening(db, patient, protocol_id)
    if screening is None:
        return {}
    try:
        return facts_from_json({"condition": protocol_id, **screening.facts}, screening_rules())
    except ValueError:
        return {}


# ------------------------------------------------------------------------------------- generate


def open_plan(db: Session, patient: Patient, protocol_id: str) -> Plan | None:
    """The patient's plan for this protocol (one per condition), or None."""
    return db.scalars(select(Plan).where(Plan.patient_id == patient.id, Plan.protocol_id == protocol_id)
                      .order_by(Plan.id.desc()).limit(1)).first()


def make_draft(
    db: Session, patient: Patient, protocol_id: str, facts: Mapping[str, Any], *, library: Library,
    today: dt.date, confirmed: Iterable[tuple[str, str]] = (),
) -> tuple[PlanDraft, Screening]:
    """A draft from the engine for these facts and the condition's valid screening; PlanRefused names why not
    (no or stale screening, defer without override, refer without clearance, missing facts...)."""
    if protocol_id not in library.protocols:
        raise PlanRefused(["There is no protocol for this condition in the library."])
    check = check_screening(db, patient, protocol_id, today)
    if check.problems:
        raise PlanRefused(check.problems)
    screening = check.screening
    override, clearance = screening_ops.planning_inputs(db, screening)
    try:
        draft = planning.generate_plan(
            library.protocol(protocol_id), facts, screening_result(screening), today, library=library,
            override=override, clearance=clearance, screening_valid_until=screening.valid_until,
            confirmed=frozenset(confirmed),
        )
    except PlanBlocked as exc:
        raise PlanRefused(exc.problems) from None
    return draft, screening


def create_or_update_plan(
    db: Session, patient: Patient, protocol_id: str, facts: Mapping[str, Any], *, library: Library, user: User,
    now: dt.datetime,
) -> tuple[Plan, bool]:
    """Generate a draft and store it: a new plan, or the new draft of the patient's plan for this condition
    (its approved revisions stay). (plan, created). No audit row: the plan form calls :func:`make_plan`."""
    plan = open_plan(db, patient, protocol_id)
    confirmed = confirmed_criteria(db, plan) if plan is not None else set()
    draft, screening = make_draft(db, patient, protocol_id, facts, library=library,
                                  today=clinic_today(db, patient, now), confirmed=confirmed)
    created = plan is None
    if plan is None:
        plan = Plan(patient_id=patient.id, protocol_id=protocol_id, created_by=user.email, created_at=now,
                    version=0)
        db.add(plan)
    else:
        result = keep_therapists_work(db, plan, draft, library=library)
        draft = result.draft
        plan.carried_over = {"kept": list(result.kept), "not_kept": list(result.not_kept)} if (
            result.kept or result.not_kept) else None
    plan.draft = planning.plan_to_canonical(draft)
    plan.screening_id = screening.id
    plan.status = PlanStatus.DRAFT.value
    _touch(plan, user, now)
    db.flush()
    if created:
        _open_episode(db, patient, protocol_id, clinic_today(db, patient, now))
    return plan, created


def make_plan(
    db: Session, patient: Patient, protocol_id: str, facts: Mapping[str, Any], *, library: Library, user: User,
    now: dt.datetime,
) -> tuple[Plan, bool]:
    """The plan form: :func:`create_or_update_plan`, audited with how many of the therapist's edits were
    carried over into the new draft."""
    plan, created = create_or_update_plan(db, patient, protocol_id, facts, library=library, user=user, now=now)
    carried = plan.carried_over or {}
    kept = (f"; edits kept {len(carried.get('kept', ()))}, not kept {len(carried.get('not_kept', ()))}"
            if carried else "")
    audit.record(db, "plan_create" if created else "plan_update", user=user, patient_ref=patient.id,
                 detail=f"plan {plan.id}; {protocol_id}; generated{kept}")
    return plan, created


def _open_episode(db: Session, patient: Patient, protocol_id: str, today: dt.date) -> None:
    """The first plan for a condition opens its episode of care (OUT-07), unless one is open already; a signed
    discharge letter closes it."""
    if db.scalar(select(Episode.id).where(Episode.patient_id == patient.id, Episode.protocol_id == protocol_id,
                                          Episode.closed_on.is_(None))) is None:
        db.add(Episode(patient_id=patient.id, protocol_id=protocol_id, opened_on=today))
        db.flush()


def plan_from_screening(
    db: Session, patient: Patient, screening: Screening, *, library: Library, user: User, now: dt.datetime,
) -> tuple[Plan, bool]:
    """Make (or make again) the plan of the screening's condition from the case facts given at screening, so
    nothing is typed twice, audited; PlanRefused says why not (no condition, facts unreadable, or what the engine
    says)."""
    if screening.condition is None or screening.condition not in library.protocols:
        raise PlanRefused(["This screening was not for a condition with a protocol: choose the plan's condition."])
    try:
        facts = facts_from_json({"condition": screening.condition, **screening.facts}, screening_rules())
    except ValueError:
        raise PlanRefused(["The case facts of this screening could not be read: enter them on the plan form."]) \
            from None
    plan, created = create_or_update_plan(db, patient, screening.condition, facts, library=library, user=user,
                                          now=now)
    audit.record(db, "plan_create" if created else "plan_update", user=user, patient_ref=patient.id,
                 detail=f"plan {plan.id}; {plan.protocol_id}; generated from screening {screening.id}")
    return plan, created


def keep_therapists_work(db: Session, plan: Plan, new: PlanDraft, *, library: Library) -> CarryOver:
    """The engine's new draft with the therapist's edits of the plan's latest approved revision and current draft
    made again (C29). A draft that is an edit of that revision (same facts and screening) holds all the edits
    itself; a draft made again since the approval may have lost some, so the revision's count too."""
    protocol = library.protocol(plan.protocol_id)
    sources: list[PlanDraft] = []
    revision = latest_revision(db, plan)
    problems: list[str] = []
    for label, canonical in (("approved revision", revision.canonical if revision else None),
                             ("draft", plan.draft)):
        if canonical is None:
            continue
        try:
            sources.append(planning.plan_from_canonical(canonical))
        except ValueError:
            problems.append(f"The earlier {label} could not be read, so its edits are not carried over; "
                            "compare it on the plan history.")
    if len(sources) == 2 and (sources[0].facts, sources[0].screening) == (sources[1].facts, sources[1].screening):
        sources = sources[1:]
    edits = carryover.TherapistEdits()
    for source in sources:
        edits = carryover.merge_edits(edits, carryover.therapist_edits(source, protocol))
    result = carryover.carry_over(new, edits, library, before=sources[-1] if sources else None)
    return CarryOver(result.draft, result.kept, result.not_kept + tuple(problems))


def draft_of(plan: Plan) -> PlanDraft:
    """The plan's draft as the engine's value (read back once per process for each saved draft)."""
    return read_plan(plan.draft)


# ------------------------------------------------------------------------------------------ edit


@dataclass(frozen=True)
class DraftChanges:
    """What the therapist changed on the edit form; exercises are keyed by (stage id, exercise key)."""

    doses: Mapping[tuple[str, str], HomeDose]
    removed: frozenset[tuple[str, str]]
    added: tuple[tuple[str, str], ...]  # (stage id, technique or sequence id)
    patient_notes: str
    team_notes: str


def exercise_keys(stage) -> list[str]:
    """A stable key per home exercise of a stage: its technique or sequence id, with ``-2`` on a repeat."""
    return carryover.exercise_keys(stage.home)


def apply_changes(draft: PlanDraft, changes: DraftChanges, library: Library) -> PlanDraft:
    """The draft with the form's edits made through the engine's edit functions (CS-03 holds after each)."""
    for stage in draft.stages:
        for index, key in enumerate(exercise_keys(stage)):
            dose = changes.doses.get((stage.id, key))
            if dose is not None and dose != stage.home[index].dose and (stage.id, key) not in changes.removed:
                draft = planning.set_home_dose(draft, stage.id, index, dose)
    for stage in draft.stages:
        keys = exercise_keys(stage)
        for index in reversed(range(len(keys))):
            if (stage.id, keys[index]) in changes.removed:
                draft = planning.remove_home_exercise(draft, stage.id, index)
    for stage_id, ref in changes.added:
        draft = planning.add_home_exercise(draft, stage_id, ref, library)
    for stage in draft.stages:
        if len(stage.home) > MAX_HOME_EXERCISES:
            raise PlanEditError(f"Stage {stage.number} has {len(stage.home)} home exercises; a handout prints "
                                f"at most {MAX_HOME_EXERCISES}. Remove some first.")
    return planning.set_notes(draft, changes.patient_notes, changes.team_notes)


def save_draft(
    db: Session, plan: Plan, changes: DraftChanges, *, expected_version: int | None, library: Library, user: User,
    now: dt.datetime,
) -> list[str]:
    """Apply the edits to the stored draft, audited; EditConflict when someone saved since ``expected_version``
    (REL-01); PlanEditError from the engine. Returns what changed, one line each (empty: nothing, no audit
    row)."""
    if expected_version != plan.version:
        raise EditConflict()
    before = plan.draft
    new = planning.plan_to_canonical(apply_changes(draft_of(plan), changes, library))
    changed = planning.diff_plans(before, new)
    if not changed:
        return []
    plan.draft = new
    plan.status = PlanStatus.DRAFT.value
    _touch(plan, user, now)
    db.flush()  # the version_id_col makes a concurrent save fail here too (StaleDataError)
    audit.record(db, "plan_update", user=user, patient_ref=plan.patient_id,
                 detail=f"plan {plan.id}; {len(changed)} changes")
    return changed


def record_edit_conflict(db: Session, plan: Plan, *, user: User) -> None:
    """A save of the plan's edit form met a newer saved version (REL-01): an audit row."""
    audit.record(db, "plan_update", user=user, patient_ref=plan.patient_id, outcome="conflict",
                 detail=f"plan {plan.id}")


# -------------------------------------------------------------------------------------- revisions


def revisions_of(db: Session, plan: Plan) -> list[PlanRevision]:
    """The plan's approved revisions, oldest first."""
    return list(db.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan.id)
                           .order_by(PlanRevision.number)))


def revision_count(db: Session, plan: Plan) -> int:
    """How many revisions the plan has had approved (without reading them)."""
    return db.scalar(_REVISION_COUNT, {"plan_id": plan.id}) or 0


_REVISION_COUNT = select(func.count(PlanRevision.id)).where(PlanRevision.plan_id == bindparam("plan_id"))


def newest_revisions(db: Session, plan: Plan, limit: int, before: int | None = None) -> list[PlanRevision]:
    """The plan's newest ``limit`` revisions numbered below ``before`` (None: all), newest first."""
    query = select(PlanRevision).where(PlanRevision.plan_id == plan.id)
    if before is not None:
        query = query.where(PlanRevision.number < before)
    return list(db.scalars(query.order_by(PlanRevision.number.desc()).limit(limit)))


def latest_revision(db: Session, plan: Plan) -> PlanRevision | None:
    """The newest approved revision, or None when the plan was never approved."""
    return db.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan.id)
                      .order_by(PlanRevision.number.desc()).limit(1)).first()


def safety_problems(canonical: Mapping[str, Any]) -> list[str]:
    """Fail-closed checks on a stored plan before it is approved or printed: an absolute finding without an
    override (CS-01), a refer finding without a clearance. Read from the JSON as stored, so it is cheap
    enough for every download; CS-03 is checked when the plan is read back whole (``plan_from_canonical``)."""
    body = canonical.get("plan") if isinstance(canonical, Mapping) else None
    if not isinstance(body, Mapping):
        return ["The stored plan cannot be read."]
    screening = body.get("screening") or {}
    categories = {item[1] for item in screening.get("findings") or () if len(item) == 2}
    problems = []
    if (screening.get("decision") == "defer" or "absolute" in categories) and not body.get("override"):
        problems.append("The screening says do not treat, and no override was recorded.")
    if "urgent_refer" in categories:
        problems.append("The screening found a possible emergency; no plan may be approved or printed on it.")
    if (screening.get("decision") == "refer" or "refer" in categories) and not body.get("clearance"):
        problems.append("The screening says refer first, and no clearance was recorded.")
    return problems


def review_reasons(db: Session, plan: Plan, revision: PlanRevision, patient: Patient, *, library: Library,
                   today: dt.date) -> list[str]:
    """Why the approved revision must be reviewed before it prints again (CS-06, CS-11); empty: it need not."""
    screening = db.execute(select(Screening.valid_until, Screening.screened_at)
                           .where(Screening.id == revision.screening_id)).first() if revision.screening_id else None
    return _review_reasons(revision, patient, screening, lambda: reviewed_against(db, revision), library=library,
                           today=today)


def _review_reasons(revision: PlanRevision, patient: Patient, screening: Any,
                    reviewed: Callable[[], Collection[tuple[int, str]]], *, library: Library, today: dt.date
                    ) -> list[str]:
    """``review_reasons`` given the revision's screening's ``valid_until`` and ``screened_at`` (None: none) and
    how to read its "still correct" marks (read only when they can count)."""
    protocol = library.protocols.get(revision.protocol_id)
    # A "still correct" mark counts only against a protocol that changed since the approval: read it only then.
    changed = protocol is not None and planning.protocol_changed(
        revision.canonical, current_protocol_version=protocol.version, current_content_hash=protocol.content_hash)
    return planning.needs_review(
        revision.canonical,
        screening_valid_until=screening.valid_until if screening is not None else None,
        on_date=today,
        clinical_changed_after_screening=screening is not None
        and patient.clinical_changed_at > screening.screened_at,
        current_protocol_version=protocol.version if protocol else None,
        current_content_hash=protocol.content_hash if protocol else None,
        protocol_title=library.title_of(revision.protocol_id),
        reviewed_against=reviewed() if changed else (),
    ) + safety_problems(revision.canonical)


def reviewed_against(db: Session, revision: PlanRevision) -> set[tuple[int, str]]:
    """(protocol version, file hash) pairs a therapist checked this revision against and found still correct."""
    return {(row.protocol_version, row.content_hash) for row in db.execute(
        select(RevisionReview.protocol_version, RevisionReview.content_hash)
        .where(RevisionReview.revision_id == revision.id))}


def revision_by_number(db: Session, plan: Plan, number: int) -> PlanRevision | None:
    """One approved revision of the plan, or None."""
    return db.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan.id,
                                                 PlanRevision.number == number)).first()


def latest_number(db: Session, plan: Plan) -> int | None:
    """The number of the plan's newest approved revision, or None."""
    return db.scalar(select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id))


def draft_problems(db: Session, plan: Plan, patient: Patient, *, library: Library, today: dt.date) -> list[str]:
    """Why the draft cannot be approved today (stale screening, protocol changed, safety); empty: it can."""
    problems = []
    screening = db.get(Screening, plan.screening_id) if plan.screening_id else None
    if screening is None:
        problems.append("The screening this draft was made from is gone; screen the patient and update the plan.")
    else:
        status = screening_ops.screening_status(screening, patient, today)
        if not status.valid:
            problems.append(f"The screening this draft was made from is stale: {status.reason}. Screen the "
                            "patient again, then update the plan from the new screening.")
    body = plan.draft.get("plan", {})
    protocol = library.protocols.get(plan.protocol_id)
    if protocol is None:
        problems.append(f"The protocol of this plan ({body.get('title') or 'an earlier protocol'}) is no longer in "
                        "the library.")
    elif (protocol.version, protocol.content_hash) != (body.get("protocol_version"), body.get("content_hash")):
        problems.append(f"The {protocol.title} protocol changed (now version {protocol.version}) since this "
                        "draft was made; update the plan so it follows the current protocol.")
    try:
        draft = planning.plan_from_canonical(plan.draft)  # CS-03: no technique on an avoided region, read back whole
    except ValueError as exc:
        problems.append(f"The stored plan cannot be read: {exc}")
    else:
        problems += planning.empty_plan_problems(draft)  # never an empty plan (C31)
    return problems + safety_problems(plan.draft)


@dataclass(frozen=True)
class PlanState:
    """What the plan page and the handout routes need to know about a plan today."""

    status: str  # draft / approved / needs_review
    revision: PlanRevision | None
    review: tuple[str, ...]  # why the approved revision needs review
    unapproved_changes: bool  # the draft differs from the latest revision


# The newest revision of a plan with its screening's dates, in one query.
_NEWEST_REVISION_AND_SCREENING = (
    select(PlanRevision, Screening.valid_until, Screening.screened_at)
    .outerjoin(Screening, Screening.id == PlanRevision.screening_id)
    .where(PlanRevision.plan_id == bindparam("plan_id")).order_by(PlanRevision.number.desc()).limit(1))


def plan_state(db: Session, plan: Plan, patient: Patient, *, library: Library, today: dt.date) -> PlanState:
    """The plan's status today: needs_review is worked out here, never stored, so it can never be stale."""
    found = db.execute(_NEWEST_REVISION_AND_SCREENING, {"plan_id": plan.id}).first()
    if found is None:
        return PlanState(PlanStatus.DRAFT.value, None, (), True)
    revision = found[0]
    screening = found if found.screened_at is not None else None
    reasons = tuple(_review_reasons(revision, patient, screening, lambda: reviewed_against(db, revision),
                                    library=library, today=today))
    # A draft made again from a new screening is unapproved even when its content came out the same.
    unapproved = planning.plan_digest(plan.draft) != revision.digest or plan.screening_id != revision.screening_id
    status = PlanStatus.NEEDS_REVIEW.value if reasons else (
        PlanStatus.DRAFT.value if unapproved else PlanStatus.APPROVED.value)
    return PlanState(status, revision, reasons, unapproved)


def approve_plan(
    db: Session, plan: Plan, patient: Patient, *, expected_version: int | None, library: Library, user: User,
    now: dt.datetime,
) -> PlanRevision:
    """Freeze the draft as the next revision, audit ``approve`` and store its rendered default handout (when
    the clinic can print), all in the caller's transaction (REL-05). PlanRefused says why not."""
    if expected_version != plan.version:
        raise EditConflict()
    if not user.has_role("therapist"):
        raise PlanRefused(["Only a therapist can approve a plan."])
    problems = draft_problems(db, plan, patient, library=library, today=clinic_today(db, patient, now))
    if problems:
        raise PlanRefused(problems)
    last = latest_revision(db, plan)
    digest = planning.plan_digest(plan.draft)
    if last is not None and last.digest == digest and last.screening_id == plan.screening_id:
        raise PlanRefused([f"Nothing changed since revision {last.number}; it is already approved."])
    body = plan.draft["plan"]
    revision = PlanRevision(
        plan_id=plan.id, patient_id=patient.id, number=(last.number + 1) if last else 1, canonical=plan.draft,
        digest=digest, protocol_id=body["protocol_id"], protocol_version=body["protocol_version"],
        content_hash=body["content_hash"], screening_id=plan.screening_id, approved_by=user.email,
        approved_by_name=user.full_name or user.email, approved_by_id=user.id, approved_at=now,
    )
    # Rendered before anything is written, so on SQLite no write lock is held while the PDF renders.
    rendered = printing.render_at_approval(db, revision, patient)
    db.add(revision)
    plan.status = PlanStatus.APPROVED.value
    plan.carried_over = None  # seen and approved
    _touch(plan, user, now)
    db.flush()
    audit.record(db, "approve", patient_ref=patient.id, user=user,
                 detail=f"plan {plan.id} revision {revision.number} {digest[:19]}")
    if rendered is not None:
        printing.store_handout(db, revision, *rendered, now)
    return revision


# -------------------------------------------------------------------------------- stages, sessions


def confirmations_of(db: Session, plan: Plan) -> list[StageConfirmation]:
    """Every stage criterion confirmed for this plan, oldest first."""
    return list(db.scalars(select(StageConfirmation).where(StageConfirmation.plan_id == plan.id)
                           .order_by(StageConfirmation.at, StageConfirmation.id)))


def confirmed_criteria(db: Session, plan: Plan) -> set[tuple[str, str]]:
    """(stage id, criterion) pairs confirmed for this plan: what the engine needs to choose the current stage."""
    return {(c.stage_id, c.criterion) for c in confirmations_of(db, plan)}


def move_stage(
    db: Session, plan: Plan, patient: Patient, *, confirmed: tuple[str, ...], expected_version: int | None,
    library: Library, user: User, now: dt.datetime,
) -> tuple[StageMove, PlanRevision | None]:
    """Move the plan on to its next stage once its entry criteria are confirmed; each criterion is recorded
    (who, when, which). An approved plan's move is approved as its next revision (so the handout follows); a
    plan never approved yet (the first visit) just starts at the later stage, for approval as usual."""
    if expected_version != plan.version:
        raise EditConflict()
    state = plan_state(db, plan, patient, library=library, today=clinic_today(db, patient, now))
    if state.revision is not None and state.unapproved_changes:
        raise PlanRefused(["Approve the plan before moving it on to the next stage."])
    if state.review:
        raise PlanRefused(state.review)
    draft = draft_of(plan)
    before = draft.current_stage or ""
    already = confirmed_criteria(db, plan)
    try:
        moved = move_to_next_stage(draft, confirmed, clinic_today(db, patient, now), already)
    except PlanEditError as exc:
        raise PlanRefused([str(exc)]) from None
    target = moved.current_stage or ""
    for criterion in dict.fromkeys(confirmed):
        if (target, criterion) not in already:
            db.add(StageConfirmation(plan_id=plan.id, patient_id=patient.id, stage_id=target, criterion=criterion,
                                     by=user.email, by_name=user.full_name, at=now))
    plan.draft = planning.plan_to_canonical(moved)
    _touch(plan, user, now)
    db.flush()
    revision = None
    if state.revision is not None:
        revision = approve_plan(db, plan, patient, expected_version=plan.version, library=library, user=user,
                                now=now)
    move = StageMove(plan_id=plan.id, patient_id=patient.id, from_stage=before, to_stage=target,
                     criteria={"confirmed": list(confirmed)}, revision_id=revision.id if revision else None,
                     by=user.email, at=now)
    db.add(move)
    db.flush()
    return move, revision


def start_date_facts(protocol: Any, draft: PlanDraft) -> tuple[Any, ...]:
    """The case facts (dates) the next stage's start waits on, when its day is not firm yet: the stage-move
    form asks them with the criteria, so the move is one form (issue 15)."""
    coming = next_stage(draft)
    if coming is None or coming.firm:
        return ()
    names = [term.fact for term in protocol.stage(coming.id).starts.dates]
    known = draft.fact_values()
    # only the dates not firm yet: still to be recorded, or planned for a day after the plan was made (the cast
    # "comes off" on a planned day; one planned for a day already past when the plan was made is firm)
    return tuple(f for f in protocol.facts if f.name in names and f.is_date
                 and (f.name in coming.waiting_for
                      or (f.type == "planned_date" and (known.get(f.name) is None
                                                        or known[f.name] > draft.on_date))))


def move_stage_on_dates(
    db: Session, plan: Plan, patient: Patient, *, dates: Mapping[str, dt.date], confirmed: tuple[str, ...],
    expected_version: int | None, library: Library, user: User, now: dt.datetime,
) -> StageMove:
    """Move on to a next stage whose day was not firm: record the dates it waits on (the cast came off on…)
    and the confirmed criteria, make the draft again from the facts with the therapist's edits carried over,
    and leave it ready to approve (a new revision once approved). PlanRefused says why not."""
    if expected_version != plan.version:
        raise EditConflict()
    draft = draft_of(plan)
    coming = next_stage(draft)
    if coming is None:
        raise PlanRefused(["This is the last stage of the plan; there is no stage to move on to."])
    already = confirmed_criteria(db, plan)
    missing = [c for c in next_stage_criteria(draft) if c not in confirmed and (coming.id, c) not in already]
    if missing:
        raise PlanRefused(["Confirm every criterion before moving on: " + "; ".join(missing)])
    for criterion in dict.fromkeys(confirmed):
        if (coming.id, criterion) not in already:
            db.add(StageConfirmation(plan_id=plan.id, patient_id=patient.id, stage_id=coming.id, criterion=criterion,
                                     by=user.email, by_name=user.full_name, at=now))
    db.flush()
    before = draft.current_stage or ""
    facts = {**draft.fact_values(), **dates}
    plan, _created = create_or_update_plan(db, patient, plan.protocol_id, facts, library=library, user=user, now=now)
    moved = draft_of(plan)
    if moved.current_stage != coming.id:
        target = next(s for s in moved.stages if s.id == coming.id)
        raise PlanRefused([f"Stage {target.number} ({target.title}) cannot start yet: {target.window}."])
    move = StageMove(plan_id=plan.id, patient_id=patient.id, from_stage=before, to_stage=coming.id,
                     criteria={"confirmed": list(confirmed), "dates": {k: v.isoformat() for k, v in dates.items()}},
                     revision_id=None, by=user.email, at=now)
    db.add(move)
    db.flush()
    return move


@dataclass(frozen=True)
class MoveAsked:
    """A move to the next stage as a form asks for it: the criteria confirmed, the start dates given (None: the
    next stage waits on no date), whether the therapist ticked that she saw the diary break the protocol's pain
    rule, and how it was asked for (the start of the audit row's note)."""

    confirmed: tuple[str, ...]
    dates: Mapping[str, dt.date] | None
    pain_rule_seen: bool
    how: str


def move_on(db: Session, plan: Plan, patient: Patient, asked: MoveAsked, *, expected_version: int | None,
            library: Library, user: User, now: dt.datetime) -> tuple[StageMove, PlanRevision | None]:
    """Move on to the next stage as asked, audited as ``stage_move``: with dates, the plan is made again from
    them (:func:`move_stage_on_dates`, no revision); otherwise :func:`move_stage` (an approved plan is approved
    again with the new current stage: its revision). EditConflict, PlanRefused: why not."""
    revision = None
    if asked.dates is not None:
        move = move_stage_on_dates(db, plan, patient, dates=asked.dates, confirmed=asked.confirmed,
                                   expected_version=expected_version, library=library, user=user, now=now)
    else:
        move, revision = move_stage(db, plan, patient, confirmed=asked.confirmed, expected_version=expected_version,
                                    library=library, user=user, now=now)
    audit.record(db, "stage_move", user=user, patient_ref=patient.id,
                 detail=f"plan {plan.id}; {move.from_stage} -> {move.to_stage}; {asked.how}"
                        + (f"revision {revision.number}" if revision else "draft")
                        + ("; pain rule broken, seen" if asked.pain_rule_seen else ""))
    return move, revision


def confirm_reached_stages(db: Session, plan: Plan, patient: Patient, *, library: Library, user: User,
                           now: dt.datetime) -> int:
    """Confirm, for a plan not yet approved, the entry criteria of each next stage whose date has come (as the
    demo's therapist does at the first visit); how many stages it moved on."""
    moved = 0
    while True:
        draft = draft_of(plan)
        coming = next_stage(draft)
        if coming is None or not coming.date_reached:
            return moved
        move_stage(db, plan, patient, confirmed=next_stage_criteria(draft), expected_version=plan.version,
                   library=library, user=user, now=now)
        moved += 1


def record_session(
    db: Session, plan: Plan, *, on_date: dt.date, stage_id: str, techniques: list[str], pain_before: int | None,
    pain_after: int | None, notes: str, user: User, now: dt.datetime,
) -> TreatmentSession:
    """Store one treatment session of the plan (the stage must be one of the plan's). No audit row: the session
    form calls :func:`record_visit`."""
    problems = session_problems([s.id for s in draft_of(plan).stages], on_date, stage_id, pain_before, pain_after,
                                clinic_today(db, db.get(Patient, plan.patient_id), now))
    if problems:
        raise PlanRefused(problems[:1])
    if pain_before is None and pain_after is None:
        raise PlanRefused(["Give the pain before or after the session (0 to 10)."])
    row = TreatmentSession(plan_id=plan.id, patient_id=plan.patient_id, on_date=on_date, stage_id=stage_id,
                           techniques={"done": list(techniques)}, pain_before=pain_before, pain_after=pain_after,
                           notes=notes.strip(), recorded_by=user.email, recorded_at=now)
    db.add(row)
    db.flush()
    return row


def record_visit(
    db: Session, plan: Plan, patient: Patient, *, on_date: dt.date, stage_id: str, techniques: list[str],
    pain_before: int | None, pain_after: int | None, notes: str, move: MoveAsked | None, library: Library,
    user: User, now: dt.datetime,
) -> tuple[StageMove, PlanRevision | None] | None:
    """The session form: one treatment session (:func:`record_session`) and, when the visit ends the stage,
    the move on to the next (:func:`move_on`, in the same transaction), audited. The move made, or None."""
    record_session(db, plan, on_date=on_date, stage_id=stage_id, techniques=techniques, pain_before=pain_before,
                   pain_after=pain_after, notes=notes, user=user, now=now)
    moved = None
    if move is not None:
        moved = move_on(db, plan, patient, move, expected_version=plan.version, library=library, user=user,
                        now=now)
    audit.record(db, "session_record", user=user, patient_ref=patient.id, detail=f"plan {plan.id}")
    return moved


def newest_sessions(db: Session, plan: Plan, limit: int, offset: int = 0) -> tuple[list[TreatmentSession], bool]:
    """A page of the plan's sessions, newest first, and whether there are older ones."""
    rows = list(db.scalars(_SESSIONS_PAGE, {"plan_id": plan.id, "offset": offset, "limit": limit + 1}))
    return rows[:limit], len(rows) > limit


_SESSIONS_PAGE = (select(TreatmentSession)
                  .where(TreatmentSession.plan_id == bindparam("plan_id"), TreatmentSession.withdrawn_at.is_(None))
                  .order_by(TreatmentSession.on_date.desc(), TreatmentSession.id.desc())
                  .offset(bindparam("offset")).limit(bindparam("limit")))


def sessions_of(db: Session, patient: Patient, plan: Plan | None = None, *, newest: int | None = None,
                withdrawn: bool = False) -> list[TreatmentSession]:
    """The patient's (or one plan's) sessions, oldest first; only the ``newest`` ones when given; withdrawn ones
    (WF-05) only when asked."""
    query = select(TreatmentSession).where(TreatmentSession.patient_id == patient.id)
    if not withdrawn:
        query = query.where(TreatmentSession.withdrawn_at.is_(None))
    if plan is not None:
        query = query.where(TreatmentSession.plan_id == plan.id)
    if newest is not None:
        query = query.order_by(TreatmentSession.on_date.desc(), TreatmentSession.id.desc()).limit(newest)
        return list(reversed(db.scalars(query).all()))
    return list(db.scalars(query.order_by(TreatmentSession.on_date, TreatmentSession.id)))


def session_pains(db: Session, patient: Patient, *, newest: int) -> list[Any]:
    """The day and the pain before and after of the patient's ``newest`` sessions (not withdrawn), oldest first:
    what the progress chart draws, without each session's techniques and notes."""
    return list(reversed(db.execute(_SESSION_PAINS, {"patient_id": patient.id, "newest": newest}).all()))


_SESSION_PAINS = (select(TreatmentSession.on_date, TreatmentSession.pain_before, TreatmentSession.pain_after)
                  .where(TreatmentSession.patient_id == bindparam("patient_id"),
                         TreatmentSession.withdrawn_at.is_(None))
                  .order_by(TreatmentSession.on_date.desc(), TreatmentSession.id.desc()).limit(bindparam("newest")))


def plans_of(db: Session, patient: Patient) -> list[Plan]:
    """The patient's plans, newest first."""
    return list(db.scalars(_PLANS_OF, {"patient_id": patient.id}))


_PLANS_OF = select(Plan).where(Plan.patient_id == bindparam("patient_id")).order_by(Plan.id.desc())


# ---------------------------------------------------------------------------------------- review


def plans_needing_review(db: Session, clinic_id: int, *, library: Library, today: dt.date
                         ) -> list[tuple[Plan, Patient, PlanRevision, tuple[str, ...]]]:
    """Every approved plan of the clinic whose latest revision needs review, with the reasons (CS-11)."""
    latest = (select(PlanRevision.plan_id, func.max(PlanRevision.number).label("number"))
              .group_by(PlanRevision.plan_id).subquery())
    rows = db.execute(
        select(Plan, Patient, PlanRevision)
        .options(defer(Plan.draft), defer(Plan.carried_over))  # the plan's own JSON is not needed: half the cost
        .join(Patient, Patient.id == Plan.patient_id)
        .join(latest, latest.c.plan_id == Plan.id)
        .join(PlanRevision, (PlanRevision.plan_id == Plan.id) & (PlanRevision.number == latest.c.number))
        .where(Patient.clinic_id == clinic_id, Patient.status != "restricted")
        .order_by(Patient.sort_name, Plan.id)
    ).all()
    # Their screenings in one query, not one a plan ("still correct" marks are read only where a protocol changed).
    screening_ids = {revision.screening_id for _plan, _patient, revision in rows if revision.screening_id}
    screenings = {row.id: row for row in db.execute(
        select(Screening.id, Screening.valid_until, Screening.screened_at).where(Screening.id.in_(screening_ids)))
    } if screening_ids else {}
    out = []
    for plan, patient, revision in rows:
        reasons = tuple(_review_reasons(revision, patient, screenings.get(revision.screening_id),
                                        lambda revision=revision: reviewed_against(db, revision), library=library,
                                        today=today))
        if reasons:
            out.append((plan, patient, revision, reasons))
    return out


def clinic_of(db: Session, patient: Patient) -> Clinic:
    """The patient's clinic."""
    return db.get(Clinic, patient.clinic_id)


def clinic_today(db: Session, patient: Patient, now: dt.datetime) -> dt.date:
    """The date on the patient's clinic's wall at ``now`` (WF-02): plans and stages are dated by it."""
    clinic = clinic_of(db, patient)
    return localtime.local_date(now, clinic.time_zone if clinic is not None else None)


# -------------------------------------------------------------------------------------- timeline


_REVISION_COLUMNS = (PlanRevision.id, PlanRevision.plan_id, PlanRevision.number, PlanRevision.protocol_id,
                     PlanRevision.approved_at, PlanRevision.approved_by, PlanRevision.digest)


@functools.cache
def _timeline_queries(before: bool) -> tuple[Select, ...]:
    """The plan timeline's queries, built once (``newest_first``): the columns shown, never the plans', revisions'
    or sessions' JSON."""
    patient = bindparam("patient_id")
    return (
        select(Plan.id, Plan.protocol_id, Plan.created_at, Plan.created_by).where(Plan.patient_id == patient),
        newest_first(select(*_REVISION_COLUMNS).where(PlanRevision.patient_id == patient), PlanRevision.approved_at,
                     before=before),
        newest_first(select(StageMove.plan_id, StageMove.from_stage, StageMove.to_stage, StageMove.by, StageMove.at)
                     .where(StageMove.patient_id == patient), StageMove.at, before=before),
        newest_first(select(TreatmentSession.plan_id, TreatmentSession.on_date, TreatmentSession.stage_id,
                            TreatmentSession.pain_before, TreatmentSession.pain_after, TreatmentSession.recorded_by,
                            TreatmentSession.recorded_at, TreatmentSession.withdrawn_at)
                     .where(TreatmentSession.patient_id == patient), TreatmentSession.recorded_at, before=before),
        newest_first(select(HandoutPrint.revision_id, HandoutPrint.kind, HandoutPrint.by, HandoutPrint.at)
                     .where(HandoutPrint.patient_id == patient), HandoutPrint.at, before=before),
    )


@timeline_source
def _plan_timeline(db: Session, patient: Patient, window: Window) -> Iterable[TimelineEntry]:
    """Plans made, revisions approved, stage moves, sessions and handouts printed (the window's newest of
    each; measures: clinic.measures); people by name and stages by title (never a login e-mail or an internal id).
    Each plan's link and each stage's title are made once."""
    if not window.clinical:
        return
    who = window.people(db, patient.clinic_id).for_email
    plans_query, revisions_query, moves_query, sessions_query, prints_query = _timeline_queries(
        window.before is not None)
    params = window.params(patient.id)
    plans = list(db.execute(plans_query, params))
    protocol_of = {plan.id: plan.protocol_id for plan in plans}
    plans = [plan for plan in plans if window.before is None or plan.created_at < window.before]

    @functools.cache
    def link(plan_id: int) -> str:
        return url_for("plans.show", patient_id=patient.id, plan_id=plan_id)

    @functools.cache
    def stage_title(plan_id: int, stage_id: str | None) -> str:
        protocol = library().protocols.get(protocol_of.get(plan_id, ""))
        for stage in protocol.stages if protocol is not None else ():
            if stage.id == stage_id:
                return stage.title
        return "an earlier stage" if stage_id else "no stage"

    def title_of(protocol_id: str) -> str:
        return library().title_of(protocol_id, "an earlier protocol")

    for plan in plans:
        yield TimelineEntry(at=plan.created_at, title=f"Plan started ({title_of(plan.protocol_id)})",
                            detail=f"by {who(plan.created_by)}", kind="plan", url=link(plan.id))
    revisions = {r.id: r for r in db.execute(revisions_query, params)}
    for r in revisions.values():
        yield TimelineEntry(at=r.approved_at, title=f"Plan approved ({title_of(r.protocol_id)}, revision {r.number})",
                            detail=f"by {who(r.approved_by)} · {r.digest[7:19]}", kind="plan", url=link(r.plan_id))
    for m in db.execute(moves_query, params):
        yield TimelineEntry(at=m.at, title="Moved to the next stage",
                            detail=f"{stage_title(m.plan_id, m.from_stage)} → {stage_title(m.plan_id, m.to_stage)}"
                                   f" · by {who(m.by)}", kind="plan", url=link(m.plan_id))
    for s in db.execute(sessions_query, params):
        pain = (f" · pain {s.pain_before} → {s.pain_after}" if s.pain_before is not None and s.pain_after is not None
                else "")
        yield TimelineEntry(at=s.recorded_at, title=f"Session on {format_day(s.on_date)}"
                            + (" (withdrawn)" if s.withdrawn_at else ""),
                            detail=f"{stage_title(s.plan_id, s.stage_id)}{pain} · by {who(s.recorded_by)}",
                            kind="session", url=link(s.plan_id))
    prints = list(db.execute(prints_query, params))
    missing = {p.revision_id for p in prints} - revisions.keys()
    if missing:  # printed in the window, approved before it
        revisions |= {r.id: r for r in db.execute(select(*_REVISION_COLUMNS).where(PlanRevision.id.in_(missing)))}
    for p in prints:
        revision = revisions.get(p.revision_id)
        number = revision.number if revision else "?"
        yield TimelineEntry(at=p.at, title="Handout printed" if p.kind == "handout" else "Therapist summary printed",
                            detail=f"revision {number} · by {who(p.by)}", kind="print",
                            url=link(revision.plan_id) if revision else None)
