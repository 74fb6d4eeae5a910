"""REL-02 concurrent writers, REL-04 foreign keys, REL-06 online backup during writes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import sqlite3
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from clinic import audit, transactions
from clinic.extensions import db
from clinic.models import AuditEvent, LoginSession
from tests.conftest import TEST_SECRET


def _writer(db_url: str, worker: int, count: int, errors) -> None:
    from clinic.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": db_url})
    with app.app_context():
        for i in range(count):
            try:
                # Read-then-write: the chain head is read, then a row appended (the pattern that locks).
                # Every other write comes the way a page view does: a read-only transaction that reads,
                # then audits (on SQLite it must take the write lock before reading the chain head).
                with transactions.reading_first() if i % 2 else contextlib.nullcontext():
                    db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)).all()
                    audit.record(db.session, "worker_write", user=None, actor=f"worker{worker}", detail=str(i))
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                db.session.rollback()
                errors.put(f"{type(exc).__name__}: {exc}")
        db.engine.dispose()


def test_rel02_several_workers_writing_at_once_never_lock_or_fork_the_chain(app, db_url):
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    workers = [ctx.Process(target=_writer, args=(db_url, w, 150, errors)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert all(p.exitcode == 0 for p in workers)
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 600
        assert audit.verify_chain(db.session) == []


@pytest.mark.sqlite_only
def test_rel02_pages_that_only_read_answer_while_another_worker_holds_the_write_lock(
        app, db_url, make_user, login, make_patient):
    patient_id = make_patient()
    _, email = make_user("therapist")
    browser = login(email)
    writer = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None, timeout=10)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another worker in the middle of a write
        writer.execute("INSERT INTO clinics (name, address, phone, created_at) "
                       "VALUES ('Busy', '', '', '2026-03-02 09:00:00')")
        for path in ("/", "/protocols/", "/protocols/fracture", "/patients/"):
            assert browser.get(path).status_code == 200, path
    finally:
        writer.execute("COMMIT")
        writer.close()
    # The write lock is free again: a page that writes (a view leaves an audit row) goes through.
    assert browser.get(f"/patients/{patient_id}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == "patient_view"
        assert audit.verify_chain(db.session) == []


def test_rel04_orphan_rows_are_rejected_through_the_orm(app, clock):
    with app.app_context():
        db.session.add(LoginSession(token_hash="x" * 64, user_id=9999, created_at=clock(),
                                    last_seen_at=clock(), authenticated_at=clock()))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_rel04_orphan_rows_are_rejected_through_raw_sql(app):
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(text(
                "INSERT INTO users (clinic_id, email, full_name, role, password_hash, active, created_at, version)"
                " VALUES (4242, 'o@example.org', 'Orphan', 'therapist', 'x', true, '2026-01-01 00:00:00', 1)"
            ))
            db.session.commit()
        db.session.rollback()


def export_database(path: str) -> bytes:
    """Every row of every table as canonical JSON, for comparing two databases byte for byte."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        dump = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}  # noqa: S608
    finally:
        con.close()
    return json.dumps(dump, sort_keys=True, default=str).encode()


@pytest.mark.sqlite_only
def test_rel06_online_backup_during_writes_restores_to_an_identical_database(app, runner, tmp_path, db_url):
    stop = threading.Event()
    written = {"n": 0}

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                audit.record(db.session, "busy", user=None, actor="writer", detail=str(written["n"]))
                db.session.commit()
                written["n"] += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while written["n"] < 50:
            threading.Event().wait(0.01)
        backup = tmp_path / "backup.sqlite3"
        result = runner.invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join()
    assert written["n"] >= 50
    con = sqlite3.connect(backup)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = tmp_path / "restored.sqlite3"
    target = sqlite3.connect(restored)
    con.backup(target)
    target.close()
    con.close()
    first, second = export_database(str(backup)), export_database(str(restored))
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    restored_app_config = {"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{restored}"}
    from clinic.app import create_app

    restored_app = create_app(restored_app_config)
    with restored_app.app_context():
        assert audit.verify_chain(db.session) == []
        db.engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(app):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        return
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
