"""Backups readable by their owner only, no database password on a command line, the keys named as left out
(SEC-28); rotating SECRET_KEY keeps the audit trail verifiable once AUDIT_KEY is pinned. Both databases."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from clinic import audit
from clinic.config import ConfigError
from clinic.extensions import db

pytestmark = pytest.mark.db

CANARY_PASSWORD = "pw-canary-7f3a:x\\y"  # a ':' and a '\\' too: .pgpass needs them escaped


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sec28_a_backup_is_readable_by_its_owner_only_whatever_the_umask(app, runner, make_user, tmp_path):
    make_user("therapist")
    target = tmp_path / "nightly.backup"
    previous = os.umask(0o022)  # the usual umask: files would be 0644, world-readable
    try:
        result = runner.invoke(args=["backup", str(target)])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert _mode(target) == 0o600
    assert target.stat().st_size > 0
    assert os.umask(previous) == previous  # the command gave the process its umask back
    # It says what it left out, so nobody believes the backup alone restores everything.
    assert "Not in the backup: the keys SECRET_KEY and AUDIT_KEY" in result.output


WRAPPER = """#!/bin/sh
# Records what pg_dump was started with, then runs the real one.
{{
  printf '%s\\n' "$0" "$@"
  echo "PGPASSWORD=${{PGPASSWORD:-}}"
  echo "PGPASSFILE=${{PGPASSFILE:-}}"
  [ -n "${{PGPASSFILE:-}}" ] && stat -c 'pgpass-mode=%a' "$PGPASSFILE" && cat "$PGPASSFILE"
}} > {record}
exec {real} "$@"
"""


def test_sec28_pg_dump_gets_the_password_from_a_private_pgpass_file_never_its_command_line(
    make_app, db_url, runner, tmp_path, monkeypatch
):
    if not db_url.startswith("postgresql"):
        return  # pg_dump backs up PostgreSQL only: this test does its work in the PostgreSQL pass of make test
    from tests.conftest import require_tool

    real = require_tool("pg_dump")
    bin_dir, record = tmp_path / "bin", tmp_path / "pg_dump.record"
    bin_dir.mkdir()
    wrapper = bin_dir / "pg_dump"
    wrapper.write_text(WRAPPER.format(record=record, real=real))
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    # The throwaway cluster trusts local connections, so any password connects: what matters is where it goes.
    url = make_url(db_url).set(password=CANARY_PASSWORD).render_as_string(hide_password=False)
    app = make_app(DATABASE_URL=url)
    with app.app_context():
        db.create_all()
    target = tmp_path / "pg.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    seen = record.read_text()
    argv = seen.split("PGPASSWORD=")[0]
    assert CANARY_PASSWORD not in argv and "pw-canary" not in argv  # ps shows argv to every user
    assert "pgpass-mode=600" in seen
    assert "pw-canary-7f3a\\:x\\\\y" in seen  # escaped as libpq reads it
    pgpass = Path(seen.split("PGPASSFILE=")[1].splitlines()[0])
    assert not pgpass.exists() and not pgpass.parent.exists()  # removed when pg_dump ended
    assert _mode(target) == 0o600
    assert target.read_bytes()[:5] == b"PGDMP"


def test_sec28_backup_leaves_no_file_when_it_fails(app, runner, tmp_path, monkeypatch):
    from clinic import backups

    def broken(*_args):
        raise backups.BackupError("pg_dump failed: disk full")

    monkeypatch.setattr(backups, "_sqlite_backup", broken)
    monkeypatch.setattr(backups, "_pg_dump", broken)
    target = tmp_path / "half.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "disk full" in result.output
    assert not target.exists()


# ----------------------------------------------------------------------------- keys and rotation

OLD_SECRET = "old-secret-" + "a" * 40
NEW_SECRET = "new-secret-" + "b" * 40


def _write_audit_rows(app, n: int = 5) -> None:
    with app.app_context():
        for i in range(n):
            audit.record(db.session, "login", user=None, actor="cli", detail=f"row {i}")
        db.session.commit()


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_sec28_rotating_secret_key_keeps_the_audit_chain_once_audit_key_is_pinned(make_app):
    old = make_app(SECRET_KEY=OLD_SECRET)  # an install from before AUDIT_KEY: the key is derived
    with old.app_context():
        db.create_all()
    _write_audit_rows(old)
    assert _verify(old).exit_code == 0
    # The README's procedure: pin AUDIT_KEY to the derived value, then change SECRET_KEY.
    rotated = make_app(SECRET_KEY=NEW_SECRET, AUDIT_KEY="audit:" + OLD_SECRET)
    result = rotated.test_cli_runner().invoke(args=["audit", "verify", "--full"])  # every row, not since the last
    assert result.exit_code == 0 and "Audit chain intact: 5 rows" in result.output, result.output
    _write_audit_rows(rotated, 2)  # new rows chain on with the pinned key
    assert _verify(rotated).exit_code == 0


def test_sec28_rotating_without_pinning_is_named_as_a_key_problem_not_tampering(make_app):
    old = make_app(SECRET_KEY=OLD_SECRET)
    with old.app_context():
        db.create_all()
    _write_audit_rows(old, 3)
    result = _verify(make_app(SECRET_KEY=NEW_SECRET))
    assert result.exit_code == 1
    assert "3 problem(s) in 3 audit rows." in result.output
    assert "wrong AUDIT_KEY, not tampering" in result.output


def test_sec28_a_short_audit_key_stops_a_production_app(make_app):
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        make_app(TESTING=False, SECRET_KEY=NEW_SECRET, AUDIT_KEY="short")


def test_sec28_make_run_writes_both_keys_readable_by_the_owner_only(tmp_path):
    import subprocess

    root = Path(__file__).resolve().parents[2]
    config = tmp_path / "config.py"
    # The Makefile's recipe for instance/config.py (-n prints it, -B even when the file exists), run for our path.
    recipe = subprocess.run(["make", "-s", "-n", "-B", "-C", str(root), "instance/config.py",
                             f"BIN={Path(sys.executable).parent}"], capture_output=True, text=True, check=True)
    script = recipe.stdout.replace("instance/config.py", str(config))
    subprocess.run(["bash", "-c", "umask 022; " + script], check=True, cwd=root)
    values: dict = {}
    exec(config.read_text(), values)  # noqa: S102 - our own generated file
    assert len(values["SECRET_KEY"]) >= 32 and len(values["AUDIT_KEY"]) >= 32
    assert values["SECRET_KEY"] != values["AUDIT_KEY"]
    assert _mode(config) == 0o600
