"""The audit trail: one row per event, HMAC-chained so edits, deletions and forgeries are found.

``record`` adds a row to the current transaction (it flushes, never commits), so the audit row
lands together with the change it describes, or not at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app, g, has_request_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.clock import now
from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _digest(key: bytes, event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.id,
            event.at.isoformat(),
            event.clinic_id,
            event.user_id,
            event.actor,
            event.action,
            event.patient_ref,
            event.outcome,
            event.detail,
            event.prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _key() -> bytes:
    return str(current_app.config["AUDIT_KEY"]).encode()


def record(
    action: str,
    *,
    outcome: str = "ok",
    patient_ref: int | None = None,
    detail: str = "",
    user=None,
    clinic_id: int | None = None,
    actor: str | None = None,
) -> AuditEvent:
    """Append one audit row for ``action`` by ``user`` (default: the logged-in user)."""
    if user is None and has_request_context():
        user = g.get("user")
    session: Session = db.session
    head = _locked_head(session)
    event = AuditEvent(
        id=head.count + 1,
        at=now().replace(microsecond=0),
        clinic_id=clinic_id if clinic_id is not None else (user.clinic_id if user else None),
        user_id=user.id if user else None,
        actor=actor if actor is not None else (user.email if user else ""),
        action=action,
        patient_ref=patient_ref,
        outcome=outcome,
        detail=detail[:2000],
        prev_hash=head.last_hash,
    )
    event.hash = _digest(_key(), event)
    head.count = event.id
    head.last_hash = event.hash
    session.add(event)
    session.flush()
    return event


def _locked_head(session: Session) -> AuditChainHead:
    """The chain head row, locked for this transaction; created on first use (once, even under a race)."""
    query = select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    head = session.scalars(query).first()
    if head is None:
        try:
            with session.begin_nested():
                session.add(AuditChainHead(id=1, last_hash=GENESIS, count=0))
        except IntegrityError:
            pass  # another worker created it first; lock theirs
        head = session.scalars(query).one()
    return head


@dataclass(frozen=True)
class ChainProblem:
    """A place where the chain does not verify."""

    row: int
    message: str


def verify_chain(session: Session, key: bytes | None = None, batch: int = 2000) -> list[ChainProblem]:
    """Walk every audit row in order; report each row that was changed, forged or follows a gap."""
    key = key or _key()
    problems: list[ChainProblem] = []
    expected_prev, expected_id = GENESIS, 1
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.id != expected_id:
                problems.append(ChainProblem(event.id, f"rows {expected_id}..{event.id - 1} are missing"))
            if event.prev_hash != expected_prev:
                problems.append(ChainProblem(event.id, "does not follow the row before it"))
            if not hmac.compare_digest(_digest(key, event), event.hash):
                problems.append(ChainProblem(event.id, "contents changed or row forged"))
            expected_prev, expected_id, last_id = event.hash, event.id + 1, event.id
        session.expunge_all()
    head = session.get(AuditChainHead, 1)
    if head is not None and head.count != last_id:
        problems.append(ChainProblem(last_id, f"chain head says {head.count} rows, found up to {last_id}"))
    return problems


def every_row_fails(problems: list[ChainProblem], count: int | None) -> bool:
    """True when every row's signature fails: a different key, not a few tampered rows."""
    forged = {p.row for p in problems if p.message == "contents changed or row forged"}
    return bool(count) and len(forged) == count
