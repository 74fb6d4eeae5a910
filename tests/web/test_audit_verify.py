"""``clinic audit verify`` at ten years of rows: it never blocks the app's writes (ENG-03) and checks only the
rows written since its last intact run, from an HMAC'd checkpoint (a full check on request)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from clinic import audit
from clinic.extensions import db
from clinic.models import AuditCheckpoint, AuditEvent


def _fill(app, n: int) -> None:
    with app.app_context():
        for i in range(n):
            audit.record(db.session, "test_event", user=None, actor="bulk", detail=f"row {i}")
        db.session.commit()


def test_eng03_audit_verify_while_the_app_writes_has_no_database_is_locked(
        app, runner, make_user, login, make_patient, monkeypatch):
    _fill(app, 300)
    patient_id = make_patient()
    browser = login(make_user("therapist")[1])
    pages: list[int] = []
    real_verify_chain = audit.verify_chain

    def verify_while_the_app_writes(session, *args, **kwargs):
        # Once the verify is reading, a therapist opens a patient three times: each view writes an audit row.
        # Were the verify holding the SQLite write lock, each would wait and fail "database is locked".
        session.scalar(select(func.count(AuditEvent.id)))
        writer = threading.Thread(target=lambda: pages.extend(
            browser.get(f"/patients/{patient_id}").status_code for _ in range(3)))
        writer.start()
        writer.join(timeout=60)
        return real_verify_chain(session, *args, **kwargs)

    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    monkeypatch.setattr(audit, "verify_chain", verify_while_the_app_writes)
    result = runner.invoke(args=["audit", "verify", "--full"])
    monkeypatch.undo()
    assert pages == [200, 200, 200]
    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {before} rows." in result.output  # its snapshot: the rows before it began
    with app.app_context():
        views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient_view")).all()
        assert len(views) == 3 and audit.verify_chain(db.session) == []
    # The rows the app wrote during the verify are checked by the next one, which starts at its checkpoint.
    again = runner.invoke(args=["audit", "verify"])
    assert again.exit_code == 0 and "checked the 3 written since the last verify" in again.output


def test_audit_verify_checks_only_new_rows_from_its_checkpoint_and_everything_with_full(app, runner):
    _fill(app, 500)
    first = runner.invoke(args=["audit", "verify"])
    assert first.exit_code == 0 and "Audit chain intact: 500 rows." in first.output
    _fill(app, 20)
    with app.app_context():
        # Tampering with a row before the checkpoint is for the full check; one after it, any check finds.
        db.session.execute(text("UPDATE audit_events SET detail = 'nothing to see' WHERE id = 100"))
        db.session.execute(text("UPDATE audit_events SET detail = 'nor here' WHERE id = 510"))
        db.session.commit()
    daily = runner.invoke(args=["audit", "verify"])
    assert daily.exit_code == 1 and "row 510: contents changed" in daily.output and "row 100" not in daily.output
    full = runner.invoke(args=["audit", "verify", "--full"])
    assert full.exit_code == 1 and "row 100: contents changed" in full.output and "row 510" in full.output
    with app.app_context():  # no checkpoint is written past a problem
        assert db.session.scalars(select(AuditCheckpoint.row_id)).all() == [500]


def test_a_forged_or_outdated_checkpoint_is_reported_and_the_whole_chain_checked(app, runner):
    _fill(app, 200)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE audit_checkpoints SET row_id = 150"))  # not signed for row 150
        db.session.execute(text("UPDATE audit_events SET detail = 'edited' WHERE id = 20"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "row 150: the last verify's checkpoint was forged or changed" in result.output
    assert "row 20: contents changed" in result.output
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_checkpoints"))
        db.session.execute(text("UPDATE audit_events SET detail = 'row 19' WHERE id = 20"))
        db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_events WHERE id = 50"))  # before the new checkpoint
        db.session.commit()
    removed = runner.invoke(args=["audit", "verify"])
    assert removed.exit_code == 1 and "rows before it were removed since the last verify" in removed.output
    assert "row 51: rows 50..50 are missing" in removed.output


# PostgreSQL picks among indexes by its statistics (an empty table here), so the plan is checked on SQLite,
# which plans without statistics; the dashboard's time at 1,000,000 rows on both is in tests/bench/.
@pytest.mark.sqlite_only
def test_the_dashboard_reads_recent_activity_from_the_user_index(app):
    query = "SELECT * FROM audit_events WHERE user_id = 1 AND patient_ref IS NULL ORDER BY id DESC LIMIT 6"
    with app.app_context():
        plan = db.session.execute(text("EXPLAIN QUERY PLAN " + query)).all()
    assert "ix_audit_events_user_patient_id" in " ".join(str(row) for row in plan)
