"""`clinic --help` lists every command and a command says why it cannot run, even when the app cannot start."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from clinic.cli import main

COMMANDS = ("audit", "backup", "db", "demo", "export", "handout", "import", "protocols", "prune-handouts", "screen",
            "user")


@pytest.fixture
def no_app_env(tmp_path):
    """An instance folder without config.py and no CLINIC_SECRET_KEY: the app refuses to start."""
    return {"CLINIC_INSTANCE_PATH": str(tmp_path), "CLINIC_SECRET_KEY": None, "CLINIC_DATABASE_URL": None}


def test_help_lists_every_command_when_the_app_cannot_start(no_app_env):
    result = CliRunner().invoke(main, ["--help"], env=no_app_env)
    assert result.exit_code == 0
    listed = result.output.split("Commands:", 1)[1]
    for name in COMMANDS:
        assert f"\n  {name} " in listed, name


@pytest.mark.parametrize("args", [["handout", "--help"], ["db", "--help"], ["user", "create", "--help"],
                                  ["backup", "--help"]])
def test_a_commands_help_works_when_the_app_cannot_start(no_app_env, args):
    result = CliRunner().invoke(main, args, env=no_app_env)
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output and "No such command" not in result.output


@pytest.mark.parametrize("args", [["db", "upgrade"], ["handout", "1", "-o", "x.pdf"], ["audit", "verify"]])
def test_a_command_that_cannot_run_says_why_not_no_such_command(no_app_env, args):
    result = CliRunner().invoke(main, args, env=no_app_env)
    assert result.exit_code != 0
    assert "SECRET_KEY is missing" in result.output
    assert "No such command" not in result.output


def test_a_broken_setting_is_named_instead_of_a_traceback(no_app_env):
    env = {**no_app_env, "CLINIC_SECRET_KEY": "k" * 40, "CLINIC_LOGIN_MAX_FAILURES": "ten"}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert result.exit_code != 0
    assert "The app cannot start" in result.output and "ten" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("bad", [str(2**31), str(2**63), "0", "9" * 40])
def test_sec24_a_handout_revision_id_out_of_range_is_refused_by_the_command_not_a_traceback(runner, tmp_path, bad):
    result = runner.invoke(args=["handout", bad, "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2, result.output
    assert "PLAN_REVISION" in result.output and "range" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
