"""The questionnaires' wording of the running app: a clinic's licensed file (its instance folder's ``measures/``
or a ``measures/`` folder in one of its protocol folders) before our paraphrased one. Loaded once at start-up;
a broken file stops the app with the file and what was expected."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from clinic.config import ConfigError, protocol_dirs
from clinic.domain.questionnaires import SHAPES, Questionnaire, load_questionnaire
from clinic.domain.rules import DataFileError


def folders(app: Flask) -> list[Path]:
    """Where wording files are looked for, the clinic's first."""
    dirs = protocol_dirs(app.config)
    return [Path(app.instance_path) / "measures", *(d / "measures" for d in reversed(dirs[1:])), dirs[0] / "measures"]


def init_app(app: Flask) -> None:
    """Load every questionnaire's wording."""
    try:
        app.extensions["clinic.questionnaires"] = {q: load_questionnaire(q, folders(app)) for q in SHAPES}
    except DataFileError as exc:
        raise ConfigError("A questionnaire wording file has problems; fix it and start again:\n" + str(exc)) from None


def questionnaire(qid: str) -> Questionnaire:
    """The wording of questionnaire ``qid`` (quickdash, prwe)."""
    return current_app.extensions["clinic.questionnaires"][qid]
