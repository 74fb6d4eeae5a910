"""The database schema's migration state: which revision the database is at, and one upgrade at a time.

``/health`` asks ``pending_migrations`` on every call, so it reads the migration scripts' heads once per
process and asks the database one small question (REL-17). ``migration_lock`` is taken by
``migrations/env.py`` around every ``clinic db upgrade``/``downgrade``, so two started at once run one
after the other: the second then finds nothing left to do (REL-16).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from clinic.transactions import sqlite_path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: the key of the PostgreSQL advisory lock every `clinic db upgrade` takes.
ADVISORY_LOCK_KEY = 0x636C696E6963  # "clinic" in ASCII
WAITING = "Another `clinic db upgrade` is running; waiting for it to finish."


@functools.cache
def script_heads() -> frozenset[str]:
    """The head revision(s) of the migration scripts shipped with this code."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_heads(connection: Connection) -> frozenset[str]:
    """The revision(s) the database is at (empty when it was never migrated)."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())


def recorded_heads(session) -> frozenset[str] | None:
    """The revision(s) in ``alembic_version``, read with one plain query (``/health`` asks on every call);
    None when that table is missing. A database that does not answer raises SQLAlchemyError."""
    query = text("SELECT version_num FROM alembic_version")
    try:
        if session.get_bind().dialect.name == "sqlite":
            # No savepoint: on SQLite it would take the write lock (clinic.transactions), and a failed SELECT leaves
            # the transaction usable there anyway.
            return frozenset(session.execute(query).scalars())
        with session.begin_nested():  # on PostgreSQL a missing table would abort the caller's transaction
            return frozenset(session.execute(query).scalars())
    except DBAPIError as exc:
        if exc.connection_invalidated or not _is_missing_table(exc):
            raise
        return None


def _is_missing_table(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return "no such table" in message or "does not exist" in message


def pending_migrations(current: frozenset[str] | None) -> str | None:
    """None when the database's revisions (``recorded_heads``) are the scripts' head, else what is wrong."""
    expected = script_heads()
    if current == expected:
        return None
    if not current:
        return "the database has no schema yet: run `clinic db upgrade`"
    if current - expected and not expected - current:
        return "the database is newer than this code: update the code"
    return "migrations are pending: run `clinic db upgrade`"


def _lock_file(url: str) -> Path:
    """The file beside a SQLite database that every upgrade of it locks."""
    path = sqlite_path(url)
    if path is None:  # in-memory SQLite: one process only, nothing to share
        return Path(os.devnull)
    return Path(path).with_name(Path(path).name + ".upgrade-lock")


def _say_waiting() -> None:
    # Straight to stderr: Alembic's logging set-up (fileConfig in env.py) silences loggers made before it.
    print(WAITING, file=sys.stderr, flush=True)


@contextlib.contextmanager
def migration_lock(connection: Connection, notify: Callable[[], None] = _say_waiting) -> Iterator[None]:
    """Hold the database's upgrade lock: a PostgreSQL advisory lock, or a lock file beside the SQLite file.

    The caller runs its migrations inside; a second caller calls ``notify`` and waits here until the first
    is done.
    """
    if connection.dialect.name == "postgresql":
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
        if not got:
            notify()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        connection.commit()  # a session lock: it outlives this transaction, and Alembic begins its own
        try:
            yield
        finally:
            connection.rollback()  # whatever failed inside, so the unlock can run
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
        return
    path = _lock_file(connection.engine.url.render_as_string(hide_password=True))
    with open(path, "a+b") as handle:  # noqa: SIM117 - the lock must cover the whole block
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notify()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
