"""``clinic backup``: a consistent online copy of the database, readable by its owner only (SEC-28).

SQLite: ``sqlite3``'s backup API copies a snapshot while others keep writing (RELIABILITY pitfall 7).
PostgreSQL: ``pg_dump --format=custom``. Its password never goes on a command line, where ``ps`` shows it
to every user of the machine: it goes into a ``.pgpass`` file of mode 0600 in a private temporary folder,
named by ``PGPASSFILE``, removed when pg_dump ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from clinic import audit
from clinic.transactions import sqlite_path

NOT_INCLUDED = (
    "Not in the backup: the keys SECRET_KEY and AUDIT_KEY (instance/config.py or the CLINIC_* environment). "
    "Keep a copy of them somewhere else than the backup: a restored database needs the same AUDIT_KEY for "
    "`clinic audit verify` (README: Backups and restore)."
)


class BackupError(RuntimeError):
    """The backup could not be written; the message says why."""


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files created inside are readable and writable by their owner only (umask 077)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def write_backup(database_url: str, target: Path) -> None:
    """Write a backup of the database at ``database_url`` to the new file ``target`` (mode 0600)."""
    source = sqlite_path(database_url)
    with private_files():
        # Created here, exclusively and 0600, whatever tool writes into it next.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            if source is not None:
                _sqlite_backup(source, target)
            else:
                _pg_dump(make_url(database_url), target)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        os.chmod(target, 0o600)


def back_up(db: Session, database_url: str, target: Path) -> None:
    """``clinic backup``: :func:`write_backup`, audited as done on the command line (on ``db``, which the
    caller commits)."""
    write_backup(database_url, target)
    audit.record(db, "backup", user=None, actor="cli", detail=f"to {target.name}")


def _sqlite_backup(source: str, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pgpass_line(url: URL) -> str:
    def field(value) -> str:
        return str(value if value is not None else "*").replace("\\", "\\\\").replace(":", "\\:")

    return ":".join(field(v) for v in (url.host or "localhost", url.port or 5432, url.database, url.username,
                                       url.password)) + "\n"


def _pg_dump(url: URL, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed; install postgresql-client.")
    # URL.set(password=None) keeps the password (None means "unchanged" there): build it without one.
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="clinic-backup-") as folder:  # mode 0700
        if url.password is not None:
            pgpass = Path(folder) / "pgpass"
            pgpass.write_text(_pgpass_line(url), encoding="utf-8")
            pgpass.chmod(0o600)  # libpq ignores a password file others can read
            env["PGPASSFILE"] = str(pgpass)
        result = subprocess.run(  # noqa: S603 - fixed program; the URL holds no password
            [pg_dump, "--format=custom", "--file", str(target), "--dbname",
             plain.render_as_string(hide_password=False)],
            capture_output=True, text=True, check=False, env=env,
        )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
