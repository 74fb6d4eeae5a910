"""AUD-01: each event leaves exactly one audit row; AUD-03: the chain finds tampering."""

from __future__ import annotations

import datetime as dt

from flask import has_request_context
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from clinic import audit
from clinic.extensions import db
from clinic.models import AuditEvent, User
from tests.conftest import csrf_from


def rows(app, action: str) -> list[AuditEvent]:
    """Every audit row of ``action``."""
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return found


def test_aud01_each_event_leaves_exactly_one_row_with_who_when_and_outcome(app, make_user, login, clock, runner,
                                                                           tmp_path):
    admin_id, admin_email = make_user("admin")
    _, email = make_user("therapist")

    client = app.test_client()
    token = csrf_from(client.get("/login").data)
    client.post("/login", data={"email": email, "password": "wrong", "csrf_token": token})
    browser = login(email)
    browser.post("/logout")
    timed_out = login(email)
    clock.advance(hours=1)
    timed_out.get("/")
    admin = login(admin_email)
    admin.post("/admin/users/new", data={"full_name": "New Person", "email": "new@example.org",
                                         "role": "reception", "password": "a long first password", "active": "y"})
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert runner.invoke(args=["backup", str(tmp_path / "b.sqlite3")]).exit_code == 0
        assert len(rows(app, "backup")) == 1

    failed = rows(app, "login_failed")
    assert len(failed) == 1 and failed[0].outcome == "denied" and failed[0].actor == email
    logins = rows(app, "login")
    assert len(logins) == 3
    assert {r.actor for r in logins} == {email, admin_email}
    assert len(rows(app, "logout")) == 1
    timeouts = rows(app, "session_timeout")
    assert len(timeouts) == 1 and timeouts[0].detail == "idle timeout" and timeouts[0].actor == email
    created = rows(app, "account_create")
    assert len(created) == 1 and created[0].user_id == admin_id
    for row in logins + timeouts + created:
        assert row.at.tzinfo is not None and row.at.utcoffset() == dt.timedelta(0)
        assert row.outcome == "ok"


def _fill(app, n: int) -> None:
    with app.app_context():
        for i in range(n):
            audit.record(db.session, "test_event", user=None, actor="bulk", detail=f"row {i}")
        db.session.commit()


def test_aud03_clean_chain_of_ten_thousand_rows_has_no_false_alarm(app, runner):
    _fill(app, 10_000)
    with app.app_context():
        assert audit.verify_chain(db.session) == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "10000 rows" in result.output


def test_aud03_update_delete_and_forgery_are_each_found_at_the_right_row(app, runner):
    _fill(app, 1000)
    with app.app_context():
        db.session.execute(text("UPDATE audit_events SET detail = 'nothing to see' WHERE id = 300"))
        db.session.execute(text("DELETE FROM audit_events WHERE id = 600"))
        last = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == 1000))
        db.session.execute(
            text("INSERT INTO audit_events (id, at, clinic_id, user_id, actor, action, patient_ref, outcome, detail,"
                 " prev_hash, hash) VALUES (1001, :at, NULL, NULL, 'mallory', 'erase', 7, 'ok', '', :prev, :h)"),
            {"at": dt.datetime(2026, 3, 2, tzinfo=dt.UTC), "prev": last, "h": "f" * 64},
        )
        db.session.commit()
        problems = audit.verify_chain(db.session)
    flagged = {p.row for p in problems}
    assert {300, 601, 1001} <= flagged
    assert flagged <= {300, 601, 1001}
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "row 300: contents changed" in result.output
    assert "row 601: rows 600..600 are missing" in result.output
    assert "row 1001: contents changed or row forged" in result.output


def test_audit_rows_count_matches_chain_head(app):
    _fill(app, 25)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 25


def test_eng05_audit_record_writes_on_the_session_it_is_given_outside_any_request(app, make_user):
    """No request, no global session: the row goes where the operation's session goes (committed with it,
    rolled back with it), and names the user it was given."""
    user_id, email = make_user("therapist")
    with app.app_context():
        assert not has_request_context()
        with Session(db.engine) as plain:
            event = audit.record(plain, "test_event", user=None, actor="plain", detail="rolled back")
            assert event in plain and event not in db.session
            plain.rollback()
        with Session(db.engine) as plain:
            user = plain.get(User, user_id)
            event = audit.record(plain, "test_event", user=user, patient_ref=7, detail="kept")
            plain.commit()
            written = (event.id, user.clinic_id)
    found = [(r.id, r.user_id, r.actor, r.clinic_id, r.patient_ref, r.detail) for r in rows(app, "test_event")]
    assert found == [(written[0], user_id, email, written[1], 7, "kept")]
    with app.app_context():
        assert audit.verify(db.session, full=True).problems == []
