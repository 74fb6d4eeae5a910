"""Upgrades: an upgraded database ends with exactly the fresh schema, applied migrations stay as they were
(REL-15), and two `clinic db upgrade` at once run one after the other (REL-16). Both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from clinic import schema
from clinic.extensions import db
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.db

VERSIONS = schema.MIGRATIONS / "versions"
FIRST, PATIENTS = "f0a37e492ee3", "bdf3fbfa7bd5"

# sha256 of every migration file. A migration that reached main has been applied somewhere: it is never
# edited again (a fix is a NEW migration). Adding a migration? Put its file name and hash here, in the
# same commit: `sha256sum clinic/migrations/versions/<file>.py`.
PINNED = {
    "f0a37e492ee3_foundation_clinics_accounts_login_.py":
        "8eaf5a2dfc7e69b28ebf51e6ef76b74a5fb0ac1a40239e5af23c15bea73a9be1",
    "bdf3fbfa7bd5_patients.py": "6e35ba245f8de013249b929899dde5851cb54f87866a406fcdc0303b87535bcd",
    "60ba1c393636_screenings.py": "b4fc576dca6f417bd8fc0c05d8dd1d0ff736b10c3c264393cc62b116d3feb0b1",
    "a984a4e5c8c9_plans.py": "b363c2c956b9957710320ad0817d8cdbd64b5fdb82ed34edb7b9fdec66f97596",
    "c2d5e8a91f47_search_index_three_columns.py": "f749845bbd66170737d84e0dbcc71c83ce54eb6464de751d6d11e9e78f216fbd",
    "c29a7e0d5b11_plan_carried_over.py": "56084d8899300e218bf75962186c0564530cd2bad91210cef8315be7d07411a9",
    "c7d2e91f4a10_patient_name_order.py": "0c29b74aab6559e97a3a1e098bfc49b7c505e395cb274da326365a576a88fc1c",
    "c3d5e7f9a1b2_login_throttle_and_search.py": "fa67f3b723458097a4a547c69b61e13fb3a57b77f3cb38314d237201dba9c6a7",
    "c7d2e5a1f3b9_stage_confirmations.py": "2de29f67d16ec49faedd590674e41255b63b73eeb8ffd0af7e02eefb4e000db6",
    "c5e7a1d2b9f4_clinic_settings.py": "fb2f9bdce59df15feb6bf774013a2f53d93d4de261fd7b58ec0e515d8e87209f",
    "d1a4c7e2f805_audit_checkpoints.py": "b1c09e3459b7d965de6829d6caf4cbb51e250a4d312a41d3b5d71e69b2450907",
    "d2b7e4a9c316_search_sort_name.py": "7df60bcf71110be46653367ec3d7ee5ed1367ae66f7c20f57b973e77f7aef2b2",
    "d3c8f1a6b524_audit_dashboard_indexes.py": "9bcce25520ccf6d230f2f0a341d4d54787d319a97c6a9ebe52b2c6398db8f47f",
    "06a951b15786_measures_and_corrections.py": "6fac98bb2b963ff39444cbf03fcfb32ed3a3c872193c89dcfda1514a46971279",
    "ca559938d643_episodes_and_letters.py": "8bd4bc4c4736763c468f85856869bdb1726a4c29c69868085c50aef705ab82e9",
    "f9a61ba3444c_diary_days.py": "2a79b22dbe9ee874b5019d83efb858a4508251885141cacfea997ecd589874c1",
    "d4b8e2f6a9c1_revision_reviews.py": "e276dd1d26898229e14faf880b6eda829169fdf9a13b33290dc10a8304a9913b",
    "e7c3a1f5b208_search_heads.py": "7c594741bfe914cc102911e6093d911da5da02a95c0101732941b58c874bac00",
}


def test_rel15_applied_migrations_are_never_edited_and_new_ones_are_pinned():
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(VERSIONS.glob("*.py"))}
    new = {name: digest for name, digest in files.items() if name not in PINNED}
    assert not new, (
        "New migration file(s) without a pinned hash. If you wrote them, add these lines to PINNED in "
        "tests/web/test_migration_history.py (and never edit the files once they reach main):\n"
        + "\n".join(f'    "{name}": "{digest}",' for name, digest in new.items())
    )
    edited = sorted(name for name, digest in files.items() if PINNED[name] != digest)
    assert not edited, (
        f"{edited} changed after being applied: databases that already ran them will never run the new "
        "text. Put the file back as it was and write a NEW migration (`clinic db migrate -m ...`) for the change."
    )
    assert set(PINNED) <= set(files), f"pinned migrations missing: {sorted(set(PINNED) - set(files))}"


# ------------------------------------------------------------------------------ schema comparison


def schema_of(engine: sa.Engine) -> dict:
    """Every table's columns, keys, indexes and constraints, in a form two databases can be compared by."""
    inspector = sa.inspect(engine)
    out = {}
    for table in sorted(inspector.get_table_names()):
        out[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in
                        inspector.get_columns(table)],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted((fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"],
                           tuple(fk["referred_columns"]), str(fk.get("options"))) for fk in
                          inspector.get_foreign_keys(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in
                              inspector.get_indexes(table)),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)),
            "checks": sorted((c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)),
        }
    return out


def _filler(column: dict):
    kind = column["type"]
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    if isinstance(kind, sa.Date):
        return dt.date(1980, 1, 5)
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    return "x"


def insert(engine: sa.Engine, table: str, **values) -> None:
    """A row in ``table`` as it is now (whatever revision): given values, plain fillers for other required columns."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
    columns = sa.inspect(engine).get_columns(table)
    row = {c["name"]: _filler(c) for c in columns
           if not c["nullable"] and c.get("default") is None and c.get("autoincrement") is not True}
    row.update(values)
    with engine.begin() as conn:
        conn.execute(reflected.insert().values(**row))


def _second_database(db_url: str, tmp_path: Path) -> str:
    if not db_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh = f"{make_url(db_url).database}_fresh"  # beside this worker's database (pytest-xdist)
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{fresh}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{fresh}"'))
    admin.dispose()
    return make_url(db_url).set(database=fresh).render_as_string(hide_password=False)


def test_rel15_upgrade_from_the_first_migration_with_data_gives_the_fresh_schema(make_app, db_url, tmp_path):
    old = make_app()
    with old.app_context():
        engine = db.engine
        upgrade(revision=FIRST)
        insert(engine, "clinics", id=1, name="Old Clinic")
        insert(engine, "users", id=1, clinic_id=1, email="t@old.example", role="therapist")
        upgrade(revision=PATIENTS)
        # A database upgraded before bdf3fbfa7bd5 was edited in place had the search index on 2 columns.
        with engine.begin() as conn:
            conn.execute(sa.text("DROP INDEX ix_patient_search_terms_clinic_term"))
            conn.execute(sa.text("CREATE INDEX ix_patient_search_terms_clinic_term "
                                 "ON patient_search_terms (clinic_id, term)"))
        insert(engine, "patients", id=1, clinic_id=1, record_number="P-000001", family_name="Okafor",
               given_names="Ada", sort_name="okafor ada", history_facts={"smoker": "no"})
        insert(engine, "patient_search_terms", patient_id=1, term="okafor", clinic_id=1)
        upgrade()
        upgraded = schema_of(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT family_name FROM patients WHERE id = 1")).scalar() == "Okafor"
            assert schema.pending_migrations(schema.database_heads(conn)) is None

    fresh = make_app(DATABASE_URL=_second_database(db_url, tmp_path))
    with fresh.app_context():
        upgrade()
        expected = schema_of(db.engine)
    differences = {t: (upgraded.get(t), expected.get(t)) for t in set(upgraded) | set(expected)
                   if upgraded.get(t) != expected.get(t)}
    assert differences == {}, "an upgraded database differs from a fresh one (table: upgraded, fresh)"


# ------------------------------------------------------------------------------------------ REL-16


def test_rel16_two_upgrades_at_once_run_one_after_the_other(db_url, tmp_path):
    env = {**os.environ, "CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": TEST_SECRET,
           "CLINIC_INSTANCE_PATH": str(tmp_path)}
    clinic = str(Path(sys.executable).with_name("clinic"))
    runs = [subprocess.Popen([clinic, "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    _assert_both_succeeded(runs, outputs, db_url)


def test_rel16_an_instance_keeps_answering_while_two_upgrades_run(make_app, db_url, tmp_path):
    serving = make_app()
    with serving.app_context():
        upgrade(revision="a984a4e5c8c9")  # the release before: one migration is pending
    client = serving.test_client()
    assert client.get("/health").status_code == 503
    answers: list[int] = []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            answers.append(client.get("/health").status_code)
            answers.append(client.get("/login").status_code)

    poller = threading.Thread(target=poll)
    poller.start()
    env = {**os.environ, "CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": TEST_SECRET,
           "CLINIC_INSTANCE_PATH": str(tmp_path)}
    clinic = str(Path(sys.executable).with_name("clinic"))
    try:
        runs = [subprocess.Popen([clinic, "db", "upgrade"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [run.communicate(timeout=120) for run in runs]
    finally:
        stop.set()
        poller.join(timeout=30)
    _assert_both_succeeded(runs, outputs, db_url)
    assert client.get("/health").status_code == 200
    assert len(answers) > 4 and set(answers) <= {200, 503}, sorted(set(answers))  # no 500, nothing refused


def test_rel16_an_upgrade_waits_while_another_holds_the_lock(make_app, db_url, tmp_path):
    holder = make_app()
    env = {**os.environ, "CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": TEST_SECRET,
           "CLINIC_INSTANCE_PATH": str(tmp_path)}
    clinic = str(Path(sys.executable).with_name("clinic"))
    with holder.app_context(), db.engine.connect() as connection, schema.migration_lock(connection):
        waiting = subprocess.Popen([clinic, "db", "upgrade"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        first_line = ""
        while "Another" not in first_line:  # it says why it waits (INFO lines of Alembic may come first)
            first_line = waiting.stderr.readline()
            assert first_line or waiting.poll() is None, "the upgrade ended without waiting"
        assert first_line.strip() == schema.WAITING
        time.sleep(1)
        assert waiting.poll() is None  # still waiting: nothing migrated under the holder's feet
    _out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert schema.pending_migrations(schema.database_heads(conn)) is None
    finally:
        engine.dispose()


def _assert_both_succeeded(runs, outputs, db_url) -> None:
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "Traceback" not in err
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == \
                sorted(schema.script_heads())
            assert schema.pending_migrations(schema.database_heads(conn)) is None
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------------------- downgrade


def _steps_down() -> list[str]:
    """Every revision from the head down to the first, newest first (the chain has one head)."""
    return [r.revision for r in ScriptDirectory(str(schema.MIGRATIONS)).walk_revisions()]


def test_rel15_downgrade_with_data_in_every_table_keeps_the_rows_of_the_tables_that_stay(make_app):
    """Going back a release must work on a database in use: SQLite once refused the clinic-settings downgrade
    (batch mode copied `clinics` and could not drop the old table while users and patients pointed at it)."""
    app = make_app()
    with app.app_context():
        engine = db.engine
        upgrade()
        for table in db.metadata.sorted_tables:  # parents first; every foreign key points at row 1
            columns = {c.name: 1 for c in table.columns
                       if (c.foreign_keys or c.primary_key) and isinstance(c.type, sa.Integer)}
            insert(engine, table.name, **columns)
        steps = _steps_down()
        for below in [*steps[1:], "base"]:
            downgrade(revision=below)
            tables = sa.inspect(engine).get_table_names()
            with engine.connect() as conn:
                for table in set(tables) - {"alembic_version"}:
                    count = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
                    assert count == 1, f"{table} lost its row going down to {below}"
        upgrade()  # and up again, to the head
        with engine.connect() as conn:
            assert schema.pending_migrations(schema.database_heads(conn)) is None
