"""Item 10 (newcomer): what a person setting up the clinic must be told, where they will read it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.sqlite_only  # the SQLite backup path; the message is the same for pg_dump
def test_backup_reminds_to_keep_the_key_file_with_the_backup(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "b.sqlite3")])
    assert result.exit_code == 0, result.output
    assert "instance/config.py" in result.output and "AUDIT_KEY" in result.output  # sec-deploy's wording


def test_readme_says_how_to_choose_the_port_and_to_back_up_the_keys_with_the_database():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "PORT=8080 make run" in readme and "HOST=" in readme
    assert "**Back up `instance/config.py` with the database**" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "clinic.serve check $(HOST) $(PORT)" in makefile and "-c python:clinic.serve" in makefile
    assert "clinic is at http" not in makefile  # printed by gunicorn's when_ready, once it is serving
