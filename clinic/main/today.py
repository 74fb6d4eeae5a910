"""What the Today page lists for a therapist: the patients they worked on lately, plans to review, and
screenings about to expire (read-only queries; times stay UTC here, the template shows the clinic's clock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clinic.models import AuditEvent, Patient, PatientStatus, Screening

RECENT_DAYS = 14
EXPIRING_DAYS = 7
LIMIT = 12
# What a person did to a patient, in words, for the "seen recently" list.
DONE_WORDS = {
    "patient_create": "registered", "patient_update": "record changed", "screen": "screened",
    "plan_create": "plan made", "plan_update": "plan changed", "approve": "plan approved",
    "stage_move": "moved to the next stage", "session_record": "session", "outcome_record": "measured",
    "print_handout": "handout printed", "override": "override", "clearance": "clearance recorded",
    "patient_export": "record exported", "patient_archive": "archived",
}


@dataclass(frozen=True)
class Seen:
    """A patient the user worked on lately: when last, and what (in words)."""

    patient: Patient
    at: dt.datetime
    done: str


def own_activity(db: Session, user_id: int, limit: int = 6) -> list[AuditEvent]:
    """The user's newest account events (logins, password and account changes: no patient named), newest first."""
    return list(db.scalars(select(AuditEvent).where(AuditEvent.user_id == user_id, AuditEvent.patient_ref.is_(None))
                           .order_by(AuditEvent.id.desc()).limit(limit)))


def seen_recently(db: Session, user_id: int, clinic_id: int, now: dt.datetime) -> list[Seen]:
    """The patients this user worked on (or opened) in the last two weeks, most recent first."""
    since = now - dt.timedelta(days=RECENT_DAYS)
    last = (select(AuditEvent.patient_ref, func.max(AuditEvent.id).label("last_id"))
            .where(AuditEvent.user_id == user_id, AuditEvent.patient_ref.is_not(None), AuditEvent.at >= since)
            .group_by(AuditEvent.patient_ref).subquery())
    rows = db.execute(
        select(Patient, AuditEvent).join(last, last.c.patient_ref == Patient.id)
        .join(AuditEvent, AuditEvent.id == last.c.last_id)
        .where(Patient.clinic_id == clinic_id, Patient.status != PatientStatus.RESTRICTED.value)
        .order_by(AuditEvent.id.desc()).limit(LIMIT)
    ).all()
    worked = dict(db.execute(
        select(AuditEvent.patient_ref, func.max(AuditEvent.id))
        .where(AuditEvent.user_id == user_id, AuditEvent.at >= since, AuditEvent.action != "patient_view",
               AuditEvent.patient_ref.in_([p.id for p, _e in rows]))
        .group_by(AuditEvent.patient_ref)).all())
    actions = dict(db.execute(select(AuditEvent.id, AuditEvent.action).where(AuditEvent.id.in_(worked.values())))
                   .all()) if worked else {}
    out = []
    for patient, event in rows:
        action = actions.get(worked.get(patient.id))
        out.append(Seen(patient, event.at, DONE_WORDS.get(action, "record opened") if action else "record opened"))
    return out


def screenings_expiring(db: Session, clinic_id: int, today: dt.date) -> list[tuple[Screening, Patient]]:
    """Each patient's newest screening per condition that is still valid but ends within a week, soonest first."""
    newest = (select(Screening.patient_id, Screening.condition, func.max(Screening.id).label("last_id"))
              .join(Patient, Patient.id == Screening.patient_id).where(Patient.clinic_id == clinic_id)
              .group_by(Screening.patient_id, Screening.condition).subquery())
    rows = db.execute(
        select(Screening, Patient).join(newest, newest.c.last_id == Screening.id)
        .join(Patient, Patient.id == Screening.patient_id)
        .where(Patient.status == PatientStatus.ACTIVE.value, Screening.valid_until >= today,
               Screening.valid_until <= today + dt.timedelta(days=EXPIRING_DAYS))
        .order_by(Screening.valid_until, Patient.sort_name).limit(LIMIT)
    ).all()
    return [(s, p) for s, p in rows]
