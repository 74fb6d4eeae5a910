"""Measure verbs: record a measure, correct or withdraw a measure or a session with a reason (WF-05). Each takes
the session, flushes, never commits. A correction rewrites the row and keeps the values before and after in
``RecordCorrection``; a withdrawal marks the row (it stays in the record, out of charts and letters).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask import url_for
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from clinic import audit
from clinic.domain import diary as diary_days
from clinic.domain.protocol_measures import MeasureTarget, target_for
from clinic.domain.protocols import Library
from clinic.domain.wording import format_day
from clinic.measures import diary
from clinic.measures.kinds import KINDS, describe
from clinic.models import DiaryEntry, OutcomeMeasure, Patient, Plan, RecordCorrection, TreatmentSession, User
from clinic.patients.registry import TimelineEntry, Window, newest_first, timeline_source
from clinic.patients.tables import CORRECTION_REASON_MAX
from clinic.plans import operations as plan_ops  # registers OutcomeMeasure and TreatmentSession first

REASON_MAX = CORRECTION_REASON_MAX


class MeasureRefused(ValueError):
    """The change cannot be made; ``problems`` say why in words."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


# ------------------------------------------------------------------------------------------- read


def outcomes_of(db: Session, patient: Patient, *, withdrawn: bool = False,
                newest: int | None = None) -> list[OutcomeMeasure]:
    """The patient's measures, oldest first; withdrawn ones only when asked; only the ``newest`` ones when given."""
    query = _outcomes_query(withdrawn, newest is not None)
    rows = db.scalars(query, {"patient_id": patient.id, "newest": newest}).all()
    return list(reversed(rows)) if newest is not None else list(rows)


@functools.cache
def _outcomes_query(withdrawn: bool, newest: bool) -> Select:
    """``outcomes_of``'s query, built once for each kind of call."""
    query = select(OutcomeMeasure).where(OutcomeMeasure.patient_id == bindparam("patient_id"))
    if not withdrawn:
        query = query.where(OutcomeMeasure.withdrawn_at.is_(None))
    if newest:
        return query.order_by(OutcomeMeasure.on_date.desc(), OutcomeMeasure.id.desc()).limit(bindparam("newest"))
    return query.order_by(OutcomeMeasure.on_date, OutcomeMeasure.id)


def corrections_of(db: Session, patient: Patient) -> list[RecordCorrection]:
    """Every correction and withdrawal of the patient's measures and sessions, oldest first."""
    return list(db.scalars(select(RecordCorrection).where(RecordCorrection.patient_id == patient.id)
                           .order_by(RecordCorrection.at, RecordCorrection.id)))


def own_outcome(db: Session, patient: Patient, outcome_id: int) -> OutcomeMeasure | None:
    """A measure of this patient, or None (another patient's is never found)."""
    row = db.get(OutcomeMeasure, outcome_id)
    return row if row is not None and row.patient_id == patient.id else None


def own_session(db: Session, patient: Patient, session_id: int) -> TreatmentSession | None:
    """A session of this patient, or None."""
    row = db.get(TreatmentSession, session_id)
    return row if row is not None and row.patient_id == patient.id else None


def targets(db: Session, patient: Patient, library: Library,
            plans: list[Plan] | None = None) -> Callable[[str], MeasureTarget | None]:
    """measure -> the meaningful-change figure (MCID) the patient's newest plan's protocol sets for it, chosen by
    the plan's case facts (QuickDASH after surgery for a wrist fracture differs). None when there is no plan.
    ``plans``: the patient's plans newest first, when the caller has them already."""
    plans = plan_ops.plans_of(db, patient) if plans is None else plans
    protocol = library.protocols.get(plans[0].protocol_id) if plans else None
    if protocol is None:
        return lambda _measure: None
    facts = plan_ops.draft_of(plans[0]).fact_values()
    return lambda measure: target_for(protocol.measures, measure, facts)


# ------------------------------------------------------------------------------------------ write


def record_measure(db: Session, patient: Patient, *, kind: str, on_date: dt.date, values: dict[str, Any],
                   user: User, now: dt.datetime) -> OutcomeMeasure:
    """Store one measure (``values`` from ``clinic.measures.kinds``: the answers and their score). No audit row:
    the measure form calls :func:`record_outcome`."""
    if kind not in KINDS:
        raise MeasureRefused([f"Unknown measure {kind!r}."])
    row = OutcomeMeasure(patient_id=patient.id, on_date=on_date, kind=kind, values=values,
                         recorded_by=user.email, recorded_at=now)
    db.add(row)
    db.flush()
    return row


def record_outcome(db: Session, patient: Patient, *, kind: str, on_date: dt.date, values: dict[str, Any],
                   user: User, now: dt.datetime) -> OutcomeMeasure:
    """The measure form: :func:`record_measure`, audited."""
    row = record_measure(db, patient, kind=kind, on_date=on_date, values=values, user=user, now=now)
    audit.record(db, "outcome_record", user=user, patient_ref=patient.id, detail=f"{kind} {row.id}")
    return row


def record_diary(db: Session, plan: Plan, sheet: diary.Sheet, days: list[diary_days.DiaryDay], *, user: User,
                 now: dt.datetime) -> list[DiaryEntry]:
    """The printed diary copied back into the record (:func:`clinic.measures.diary.record_days`), audited."""
    rows = diary.record_days(db, plan, sheet, days, user=user, now=now)
    audit.record(db, "diary_record", user=user, patient_ref=plan.patient_id,
                 detail=f"plan {plan.id}; {len(days)} days")
    return rows


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MeasureRefused(["Give the reason for the change."])
    if len(reason) > REASON_MAX:
        raise MeasureRefused([f"The reason can be at most {REASON_MAX:,} characters."])
    return reason


def _outcome_state(row: OutcomeMeasure) -> dict[str, Any]:
    return {"on_date": row.on_date.isoformat(), **row.values}


def _session_state(row: TreatmentSession) -> dict[str, Any]:
    return {"on_date": row.on_date.isoformat(), "pain_before": row.pain_before, "pain_after": row.pain_after,
            "notes": row.notes}


def _history(db: Session, patient_id: int, *, user: User, now: dt.datetime, action: str, old: dict,
             new: dict | None, reason: str, outcome: OutcomeMeasure | None = None,
             session: TreatmentSession | None = None) -> RecordCorrection:
    row = RecordCorrection(patient_id=patient_id, outcome_id=outcome.id if outcome else None,
                           session_id=session.id if session else None, action=action, old_values=old,
                           new_values=new, reason=reason, by=user.email, by_name=user.full_name, at=now)
    db.add(row)
    db.flush()
    return row


def correct_measure(db: Session, row: OutcomeMeasure, *, on_date: dt.date, values: dict[str, Any], reason: str,
                    user: User, now: dt.datetime) -> RecordCorrection:
    """Replace a measure's date and values, audited; the values before stay in the history with the reason."""
    reason = _reason(reason)
    if row.withdrawn_at is not None:
        raise MeasureRefused(["This measure was withdrawn; record a new one instead."])
    old = _outcome_state(row)
    row.on_date, row.values = on_date, values
    db.flush()
    change = _history(db, row.patient_id, user=user, now=now, action="corrected", old=old,
                      new=_outcome_state(row), reason=reason, outcome=row)
    audit.record(db, "outcome_correct", user=user, patient_ref=row.patient_id,
                 detail=change_detail(f"{row.kind} {row.id}", row.kind, change))
    return change


def withdraw_measure(db: Session, row: OutcomeMeasure, *, reason: str, user: User,
                     now: dt.datetime) -> RecordCorrection:
    """Withdraw a measure entered in error, audited: kept, marked, out of charts and letters."""
    reason = _reason(reason)
    if row.withdrawn_at is not None:
        raise MeasureRefused(["This measure is already withdrawn."])
    row.withdrawn_at, row.withdrawn_reason = now, reason
    db.flush()
    change = _history(db, row.patient_id, user=user, now=now, action="withdrawn", old=_outcome_state(row),
                      new=None, reason=reason, outcome=row)
    audit.record(db, "outcome_withdraw", user=user, patient_ref=row.patient_id,
                 detail=change_detail(f"{row.kind} {row.id}", row.kind, change))
    return change


def correct_session(db: Session, row: TreatmentSession, *, on_date: dt.date, pain_before: int | None,
                    pain_after: int | None, notes: str, reason: str, user: User,
                    now: dt.datetime) -> RecordCorrection:
    """Correct a session's date, pain scores or notes, audited; the values before stay in the history."""
    reason = _reason(reason)
    if row.withdrawn_at is not None:
        raise MeasureRefused(["This session was withdrawn; record a new one instead."])
    if pain_before is None and pain_after is None:
        raise MeasureRefused(["Give the pain before or after the session."])
    old = _session_state(row)
    row.on_date, row.pain_before, row.pain_after, row.notes = on_date, pain_before, pain_after, notes.strip()
    db.flush()
    change = _history(db, row.patient_id, user=user, now=now, action="corrected", old=old,
                      new=_session_state(row), reason=reason, session=row)
    audit.record(db, "session_correct", user=user, patient_ref=row.patient_id,
                 detail=change_detail(f"session {row.id}", "session", change))
    return change


def withdraw_session(db: Session, row: TreatmentSession, *, reason: str, user: User,
                     now: dt.datetime) -> RecordCorrection:
    """Withdraw a session recorded in error (wrong patient, never happened), audited."""
    reason = _reason(reason)
    if row.withdrawn_at is not None:
        raise MeasureRefused(["This session is already withdrawn."])
    row.withdrawn_at, row.withdrawn_reason = now, reason
    db.flush()
    change = _history(db, row.patient_id, user=user, now=now, action="withdrawn", old=_session_state(row),
                      new=None, reason=reason, session=row)
    audit.record(db, "session_withdraw", user=user, patient_ref=row.patient_id,
                 detail=change_detail(f"session {row.id}", "session", change))
    return change


def audit_words(kind: str, state: dict[str, Any] | None) -> str:
    """A value for the audit trail: the score (numbers, no free text, so an erased patient leaves no words)."""
    if state is None:
        return "withdrawn"
    if kind == "session":
        return f"date {state['on_date']}, pain {state['pain_before']} -> {state['pain_after']}"
    return f"date {state['on_date']}, score {state.get('score')}"


def change_detail(subject: str, kind: str, change: RecordCorrection) -> str:
    """The audit detail of a correction or withdrawal, from the history row it left: what it was and, when
    corrected, what it is now (numbers only, like ``audit_words``)."""
    was = f"{subject}: was {audit_words(kind, change.old_values)}"
    return was if change.new_values is None else f"{was}; now {audit_words(kind, change.new_values)}"


# --------------------------------------------------------------------------------------- timeline


@functools.cache
def _timeline_queries(before: bool) -> tuple[Select, Select]:
    """The measure timeline's queries, built once (``newest_first``): the columns shown only."""
    patient = bindparam("patient_id")
    return (
        newest_first(select(OutcomeMeasure.kind, OutcomeMeasure.values, OutcomeMeasure.on_date,
                            OutcomeMeasure.recorded_by, OutcomeMeasure.recorded_at, OutcomeMeasure.withdrawn_at)
                     .where(OutcomeMeasure.patient_id == patient), OutcomeMeasure.recorded_at, before=before),
        newest_first(select(RecordCorrection.session_id, RecordCorrection.action, RecordCorrection.reason,
                            RecordCorrection.by_name, RecordCorrection.at)
                     .where(RecordCorrection.patient_id == patient), RecordCorrection.at, before=before),
    )


@timeline_source
def _measure_timeline(db: Session, patient: Patient, window: Window) -> Iterable[TimelineEntry]:
    """Measures recorded (withdrawn ones marked) and every correction or withdrawal with its reason (the window's
    newest of each)."""
    if not window.clinical:
        return
    who = window.people(db, patient.clinic_id).for_email
    link = url_for("measures.index", patient_id=patient.id)
    measures, changes = _timeline_queries(window.before is not None)
    params = window.params(patient.id)
    for o in db.execute(measures, params):
        title = KINDS[o.kind].title if o.kind in KINDS else o.kind
        mark = " (withdrawn)" if o.withdrawn_at else ""
        yield TimelineEntry(at=o.recorded_at, title=f"{title}{mark}",
                            detail=f"{format_day(o.on_date)}: {describe(o.kind, o.values)} · by "
                                   f"{who(o.recorded_by)}", kind="outcome", url=link)
    for c in db.execute(changes, params):
        what = "Session" if c.session_id else "Measure"
        yield TimelineEntry(at=c.at, title=f"{what} {c.action}", detail=f"Reason: {c.reason} · by {c.by_name}",
                            kind="outcome", url=link)
