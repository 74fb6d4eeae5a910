"""The clinic command: accounts, demo data, backup and audit verification through runner.invoke."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import User


def test_user_create_adds_an_account_in_a_new_clinic(app, runner):
    result = runner.invoke(args=["user", "create", "Lead@Example.org", "--role", "admin", "--clinic", "North",
                                 "--password", "a long first password"])
    assert result.exit_code == 0, result.output
    assert "Created admin account lead@example.org in North." in result.output
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.clinic.name == "North" and user.role == "admin"


def test_user_create_refuses_a_weak_password_with_a_message(app, runner):
    result = runner.invoke(args=["user", "create", "a@example.org", "--role", "therapist", "--clinic", "North",
                                 "--password", "short"])
    assert result.exit_code != 0
    assert "Use at least 12 characters." in result.output


def test_demo_loads_once_and_prints_the_logins(app, runner, login):
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0 and "Demo data loaded." in first.output
    assert "therapist@demo.clinic" in first.output and "password:" in first.output
    second = runner.invoke(args=["demo", "--if-empty"])
    assert "demo data not loaded" in second.output
    assert login("therapist@demo.clinic", "demo-therapist-pass").get("/").status_code == 200


def test_backup_refuses_to_overwrite_and_writes_a_consistent_copy(app, runner, tmp_path):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        return
    runner.invoke(args=["demo"])
    target = tmp_path / "b.sqlite3"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    con = sqlite3.connect(target)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 3
    con.close()
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output
