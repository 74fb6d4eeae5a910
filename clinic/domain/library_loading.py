"""Loading protocol folders into a ``Library``: techniques first, then protocols, later folders
replacing earlier protocols by a higher version; the content hash; the ``clinic protocols check`` report.

The only I/O in the domain: reading the data files the caller points at.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from clinic.domain.protocol_files import _parse_protocol
from clinic.domain.protocol_model import RESERVED_FILES, TECHNIQUES_FILE, Library, Protocol
from clinic.domain.rules import DataFileError, Problems
from clinic.domain.techniques import _parse_techniques_file, _TechniqueFile
from clinic.domain.wording import _count
from clinic.domain.yaml_checks import _ID, _canonical, _read_yaml


def _content_hash(raw: Any, protocol: Protocol, techniques: _TechniqueFile) -> str:
    """sha256 of a canonical dump of the protocol and of every technique and sequence it uses.

    Comments and layout do not change it; any change to wording, doses or timings does, including
    a change to a technique the protocol uses.
    """
    used_sequences = sorted(
        {item.sequence for s in protocol.stages for item in (*s.clinic, *s.home) if item.sequence}
    )
    used_techniques = {
        item.technique for s in protocol.stages for item in (*s.clinic, *s.home) if item.technique
    }
    for sid in used_sequences:
        used_techniques.update(step.technique for step in techniques.sequences[sid].steps)
    payload = {
        # The MCIDs and the pain rule the diary is read against change no plan or handout: no review for them.
        "protocol": {k: v for k, v in raw.items() if k not in ("measures", "pain_rule")}
        if isinstance(raw, dict) else raw,
        "techniques": {tid: techniques.raw_techniques.get(tid) for tid in sorted(used_techniques)},
        "sequences": {sid: techniques.raw_sequences.get(sid) for sid in used_sequences},
    }
    return "sha256:" + hashlib.sha256(_canonical(payload).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Loading folders
# ---------------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    protocols: dict[str, Protocol] = field(default_factory=dict)
    techniques: _TechniqueFile = field(default_factory=_TechniqueFile)
    problems: list[str] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)  # protocol id -> number of problems
    replaced: dict[str, Protocol] = field(default_factory=dict)  # protocol id -> the one it replaced
    techniques_ok: bool = True


def _load(dirs: list[Path], illustration_ids: set[str]) -> _Loaded:
    """Read every folder in order without raising: techniques first, then protocols."""
    out = _Loaded()
    protocol_files: list[tuple[Path, str]] = []
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            out.problems.append(f"{folder}: folder not found")
            out.techniques_ok = False
            continue
        techniques_path = folder / TECHNIQUES_FILE
        if techniques_path.is_file():
            problems = Problems(str(techniques_path))
            raw = _read_yaml(techniques_path.read_bytes(), problems)
            if not problems.items:
                parsed = _parse_techniques_file(raw, problems, illustration_ids, out.techniques)
                _merge_techniques(out.techniques, parsed)
            out.problems.extend(problems.items)
            out.techniques_ok = out.techniques_ok and not problems.items
        for path in sorted(folder.iterdir()):
            if path.suffix == ".yml":
                out.problems.append(f"{path}: protocol files end in .yaml; rename it to {path.stem}.yaml")
            elif path.suffix == ".yaml" and path.name not in RESERVED_FILES and path.is_file():
                protocol_files.append((path, path.stem))
    lib = out.techniques
    for path, pid in protocol_files:
        problems = Problems(str(path))
        data = path.read_bytes()
        raw = _read_yaml(data, problems)
        protocol = None
        if not _ID.match(pid):
            problems.add(
                "", "the file name must be a protocol id: lower-case letters, digits and underscores"
            )
        elif not problems.items:
            protocol = _parse_protocol(
                pid,
                str(path),
                raw,
                problems,
                lib.techniques,
                lib.sequences,
                set(lib.declared_techniques),
                set(lib.declared_sequences),
                illustration_ids,
            )
        if protocol is not None:
            protocol = _replace_hash(protocol, _content_hash(raw, protocol, lib))
            earlier = out.protocols.get(pid)
            if earlier is not None and protocol.version <= earlier.version:
                problems.add(
                    "version",
                    f"{protocol.version} does not replace {earlier.file} (version {earlier.version}); "
                    f"a clinic file with the same name must have a higher version",
                )
            elif earlier is not None:
                out.replaced[pid] = earlier
                out.protocols[pid] = protocol
            else:
                out.protocols[pid] = protocol
        if problems.items:
            out.failed[pid] = out.failed.get(pid, 0) + len(problems.items)
            out.problems.extend(problems.items)
    return out


def _merge_techniques(into: _TechniqueFile, parsed: _TechniqueFile) -> None:
    into.techniques.update(parsed.techniques)
    into.sequences.update(parsed.sequences)
    into.raw_techniques.update(parsed.raw_techniques)
    into.raw_sequences.update(parsed.raw_sequences)
    into.declared_techniques.update(parsed.declared_techniques)
    into.declared_sequences.update(parsed.declared_sequences)


def _replace_hash(protocol: Protocol, content_hash: str) -> Protocol:
    return replace(protocol, content_hash=content_hash)


def load_library(dirs: list[Path], illustration_ids: set[str]) -> Library:
    """Load techniques and protocols from folders in order; raise DataFileError listing every problem.

    A later folder adds techniques and sequences with new ids, and replaces one of our protocols by a
    file with the same name and a higher version; the same or a lower version is an error.
    """
    loaded = _load(dirs, set(illustration_ids))
    if loaded.problems:
        raise DataFileError(loaded.problems)
    return Library(
        protocols=MappingProxyType(dict(sorted(loaded.protocols.items()))),
        techniques=MappingProxyType(dict(loaded.techniques.techniques)),
        sequences=MappingProxyType(dict(loaded.techniques.sequences)),
    )


def illustration_ids_in(folder: Path) -> set[str]:
    """The illustration ids available in a folder of ``<id>.svg`` files (empty if it is missing)."""
    folder = Path(folder)
    if not folder.is_dir():
        return set()
    return {path.stem for path in folder.glob("*.svg")}


def check_report(dirs: list[Path], illustration_ids: set[str]) -> tuple[list[str], bool]:
    """One summary line per protocol and every problem, plus whether everything loaded cleanly."""
    loaded = _load(dirs, set(illustration_ids))
    lib = Library(
        protocols=loaded.protocols,
        techniques=loaded.techniques.techniques,
        sequences=loaded.techniques.sequences,
    )
    lines: list[str] = []
    tech = loaded.techniques
    status = "ok" if loaded.techniques_ok else "problems below"
    lines.append(
        f"techniques  {_count(len(tech.techniques), 'technique')}  "
        f"{_count(len(tech.sequences), 'sequence')}  {status}"
    )
    for pid in sorted(set(loaded.protocols) | set(loaded.failed)):
        protocol = loaded.protocols.get(pid)
        count = loaded.failed.get(pid, 0)
        if protocol is None:
            lines.append(f"{pid}  {_count(count, 'problem')}")
            continue
        summary = (
            f"{pid} v{protocol.version}  {_count(len(protocol.stages), 'stage')}  "
            f"{_count(len(lib.techniques_used(protocol)), 'technique')}  {protocol.content_hash[:15]}  "
        )
        summary += _count(count, "problem") if count else "ok"
        if pid in loaded.replaced:
            summary += f"  (replaces v{loaded.replaced[pid].version} from {loaded.replaced[pid].file})"
        lines.append(summary)
    lines.extend(loaded.problems)
    return lines, not loaded.problems


