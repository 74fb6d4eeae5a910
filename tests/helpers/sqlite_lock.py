"""Whether SQLite's write lock is free while a step of a request runs (the step is wrapped to try it)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from clinic.transactions import sqlite_path


def another_writer_could_write(database_url: str) -> bool:
    """True when a second connection takes the write lock at once (no busy wait): nobody holds it now."""
    other = sqlite3.connect(sqlite_path(database_url), timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # fails at once ("database is locked") if a request holds the lock
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def trying_the_lock_first(step: Callable, database_url: str, seen: list[bool]) -> Callable:
    """``step`` that first notes in ``seen`` whether another writer could write at that moment."""

    def wrapped(*args, **kwargs):
        seen.append(another_writer_could_write(database_url))
        return step(*args, **kwargs)

    return wrapped
