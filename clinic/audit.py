"""The audit trail: one row per event, HMAC-chained so edits, deletions and forgeries are found.

``record`` adds a row to the session it is given (it flushes, never commits), so the audit row lands
together with the change it describes, or not at all. Only operations call it, with the session they were
given and the user they act for (tests/unit/test_audit_callers.py): it reads no request and no global session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.clock import now
from clinic.models import AuditChainHead, AuditCheckpoint, AuditEvent, User

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
    session: Session,
    action: str,
    *,
    user: User | None,
    outcome: str = "ok",
    patient_ref: int | None = None,
    detail: str = "",
    clinic_id: int | None = None,
    actor: str | None = None,
) -> AuditEvent:
    """Append one audit row for ``action`` by ``user`` (None: nobody signed in, or the command line, named by
    ``actor``) to ``session``'s transaction; flushes, never commits."""
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


def verify_chain(session: Session, key: bytes | None = None, batch: int = 2000, *, after: int = 0,
                 prev_hash: str = GENESIS) -> list[ChainProblem]:
    """Walk the audit rows after row ``after`` (whose hash is ``prev_hash``; by default every row) in order;
    report each row that was changed, forged or follows a gap."""
    key = key or _key()
    problems: list[ChainProblem] = []
    expected_prev, expected_id = prev_hash, after + 1
    last_id = after
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


# ------------------------------------------------------------------------------ incremental verify


def _checkpoint_mac(key: bytes, row_id: int, row_hash: str) -> str:
    return hmac.new(key, f"audit-checkpoint:{row_id}:{row_hash}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verified:
    """What a verify found: problems (empty: intact), where it started and the last row it reached."""

    problems: list[ChainProblem]
    started_after: int  # 0: from the first row
    last_id: int
    last_hash: str


def _start(session: Session, key: bytes) -> tuple[int, str, list[ChainProblem]]:
    """(row, its hash) the newest checkpoint vouches for, or (0, GENESIS) with the reason it cannot be used."""
    checkpoint = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    if checkpoint is None:
        return 0, GENESIS, []
    if not hmac.compare_digest(_checkpoint_mac(key, checkpoint.row_id, checkpoint.row_hash), checkpoint.mac):
        return 0, GENESIS, [ChainProblem(checkpoint.row_id, "the last verify's checkpoint was forged or changed")]
    row_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == checkpoint.row_id))
    if row_hash != checkpoint.row_hash:
        return 0, GENESIS, [ChainProblem(checkpoint.row_id, "changed or removed since the last verify")]
    # Rows before the checkpoint removed since: the count from the index alone is cheap at millions.
    if session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id <= checkpoint.row_id)) != checkpoint.row_id:
        return 0, GENESIS, [ChainProblem(checkpoint.row_id, "rows before it were removed since the last verify")]
    return checkpoint.row_id, checkpoint.row_hash, []


def verify(session: Session, *, full: bool = False, key: bytes | None = None) -> Verified:
    """Verify the rows written since the last intact verify (its HMAC'd checkpoint), or every row when
    ``full`` or when the checkpoint cannot be trusted (that is reported too, and the whole chain checked)."""
    key = key or _key()
    after, prev_hash, problems = (0, GENESIS, []) if full else _start(session, key)
    problems = problems + verify_chain(session, key, after=after, prev_hash=prev_hash)
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    last_id, last_hash = (last.id, last.hash) if last is not None else (0, GENESIS)
    return Verified(problems, after, last_id, last_hash)


def write_checkpoint(session: Session, verified: Verified, now_: dt.datetime, key: bytes | None = None) -> None:
    """Remember an intact verify, so the next one starts after its last row (flushes, never commits)."""
    if verified.problems or verified.last_id == 0 or verified.last_id == verified.started_after:
        return
    key = key or _key()
    session.add(AuditCheckpoint(row_id=verified.last_id, row_hash=verified.last_hash, at=now_,
                                mac=_checkpoint_mac(key, verified.last_id, verified.last_hash)))
    session.flush()
