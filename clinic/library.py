"""The clinical data files, loaded and validated once at start-up (never inside a request)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from clinic.config import ConfigError, protocol_dirs
from clinic.domain.protocols import Library, illustration_ids_in, load_library
from clinic.domain.rules import DataFileError
from clinic.domain.screening_rules import RuleSet, load_rules

RULES_FILE = "contraindications.yaml"

ILLUSTRATIONS = Path(__file__).resolve().parent / "static" / "illustrations"

# Loading is pure and the files rarely change: reuse a load while no file changed (tests build many apps).
_cache: dict[tuple, tuple[Library, RuleSet]] = {}


def _fingerprint(dirs: list[Path]) -> tuple:
    files = []
    for folder in dirs:
        if folder.is_dir():
            files += [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.y*ml"))]
    svgs = tuple(sorted(illustration_ids_in(ILLUSTRATIONS)))
    return (tuple(str(d) for d in dirs), tuple(files), svgs)


def load(dirs: list[Path]) -> Library:
    """Load the protocol library from ``dirs``; raises DataFileError naming every problem."""
    return load_all(dirs)[0]


def load_all(dirs: list[Path]) -> tuple[Library, RuleSet]:
    """Protocols and screening rules from ``dirs``; raises DataFileError naming every problem."""
    key = _fingerprint(dirs)
    if key not in _cache:
        _cache.clear()
        protocols = load_library(dirs, illustration_ids_in(ILLUSTRATIONS))
        _cache[key] = (protocols, load_screening_rules(dirs, protocols))
    return _cache[key]


def load_screening_rules(dirs: list[Path], protocols: Library) -> RuleSet:
    """Our contraindications file, replaced by a clinic folder's one with a higher version, checked
    against the loaded protocols (a gate may only read its protocol's case facts)."""
    chosen: RuleSet | None = None
    for folder in dirs:
        path = folder / RULES_FILE
        if not path.is_file():
            continue
        rules = load_rules(path, protocols.case_facts())
        if chosen is not None and rules.version <= chosen.version:
            raise DataFileError([
                f"{path}: version: expected a version higher than {chosen.version} to replace the shipped "
                f"rules, got {rules.version}"
            ])
        chosen = rules
    if chosen is None:
        raise DataFileError([f"{RULES_FILE}: not found in {', '.join(str(d) for d in dirs)}"])
    return chosen


def init_app(app: Flask) -> None:
    """Load every protocol once; a broken file stops the app with the file, key and what was expected."""
    dirs = protocol_dirs(app.config)
    for folder in dirs:
        if not folder.is_dir():
            raise ConfigError(f"Protocol folder {folder} does not exist (check PROTOCOL_DIRS).")
    try:
        app.extensions["clinic.library"], app.extensions["clinic.screening_rules"] = load_all(dirs)
    except DataFileError as exc:
        raise ConfigError("The protocol files have problems; fix them and start again:\n" + str(exc)) from None


def library() -> Library:
    """The protocol library of the running app."""
    return current_app.extensions["clinic.library"]


def screening_rules() -> RuleSet:
    """The contraindication rules of the running app."""
    return current_app.extensions["clinic.screening_rules"]
