"""The wording of the questionnaires (FHIR *Questionnaire*): items and their answers, read from
``protocols/measures/<name>.yaml``. A clinic holding a licence for the official wording puts a file of the same
shape in its own folder; it replaces ours (``load_questionnaire`` takes the folders in order, the first file wins).
The scores never depend on the wording: each answer's position is its score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinic.domain.rules import DataFileError, Problems
from clinic.domain.yaml_checks import _read_yaml

# How many items and answers each questionnaire must have: the scorers count on it.
SHAPES = {"quickdash": (11, 5), "prwe": (15, 2)}
MODULE_ITEMS = 4


@dataclass(frozen=True)
class Item:
    """One question and its answers in order (the first scores lowest)."""

    text: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Module:
    """An optional block of items scored on its own (the QuickDASH Work and Sports modules)."""

    id: str
    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Questionnaire:
    """A questionnaire's wording; ``paraphrased`` is True for our own wording (with its ``notice``)."""

    id: str
    name: str
    paraphrased: bool
    notice: str
    items: tuple[Item, ...]
    modules: tuple[Module, ...] = ()
    file: str = ""


def _text(value: Any, path: str, problems: Problems) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.add(path, "expected some text")
        return ""
    return value.strip()


def _items(raw: Any, path: str, scales: dict[str, tuple[str, ...]], problems: Problems) -> tuple[Item, ...]:
    if not isinstance(raw, list):
        problems.add(path, "expected a list of items")
        return ()
    out = []
    for i, entry in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"text", "scale"}:
            problems.add(where, "expected {text: ..., scale: ...}")
            continue
        if entry["scale"] not in scales:
            problems.add(f"{where}.scale", f"unknown scale {entry['scale']!r}; expected one of {', '.join(scales)}")
            continue
        out.append(Item(_text(entry["text"], f"{where}.text", problems), scales[entry["scale"]]))
    return tuple(out)


def parse_questionnaire(qid: str, data: bytes, file: str = "") -> Questionnaire:
    """Parse one questionnaire file; DataFileError names every problem (wrong counts included)."""
    problems = Problems(file or qid)
    raw = _read_yaml(data, problems)
    items_wanted, answers_wanted = SHAPES[qid]
    if not problems.items and not isinstance(raw, dict):
        problems.add("", "expected name, paraphrased, notice, scales and items")
    if problems.items:
        raise DataFileError(problems.items)
    scales: dict[str, tuple[str, ...]] = {}
    for key, value in (raw.get("scales") or {}).items():
        if not isinstance(value, list) or len(value) != answers_wanted or not all(isinstance(v, str) for v in value):
            problems.add(f"scales.{key}", f"expected a list of {answers_wanted} answers")
            continue
        scales[str(key)] = tuple(v.strip() for v in value)
    items = _items(raw.get("items"), "items", scales, problems)
    if len(items) != items_wanted:
        problems.add("items", f"expected {items_wanted} items, found {len(items)}")
    modules = []
    for mid, body in (raw.get("modules") or {}).items():
        if not isinstance(body, dict):
            problems.add(f"modules.{mid}", "expected title, intro and items")
            continue
        module_items = _items(body.get("items"), f"modules.{mid}.items", scales, problems)
        if len(module_items) != MODULE_ITEMS:
            problems.add(f"modules.{mid}.items", f"expected {MODULE_ITEMS} items, found {len(module_items)}")
        modules.append(Module(str(mid), _text(body.get("title"), f"modules.{mid}.title", problems),
                              _text(body.get("intro"), f"modules.{mid}.intro", problems), module_items))
    paraphrased = raw.get("paraphrased")
    if not isinstance(paraphrased, bool):
        problems.add("paraphrased", "expected true (our own wording) or false (the licensed wording)")
    notice = str(raw.get("notice") or "").strip()
    if paraphrased and not notice:
        problems.add("notice", "paraphrased wording needs a notice saying so")
    if problems.items:
        raise DataFileError(problems.items)
    return Questionnaire(id=qid, name=_text(raw.get("name"), "name", problems), paraphrased=bool(paraphrased),
                         notice=notice, items=items, modules=tuple(modules), file=file)


def load_questionnaire(qid: str, folders: Sequence[Path]) -> Questionnaire:
    """The wording of ``qid`` from the first folder holding ``<qid>.yaml`` (a clinic's licensed file first)."""
    for folder in folders:
        path = Path(folder) / f"{qid}.yaml"
        if path.is_file():
            return parse_questionnaire(qid, path.read_bytes(), str(path))
    raise DataFileError([f"{qid}.yaml: not found in {', '.join(str(f) for f in folders)}"])
