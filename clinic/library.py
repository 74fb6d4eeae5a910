"""The clinical data files, loaded and validated once at start-up (never inside a request)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from clinic.domain.protocols import Library, illustration_ids_in, load_library
from clinic.domain.rules import DataFileError

ILLUSTRATIONS = Path(__file__).resolve().parent / "static" / "illustrations"

# Loading is pure and the files rarely change: reuse a load while no file changed (tests build many apps).
_cache: dict[tuple, Library] = {}


def _fingerprint(dirs: list[Path]) -> tuple:
    files = []
    for folder in dirs:
        if folder.is_dir():
            files += [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.y*ml"))]
    svgs = tuple(sorted(illustration_ids_in(ILLUSTRATIONS)))
    return (tuple(str(d) for d in dirs), tuple(files), svgs)


def load(dirs: list[Path]) -> Library:
    """Load the protocol library from ``dirs``; raises DataFileError naming every problem."""
    key = _fingerprint(dirs)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_library(dirs, illustration_ids_in(ILLUSTRATIONS))
    return _cache[key]


def init_app(app: Flask) -> None:
    """Load every protocol once; a broken file stops the app with the file, key and what was expected."""
    from clinic.app import ConfigError, protocol_dirs

    dirs = protocol_dirs(app.config)
    for folder in dirs:
        if not folder.is_dir():
            raise ConfigError(f"Protocol folder {folder} does not exist (check PROTOCOL_DIRS).")
    try:
        app.extensions["clinic.library"] = load(dirs)
    except DataFileError as exc:
        raise ConfigError("The protocol files have problems; fix them and start again:\n" + str(exc)) from None


def library() -> Library:
    """The protocol library of the running app."""
    return current_app.extensions["clinic.library"]
