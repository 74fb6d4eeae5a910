"""Approved revisions held because their protocol changed after approval (CS-11, issue 12 item 10).

Such a revision stays exactly as approved (CS-09). The plan page says in plain words why it is held, shows what
today's rules would change, and offers two ways on: make the plan again from today's rules (remake), or
"Reviewed — still correct": a therapist checked it against the protocol as it is now. That is stored as a
``RevisionReview`` row naming the protocol version and file hash it was checked against, so it lapses when the
protocol changes again; while it holds, the revision prints from the web and ``clinic handout``.

Verbs take the session and flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic import audit
from clinic.domain import planning
from clinic.domain.planning import PlanBlocked
from clinic.domain.protocols import Library
from clinic.models import Patient, Plan, PlanRevision, RevisionReview, Screening, User
from clinic.plans import operations as ops
from clinic.screening import operations as screening_ops


def held_by_protocol(db: Session, revision: PlanRevision, *, library: Library) -> bool:
    """True while the revision's protocol has changed since approval and no therapist has marked it still
    correct against the protocol as it is now."""
    protocol = library.protocols.get(revision.protocol_id)
    return protocol is not None and planning.protocol_changed(
        revision.canonical, current_protocol_version=protocol.version, current_content_hash=protocol.content_hash,
        reviewed_against=ops.reviewed_against(db, revision))


def reviews_of(db: Session, revision: PlanRevision) -> list[RevisionReview]:
    """Every "still correct" of this revision, oldest first."""
    return list(db.scalars(select(RevisionReview).where(RevisionReview.revision_id == revision.id)
                           .order_by(RevisionReview.at, RevisionReview.id)))


def current_review(db: Session, revision: PlanRevision, *, library: Library) -> RevisionReview | None:
    """The newest "still correct" that counts today: made against the protocol as it is now."""
    protocol = library.protocols.get(revision.protocol_id)
    if protocol is None:
        return None
    if not planning.protocol_changed(revision.canonical, current_protocol_version=protocol.version,
                                     current_content_hash=protocol.content_hash):
        return None  # a mark is made only against a protocol that differs from the revision's: none can count
    rows = [r for r in reviews_of(db, revision)
            if (r.protocol_version, r.content_hash) == (protocol.version, protocol.content_hash)]
    return rows[-1] if rows else None


@dataclass(frozen=True)
class RulesPreview:
    """What making the plan again with today's rules would change: one line each; ``problems`` when today's
    rules would not make a plan from this revision's facts and screening at all."""

    changes: tuple[str, ...]
    not_kept: tuple[str, ...]
    problems: tuple[str, ...]


def changes_under_current_rules(db: Session, plan: Plan, revision: PlanRevision, *, library: Library
                                ) -> RulesPreview:
    """The revision made again from its own facts, screening and day with today's protocol, the therapist's
    edits carried over as a remake would: the differences from the approved revision (nothing is stored)."""
    protocol = library.protocols.get(revision.protocol_id)
    screening = db.get(Screening, revision.screening_id) if revision.screening_id else None
    if protocol is None or screening is None:
        return RulesPreview((), (), ("The protocol or the screening of this revision is gone, so today's rules "
                                     "cannot be compared with it.",))
    try:
        old = planning.plan_from_canonical(revision.canonical)
    except ValueError as exc:
        return RulesPreview((), (), (f"The approved revision cannot be read: {exc}",))
    override, clearance = screening_ops.planning_inputs(db, screening)
    try:
        draft = planning.generate_plan(protocol, old.fact_values(), ops.screening_result(screening), old.on_date,
                                       library=library, override=override, clearance=clearance,
                                       confirmed=frozenset(ops.confirmed_criteria(db, plan)))
    except PlanBlocked as exc:
        return RulesPreview((), (), tuple(exc.problems))
    except (ValueError, KeyError) as exc:
        return RulesPreview((), (), (f"Today's rules cannot read this plan's facts: {exc}",))
    result = ops.keep_therapists_work(db, plan, draft, library=library)
    changes = planning.diff_plans(revision.canonical, planning.plan_to_canonical(result.draft),
                                  protocol=protocol)
    return RulesPreview(tuple(changes), tuple(result.not_kept), ())


class NotHeld(ValueError):
    """The revision is not held by a protocol change (or is not the newest), so there is nothing to mark."""


def mark_still_correct(db: Session, plan: Plan, patient: Patient, revision: PlanRevision, *, note: str,
                       library: Library, user: User, now: dt.datetime) -> RevisionReview:
    """Record that ``user`` checked the newest approved revision against the protocol as it is now and found it
    still correct: a row (who, when, against which protocol version and file, the note) and an audit row. The
    revision is never changed (CS-09). NotHeld when there is nothing to mark."""
    latest = ops.latest_revision(db, plan)
    if latest is None or latest.id != revision.id:
        raise NotHeld(f"Revision {revision.number} is not the newest approved revision of this plan.")
    if not held_by_protocol(db, revision, library=library):
        raise NotHeld(f"Revision {revision.number} is not waiting for a check against a changed protocol.")
    protocol = library.protocol(revision.protocol_id)
    row = RevisionReview(revision_id=revision.id, plan_id=plan.id, patient_id=patient.id,
                         protocol_version=protocol.version, content_hash=protocol.content_hash,
                         note=note.replace("\r\n", "\n").strip(), by=user.email,
                         by_name=user.full_name or user.email, at=now)
    db.add(row)
    db.flush()
    audit.record(db, "plan_reviewed", patient_ref=patient.id, user=user,
                 detail=f"plan {plan.id} revision {revision.number} still correct against protocol version "
                        f"{protocol.version} {protocol.content_hash[:19]}")
    return row
