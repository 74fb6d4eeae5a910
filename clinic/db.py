"""Database engine set-up: SQLite pragmas on every connection, and when its write lock is taken.

SQLite's default deferred transactions fail with "database is locked" when two workers read and then
write (RELIABILITY.md pitfall 3): the reader's snapshot is stale by the time it writes, and SQLite
refuses at once instead of waiting. ``BEGIN IMMEDIATE`` takes the write lock up front and waits for it
under ``busy_timeout`` instead.

Taking it up front for every request, though, made every page wait for every other page: two workers
served one request at a time. So a request that only reads (GET, HEAD) begins a plain, deferred
transaction, which in WAL mode never blocks and is never blocked; the moment it is about to write
(an INSERT, UPDATE or DELETE, a savepoint, or a ``with_for_update()`` read that decides a write) its
read transaction ends and ``BEGIN IMMEDIATE`` starts a new one, before anything is written. What it
read before that point it reads again as needed, like a statement under PostgreSQL's READ COMMITTED.
Every other request, and every command, begins IMMEDIATE as before.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # requests that change nothing the user asked for

# True while the current request (or block) should start read-only; read by the engine's "begin".
_reading_first: ContextVar[bool] = ContextVar("clinic_sqlite_reading_first", default=False)
# Per connection: this transaction began deferred and has not yet taken the write lock.
_DEFERRED = "clinic_deferred"
_READ_STATEMENT = re.compile(r"\s*(SELECT|PRAGMA)\b", re.IGNORECASE)


def configure_engine(engine: Engine) -> None:
    """Attach the per-connection pragmas and transaction mode for SQLite; PostgreSQL needs none."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised through every test
        # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite recipe in SQLAlchemy's docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA busy_timeout=5000",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=FULL",
            "PRAGMA secure_delete=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection):
        deferred = _reading_first.get()
        connection.info[_DEFERRED] = False
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
        connection.info[_DEFERRED] = deferred

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection: Connection, _cursor, statement: str, *_args):
        if connection.info.get(_DEFERRED) and not _READ_STATEMENT.match(statement):
            take_write_lock(connection)


@event.listens_for(Session, "do_orm_execute")
def _before_locking_read(state: ORMExecuteState) -> None:
    """A ``with_for_update()`` read decides a write: on SQLite, take the write lock before reading.

    SQLite drops FOR UPDATE from the SQL, so the engine cannot see it; ``_for_update_arg`` is where
    SQLAlchemy keeps it on the statement (tests/web/test_data.py shows the audit chain relies on it).
    """
    if state.is_select and getattr(state.statement, "_for_update_arg", None) is not None:
        connection = state.session.connection()
        if connection.info.get(_DEFERRED):
            take_write_lock(connection)


def take_write_lock(connection: Connection) -> None:
    """End this read-only SQLite transaction and begin IMMEDIATE, waiting for the write lock."""
    connection.info[_DEFERRED] = False
    sqlite = connection.connection.driver_connection  # straight to sqlite3: no events, no re-entry
    sqlite.execute("COMMIT")  # nothing was written in it: this only ends the read snapshot
    sqlite.execute("BEGIN IMMEDIATE")


@contextlib.contextmanager
def reading_first() -> Iterator[None]:
    """Transactions begun inside this block start read-only and take the write lock on first write."""
    token = _reading_first.set(True)
    try:
        yield
    finally:
        _reading_first.reset(token)


@contextlib.contextmanager
def read_only_snapshot(session: Session) -> Iterator[None]:
    """One consistent, read-only view of the database for a long read (``clinic audit verify``) that never
    blocks a writer: on SQLite a deferred read transaction (WAL readers and writers do not wait for each
    other), on PostgreSQL REPEATABLE READ, READ ONLY. The session's transaction ends on leaving."""
    session.rollback()
    token = _reading_first.set(True)
    try:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            session.execute(text("SET TRANSACTION READ ONLY"))
        yield
    finally:
        session.rollback()
        _reading_first.reset(token)


def reads_first(view):
    """Mark a view that posts but reads (and renders) a long while before it writes, like an approval, which
    renders its PDF first: its transaction starts read-only too, so no other writer waits meanwhile."""
    view.clinic_reads_first = True
    return view


def init_app(app: Flask) -> None:
    """Safe requests (GET, HEAD) and ``reads_first`` views begin read-only transactions; register before
    anything reads the database."""

    @app.before_request
    def _start_reading_first():
        view = app.view_functions.get(request.endpoint or "")
        if request.method in SAFE_METHODS or getattr(view, "clinic_reads_first", False):
            _reading_first.set(True)

    @app.teardown_request
    def _stop_reading_first(_exc):
        _reading_first.set(False)


def sqlite_path(url: str) -> str | None:
    """The file path of a SQLite URL, or None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix):]
    return path or None
