"""The ``clinic`` command (pyproject's console script): Flask's CLI on the app the factory builds, with our
commands (clinic/cli.py). It is the one module that imports both the app and the commands."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, NoAppException

from clinic import cli
from clinic.app import create_app
from clinic.config import ConfigError


def _create_app(*_args, **_kwargs):
    try:
        return create_app()
    except ConfigError as exc:
        # A clear message, not a traceback: the fix is in the configuration or a data file.
        raise NoAppException(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any start-up failure: say what it was instead of a traceback
        raise NoAppException(f"The app cannot start ({type(exc).__name__}: {exc}). "
                             "Check instance/config.py and the CLINIC_* environment variables.") from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """clinic: records, screening, staged plans and handouts for hand therapists."""


# The commands that need the app are on ``clinic`` itself too, so `clinic --help` lists every command and
# `clinic handout --help` works when the app cannot start; running one then says why (the configuration
# message) instead of "No such command".
for _command in (cli.protocols_group, cli.screen_command, *cli.app_commands()):
    main.add_command(_command)
