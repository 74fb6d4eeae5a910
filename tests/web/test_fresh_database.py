"""Every test starts on empty tables numbered from 1 (tests/conftest.py ``db_url``), so no test's rows can
satisfy another test's assertion: the quick reset between tests (a template file on SQLite, DELETE and restarted
sequences on PostgreSQL) must leave exactly what a fresh create_all would."""

from __future__ import annotations

import shutil

from sqlalchemy import create_engine, func, select

from clinic import audit
from clinic.auth import operations as auth_ops
from clinic.extensions import db
from tests.conftest import PASSWORD, _postgres_with_empty_tables


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table.name: conn.scalar(select(func.count()).select_from(table))
                    for table in db.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_a_used_database_is_emptied_and_numbered_from_one_for_the_next_test(
        app, make_app, make_user, make_patient, db_url, request, tmp_path, clock):
    make_user(), make_user(role="admin", clinic="Clinic B")
    make_patient(), make_patient()
    with app.app_context():
        audit.record(db.session, "test_event", user=None, actor="test")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # the next test's reset must not wait on this test's connections
    used = _row_counts(db_url)
    assert used["users"] == 2 and used["patients"] == 2 and used["audit_events"] >= 1

    if db_url.startswith("postgresql"):
        _postgres_with_empty_tables(db_url)  # what db_url does before the next test
        fresh = db_url
    else:
        path = tmp_path / "next.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        fresh = f"sqlite:///{path}"
    assert set(_row_counts(fresh).values()) == {0}

    # Numbered from 1 again: a test may name the first clinic, user or audit row by its id.
    again = make_app(DATABASE_URL=fresh)
    with again.app_context():
        clinic = auth_ops.get_or_create_clinic(db.session, "Clinic C", clock())
        user = auth_ops.create_user(db.session, clinic=clinic, email="first@example.org", full_name="First Person",
                                    role="therapist", password=PASSWORD, now=clock())
        event = audit.record(db.session, "test_event", user=None, actor="test")
        db.session.commit()
        assert (clinic.id, user.id) == (1, 1)
        assert event.id == 1 and event.prev_hash == audit.GENESIS
