"""Protocol library: parse and validate the YAML files in ``protocols/`` into frozen dataclasses.

A protocol file (one per condition, id = file stem) is what FHIR calls a *PlanDefinition*: the case
facts it needs, and stages with an earliest start computed from those facts, techniques for the
clinic, a home programme, precautions and "stop and call us" signs. ``techniques.yaml`` holds the
shared technique library and the reusable sequences. The format is described for clinic staff in
``protocols/README.md``.

Every problem names the file, the key path and what was expected, and all problems of a file are
reported together. Nothing here imports Flask or SQLAlchemy or reads the clock; the only I/O is
reading the data files the caller points at.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from clinic.domain.rules import DataFileError, MissingFact, Problems, StartRule, parse_start_rule

__all__ = [
    "BODY_REGIONS",
    "FACT_TYPES",
    "PRESSURES",
    "RESERVED_FILES",
    "SIDES",
    "TECHNIQUE_KINDS",
    "CaseFact",
    "ClinicDose",
    "DataFileError",
    "HomeDose",
    "HomeExercise",
    "Library",
    "Option",
    "Protocol",
    "Sequence",
    "SequenceStep",
    "Source",
    "Stage",
    "StopSigns",
    "Technique",
    "TechniqueUse",
    "check_report",
    "describe_clinic_dose",
    "describe_home_dose",
    "describe_start_rule",
    "illustration_ids_in",
    "load_library",
    "outline",
]

SIDES = ("left", "right", "both")
BODY_REGIONS = (
    "fingers",
    "thumb",
    "palm",
    "back_of_hand",
    "wrist",
    "forearm",
    "elbow",
    "upper_arm",
    "shoulder",
    "neck_shoulder",
)
FACT_TYPES = ("date", "yes_no", "choice", "side", "text")
PRESSURES = ("very_light", "light", "moderate", "firm")
TECHNIQUE_KINDS = ("clinic", "home")
TECHNIQUES_FILE = "techniques.yaml"
# Files in a protocol folder that are not protocols: the technique library, and the screening
# rules that the screening module reads (described in screening.md).
RESERVED_FILES = (TECHNIQUES_FILE, "contraindications.yaml")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ILLUSTRATION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# ---------------------------------------------------------------------------------------------
# The dataclasses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer of a choice fact: the stored ``value`` and the ``label`` a therapist reads."""

    value: str
    label: str


@dataclass(frozen=True)
class CaseFact:
    """A fact about the patient's case that a protocol needs (a FHIR Questionnaire item)."""

    name: str
    type: str
    question: str
    help: str = ""
    required: bool = True
    options: tuple[Option, ...] = ()

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed values for choice and side facts, otherwise empty."""
        if self.type == "side":
            return SIDES
        if self.type == "yes_no":
            return ("yes", "no")
        return tuple(option.value for option in self.options)


@dataclass(frozen=True)
class Source:
    """A reference a stage rests on."""

    id: str
    text: str


@dataclass(frozen=True)
class Technique:
    """One technique of the shared library; home techniques carry a picture and numbered steps."""

    id: str
    kind: str
    name: str
    description: str
    patient_name: str
    patient_description: str
    regions: tuple[str, ...]
    illustration: str | None = None
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class SequenceStep:
    """One step of a sequence: which technique, where, and the wording for this step."""

    technique: str
    text: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Sequence:
    """A named series of techniques done in order (for example the 12-step stimulating massage)."""

    id: str
    kind: str
    name: str
    description: str
    patient_name: str
    patient_description: str
    steps: tuple[SequenceStep, ...]
    illustration: str | None = None

    @property
    def regions(self) -> tuple[str, ...]:
        """Every body region the sequence touches, in library order."""
        used = {region for step in self.steps for region in step.regions}
        return tuple(region for region in BODY_REGIONS if region in used)


@dataclass(frozen=True)
class ClinicDose:
    """How much of a technique in a clinic session."""

    minutes: int | None = None
    pressure: str | None = None
    repetitions: int | None = None


@dataclass(frozen=True)
class HomeDose:
    """How much of a home exercise: all whole numbers, any may be left out except times a day."""

    times_per_day: int
    repetitions: int | None = None
    sets: int | None = None
    hold_seconds: int | None = None
    minutes: int | None = None


class RefersToTechnique:
    """Mixin for items that point at a technique or a sequence of the library (exactly one is set)."""

    technique: str | None
    sequence: str | None

    @property
    def ref(self) -> str:
        """The technique or sequence id this item points at."""
        return self.technique or self.sequence or ""


@dataclass(frozen=True)
class TechniqueUse(RefersToTechnique):
    """A technique or sequence the therapist uses in a stage, on some body regions, with a dose."""

    technique: str | None
    sequence: str | None
    regions: tuple[str, ...]
    dose: ClinicDose
    note: str = ""


@dataclass(frozen=True)
class HomeExercise(RefersToTechnique):
    """One item of the home programme, in the patient's words, with its picture and dose."""

    technique: str | None
    sequence: str | None
    title: str
    description: str
    steps: tuple[str, ...]
    illustration: str
    regions: tuple[str, ...]
    dose: HomeDose
    note: str = ""


@dataclass(frozen=True)
class StopSigns:
    """Signs that mean "stop", with what to do; ``emergency`` marks call-an-ambulance signs."""

    action: str
    signs: tuple[str, ...]
    emergency: bool = False


@dataclass(frozen=True)
class Stage:
    """One stage of a protocol (a FHIR PlanDefinition action).

    ``precautions`` and ``stop_and_call`` already include the protocol-wide ones, so a stage
    carries every warning its handout must print.
    """

    id: str
    title: str
    patient_title: str
    starts: StartRule
    goals: tuple[str, ...]
    clinic: tuple[TechniqueUse, ...]
    home: tuple[HomeExercise, ...]
    precautions: tuple[str, ...]
    stop_and_call: tuple[StopSigns, ...]
    move_on_when: tuple[str, ...]
    sources: tuple[str, ...]
    only_if: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def applies_to(self, facts: Mapping[str, Any]) -> bool:
        """Whether this stage belongs in a plan with these facts; raises MissingFact if unknown."""
        for name, allowed in self.only_if:
            value = facts.get(name)
            if value in (None, ""):
                raise MissingFact(name)
            if value not in allowed:
                return False
        return True


@dataclass(frozen=True)
class Protocol:
    """A staged rehabilitation protocol read from one file; version + content_hash identify it."""

    id: str
    version: int
    title: str
    patient_title: str
    condition: str
    sources: tuple[Source, ...]
    facts: tuple[CaseFact, ...]
    stages: tuple[Stage, ...]
    precautions: tuple[str, ...]
    stop_and_call: tuple[StopSigns, ...]
    content_hash: str
    file: str

    def fact(self, name: str) -> CaseFact:
        """The case fact called ``name``; KeyError if the protocol has none."""
        for fact in self.facts:
            if fact.name == name:
                return fact
        raise KeyError(name)

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id; KeyError if there is none."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def source(self, source_id: str) -> Source:
        """The source with this id; KeyError if there is none."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


@dataclass(frozen=True)
class Library:
    """Every protocol, technique and sequence, after clinic folders have been applied."""

    protocols: Mapping[str, Protocol]
    techniques: Mapping[str, Technique]
    sequences: Mapping[str, Sequence]

    def protocol(self, protocol_id: str) -> Protocol:
        """The protocol with this id; KeyError if there is none."""
        return self.protocols[protocol_id]

    def technique(self, technique_id: str) -> Technique:
        """The technique with this id; KeyError if there is none."""
        return self.techniques[technique_id]

    def sequence(self, sequence_id: str) -> Sequence:
        """The sequence with this id; KeyError if there is none."""
        return self.sequences[sequence_id]

    def techniques_used(self, protocol: Protocol) -> tuple[str, ...]:
        """Ids of every technique a protocol uses, directly or inside a sequence, sorted."""
        used: set[str] = set()
        for stage in protocol.stages:
            for item in (*stage.clinic, *stage.home):
                if item.technique:
                    used.add(item.technique)
                elif item.sequence in self.sequences:
                    used.update(step.technique for step in self.sequences[item.sequence].steps)
        return tuple(sorted(used))


# ---------------------------------------------------------------------------------------------
# Small checkers: each records a problem and returns None when the value is wrong
# ---------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as an author would recognise it in their file."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    return str(value)


def _yes_no_hint(value: Any) -> str:
    # YAML 1.1 reads yes/no/on/off as true/false, which surprises everyone once.
    if isinstance(value, bool):
        return ' (YAML reads yes, no, on and off as true or false: put the word in quotes, like "no")'
    return ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(
    raw: Any,
    path: str,
    problems: Problems,
    required: dict[str, str],
    optional: dict[str, str],
    what: str = "a mapping (key: value lines)",
) -> dict[str, Any] | None:
    """Check ``raw`` is a mapping with these keys; required/optional map each key to what it holds."""
    if not isinstance(raw, dict):
        problems.add(path, f"expected {what}, got {_show(raw)}")
        return None
    known = {**required, **optional}
    for key in raw:
        if key not in known:
            guess = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f"did you mean {guess[0]!r}?" if guess else "expected one of: " + ", ".join(known)
            problems.add(_join(path, str(key)), f"unknown key; {hint}")
    for key, expected in required.items():
        if key not in raw:
            problems.add(_join(path, key), f"missing; expected {expected}")
    return raw


def _text(value: Any, path: str, problems: Problems) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    problems.add(path, f"expected text, got {_show(value)}{_yes_no_hint(value)}")
    return None


def _texts(value: Any, path: str, problems: Problems, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None and allow_empty:
        return ()
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.add(path, f"expected a list of sentences (lines starting with '- '), got {_show(value)}")
        return ()
    out: list[str] = []
    for i, item in enumerate(value):
        text = _text(item, f"{path}[{i}]", problems)
        if text is not None:
            out.append(text)
    return tuple(out)


def _whole(value: Any, path: str, problems: Problems, low: int, high: int) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        problems.add(path, f"expected a whole number, got {_show(value)}")
        return None
    if not low <= value <= high:
        problems.add(path, f"expected a whole number from {low} to {high}, got {value}")
        return None
    return value


def _one_of(
    value: Any, path: str, problems: Problems, allowed: tuple[str, ...], what: str = ""
) -> str | None:
    if isinstance(value, str) and value in allowed:
        return value
    label = f"{what} " if what else ""
    problems.add(
        path, f"expected {label}one of {', '.join(allowed)}; got {_show(value)}{_yes_no_hint(value)}"
    )
    return None


def _identifier(value: Any, path: str, problems: Problems) -> str | None:
    if isinstance(value, str) and _ID.match(value):
        return value
    problems.add(
        path,
        f"expected an id of lower-case letters, digits and underscores, got {_show(value)}"
        f"{_yes_no_hint(value)}",
    )
    return None


def _regions(value: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        problems.add(path, f"expected a list of body regions ({', '.join(BODY_REGIONS)}), got {_show(value)}")
        return None
    out: list[str] = []
    for i, item in enumerate(value):
        region = _one_of(item, f"{path}[{i}]", problems, BODY_REGIONS, "a body region:")
        if region is not None:
            out.append(region)
    return tuple(out)


def _list(value: Any, path: str, problems: Problems, what: str, allow_empty: bool = True) -> list[Any]:
    if value is None and allow_empty:
        return []
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.add(path, f"expected a list of {what} (lines starting with '- '), got {_show(value)}")
        return []
    return value


def _illustration(value: Any, path: str, problems: Problems, known: set[str]) -> str | None:
    if not isinstance(value, str) or not _ILLUSTRATION_ID.match(value):
        problems.add(path, f'expected an illustration id such as "fist-fast-open-slow", got {_show(value)}')
        return None
    if value not in known:
        guess = difflib.get_close_matches(value, sorted(known), n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        problems.add(path, f"unknown illustration {_show(value)}{hint}")
        return None
    return value


# ---------------------------------------------------------------------------------------------
# Reading YAML
# ---------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """A safe loader that notes keys written twice in one mapping instead of keeping the last."""

    duplicates: list[tuple[int, str]]


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, str | int | bool) and key in seen:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(data: bytes, problems: Problems) -> Any:
    """Parse YAML bytes; syntax errors and repeated keys become problems."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add("", f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    loader = _Loader(text)
    loader.duplicates = []
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.add("", f"{where}not valid YAML: {reason}")
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.add("", f"line {line}: the key {key!r} is written twice in the same place; keep one")
    return raw


def _canonical(raw: Any) -> str:
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


# ---------------------------------------------------------------------------------------------
# The technique library
# ---------------------------------------------------------------------------------------------

_TECHNIQUE_KEYS = {
    "id": "an id such as stroking",
    "kind": "clinic or home",
    "name": "the therapist's name for the technique",
    "description": "a description for therapists",
    "patient_name": "the name a patient reads",
    "patient_description": "a plain description for patients",
    "regions": "a list of body regions",
}
_SEQUENCE_KEYS = {**_TECHNIQUE_KEYS, "steps": "a list of steps, each with technique and text"}
del _SEQUENCE_KEYS["regions"]


@dataclass
class _TechniqueFile:
    techniques: dict[str, Technique] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    raw_techniques: dict[str, Any] = field(default_factory=dict)
    raw_sequences: dict[str, Any] = field(default_factory=dict)
    declared_techniques: dict[str, str] = field(default_factory=dict)  # id -> kind (or "")
    declared_sequences: dict[str, str] = field(default_factory=dict)


def _parse_techniques_file(
    raw: Any, problems: Problems, illustration_ids: set[str], declared: _TechniqueFile
) -> _TechniqueFile:
    """Parse techniques.yaml; ``declared`` holds techniques already known from earlier folders."""
    out = _TechniqueFile()
    top = _mapping(
        raw,
        "",
        problems,
        {"version": "a whole number", "techniques": "a list of techniques"},
        {"sequences": "a list of sequences"},
    )
    if top is None:
        return out
    if "version" in top:
        _whole(top["version"], "version", problems, 1, 100000)
    items = _list(top.get("techniques"), "techniques", problems, "techniques", allow_empty=False)
    # First pass: note every id and kind, so sequences can refer to techniques later in the file.
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            tid = item["id"]
            kind = item.get("kind") if item.get("kind") in TECHNIQUE_KINDS else ""
            if tid in declared.declared_techniques or tid in out.declared_techniques:
                problems.add(f"techniques[{i}].id", f"technique {tid!r} is defined twice; choose another id")
                continue
            out.declared_techniques[tid] = kind
    for i, item in enumerate(items):
        technique = _parse_technique(item, f"techniques[{i}]", problems, illustration_ids)
        if technique is not None and technique.id not in out.techniques:
            out.techniques[technique.id] = technique
            out.raw_techniques[technique.id] = item
    known_kinds = {**declared.declared_techniques, **out.declared_techniques}
    known_techniques = {**declared.techniques, **out.techniques}
    seqs = _list(top.get("sequences"), "sequences", problems, "sequences")
    for i, item in enumerate(seqs):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            sid = item["id"]
            if sid in declared.declared_sequences or sid in out.declared_sequences:
                problems.add(f"sequences[{i}].id", f"sequence {sid!r} is defined twice; choose another id")
                continue
            out.declared_sequences[sid] = item.get("kind") if item.get("kind") in TECHNIQUE_KINDS else ""
        sequence = _parse_sequence(
            item, f"sequences[{i}]", problems, illustration_ids, known_kinds, known_techniques
        )
        if sequence is not None and sequence.id not in out.sequences:
            out.sequences[sequence.id] = sequence
            out.raw_sequences[sequence.id] = item
    return out


def _parse_technique(raw: Any, path: str, problems: Problems, illustration_ids: set[str]) -> Technique | None:
    before = len(problems.items)
    body = _mapping(
        raw,
        path,
        problems,
        _TECHNIQUE_KEYS,
        {"illustration": "an illustration id (home techniques)", "steps": "numbered steps (home techniques)"},
    )
    if body is None:
        return None
    tid = _identifier(body.get("id"), f"{path}.id", problems) if "id" in body else None
    kind = _one_of(body.get("kind"), f"{path}.kind", problems, TECHNIQUE_KINDS) if "kind" in body else None
    texts = {
        key: _text(body[key], f"{path}.{key}", problems)
        for key in ("name", "description", "patient_name", "patient_description")
        if key in body
    }
    regions = _regions(body["regions"], f"{path}.regions", problems) if "regions" in body else None
    illustration = None
    steps: tuple[str, ...] = ()
    if kind == "home":
        if "illustration" not in body:
            problems.add(f"{path}.illustration", "missing; a home technique needs a picture for the handout")
        else:
            illustration = _illustration(
                body["illustration"], f"{path}.illustration", problems, illustration_ids
            )
        if "steps" not in body:
            problems.add(f"{path}.steps", "missing; a home technique needs numbered steps for the patient")
        else:
            steps = _texts(body["steps"], f"{path}.steps", problems, allow_empty=False)
    elif kind == "clinic":
        for key in ("illustration", "steps"):
            if key in body:
                problems.add(f"{path}.{key}", "only home techniques have this; remove it or set kind: home")
    if len(problems.items) != before or tid is None or kind is None or regions is None:
        return None
    return Technique(
        id=tid,
        kind=kind,
        name=texts["name"] or "",
        description=texts["description"] or "",
        patient_name=texts["patient_name"] or "",
        patient_description=texts["patient_description"] or "",
        regions=regions,
        illustration=illustration,
        steps=steps,
    )


def _parse_sequence(
    raw: Any,
    path: str,
    problems: Problems,
    illustration_ids: set[str],
    technique_kinds: dict[str, str],
    techniques: Mapping[str, Technique],
) -> Sequence | None:
    before = len(problems.items)
    body = _mapping(raw, path, problems, _SEQUENCE_KEYS, {"illustration": "an illustration id (home)"})
    if body is None:
        return None
    sid = _identifier(body.get("id"), f"{path}.id", problems) if "id" in body else None
    kind = _one_of(body.get("kind"), f"{path}.kind", problems, TECHNIQUE_KINDS) if "kind" in body else None
    texts = {
        key: _text(body[key], f"{path}.{key}", problems)
        for key in ("name", "description", "patient_name", "patient_description")
        if key in body
    }
    illustration = None
    if kind == "home":
        if "illustration" not in body:
            problems.add(f"{path}.illustration", "missing; a home sequence needs a picture for the handout")
        else:
            illustration = _illustration(
                body["illustration"], f"{path}.illustration", problems, illustration_ids
            )
    elif kind == "clinic" and "illustration" in body:
        problems.add(f"{path}.illustration", "only home sequences have this; remove it or set kind: home")
    steps: list[SequenceStep] = []
    for i, item in enumerate(_list(body.get("steps"), f"{path}.steps", problems, "steps", allow_empty=False)):
        here = f"{path}.steps[{i}]"
        step = _mapping(
            item,
            here,
            problems,
            {"technique": "a technique id", "text": "what to do in this step"},
            {"regions": "a list of body regions"},
        )
        if step is None:
            continue
        tid = step.get("technique")
        text = _text(step["text"], f"{here}.text", problems) if "text" in step else None
        if "technique" not in step:
            continue
        if not isinstance(tid, str) or tid not in technique_kinds:
            problems.add(f"{here}.technique", f"unknown technique {_show(tid)}{_guess(tid, technique_kinds)}")
            continue
        if kind and technique_kinds[tid] and technique_kinds[tid] != kind:
            problems.add(
                f"{here}.technique",
                f"{tid!r} is a {technique_kinds[tid]} technique; a {kind} sequence needs {kind} techniques",
            )
            continue
        # A step without regions works where its technique works.
        regions: tuple[str, ...] | None = techniques[tid].regions if tid in techniques else ()
        if "regions" in step:
            regions = _regions(step["regions"], f"{here}.regions", problems)
        if text is not None and regions is not None:
            steps.append(SequenceStep(technique=tid, text=text, regions=regions))
    if len(problems.items) != before or sid is None or kind is None:
        return None
    return Sequence(
        id=sid,
        kind=kind,
        name=texts["name"] or "",
        description=texts["description"] or "",
        patient_name=texts["patient_name"] or "",
        patient_description=texts["patient_description"] or "",
        steps=tuple(steps),
        illustration=illustration,
    )


def _guess(value: Any, known: Mapping[str, Any] | set[str]) -> str:
    if not isinstance(value, str):
        return ""
    guess = difflib.get_close_matches(value, sorted(known), n=1)
    return f"; did you mean {guess[0]!r}?" if guess else ""


# ---------------------------------------------------------------------------------------------
# A protocol file
# ---------------------------------------------------------------------------------------------

_PROTOCOL_KEYS = {
    "version": "a whole number",
    "title": "the title therapists read",
    "patient_title": "the title patients read",
    "condition": "a short description of the condition",
    "sources": "the references, as id: text lines",
    "facts": "a list of case facts",
    "stages": "a list of stages",
}
_PROTOCOL_OPTIONAL = {
    "precautions": "precautions for every stage",
    "stop_and_call": "stop-and-call signs for every stage",
}
_FACT_KEYS = {
    "name": "a name such as injury_date",
    "type": "one of " + ", ".join(FACT_TYPES),
    "question": "text",
}
_FACT_OPTIONAL = {
    "help": "text",
    "required": "true or false",
    "options": "the answers, as value: label lines",
}
_STAGE_KEYS = {
    "id": "an id such as in_cast",
    "title": "the title therapists read",
    "patient_title": "the title patients read",
    "starts": "a list of 'after' and 'confirm' terms",
    "goals": "a list of goals",
    "sources": "a list of source ids",
}
_STAGE_OPTIONAL = {
    "only_if": "fact: [values] lines",
    "clinic": "a list of techniques used in the clinic",
    "home": "a list of home exercises",
    "precautions": "a list of precautions",
    "stop_and_call": "a list of stop-and-call groups",
    "move_on_when": "a list of criteria",
}
_CLINIC_DOSE_KEYS = {
    "minutes": "a whole number",
    "pressure": "one of " + ", ".join(PRESSURES),
    "repetitions": "a whole number",
}
_HOME_DOSE_KEYS = {
    "repetitions": "a whole number",
    "sets": "a whole number",
    "hold_seconds": "a whole number",
    "minutes": "a whole number",
}
_DOSE_LIMITS = {
    "minutes": (1, 120),
    "repetitions": (1, 200),
    "sets": (1, 20),
    "hold_seconds": (1, 300),
    "times_per_day": (1, 12),
}


def _parse_protocol(
    pid: str,
    file_label: str,
    raw: Any,
    problems: Problems,
    techniques: Mapping[str, Technique],
    sequences: Mapping[str, Sequence],
    technique_ids: set[str],
    sequence_ids: set[str],
    illustration_ids: set[str],
) -> Protocol | None:
    """Parse one protocol file's YAML into a Protocol, recording every problem."""
    before = len(problems.items)
    top = _mapping(raw, "", problems, _PROTOCOL_KEYS, _PROTOCOL_OPTIONAL)
    if top is None:
        return None
    version = _whole(top["version"], "version", problems, 1, 100000) if "version" in top else None
    texts = {
        key: _text(top[key], key, problems) for key in ("title", "patient_title", "condition") if key in top
    }
    sources = _parse_sources(top.get("sources"), problems) if "sources" in top else ()
    facts, broken_facts = _parse_facts(top.get("facts"), problems) if "facts" in top else ((), set())
    precautions = _texts(top.get("precautions"), "precautions", problems)
    stop_and_call = _parse_stop_groups(top.get("stop_and_call"), "stop_and_call", problems)
    refs = _Refs(
        facts={fact.name: fact for fact in facts},
        broken_facts=broken_facts,
        sources={source.id for source in sources},
        techniques=techniques,
        sequences=sequences,
        technique_ids=technique_ids,
        sequence_ids=sequence_ids,
        illustrations=illustration_ids,
    )
    stages: list[Stage] = []
    raw_stages = (
        _list(top.get("stages"), "stages", problems, "stages", allow_empty=False) if "stages" in top else []
    )
    seen: set[str] = set()
    for i, item in enumerate(raw_stages):
        stage = _parse_stage(item, f"stages[{i}]", problems, refs, precautions, stop_and_call)
        if stage is None:
            continue
        if stage.id in seen:
            problems.add(f"stages[{i}].id", f"stage {stage.id!r} appears twice; stage ids must differ")
        seen.add(stage.id)
        stages.append(stage)
        _check_timing(stages, i, problems)
    if len(problems.items) != before or version is None:
        return None
    return Protocol(
        id=pid,
        version=version,
        title=texts["title"] or "",
        patient_title=texts["patient_title"] or "",
        condition=texts["condition"] or "",
        sources=sources,
        facts=facts,
        stages=tuple(stages),
        precautions=precautions,
        stop_and_call=stop_and_call,
        content_hash="",
        file=file_label,
    )


@dataclass(frozen=True)
class _Refs:
    facts: Mapping[str, CaseFact]
    broken_facts: set[str]  # already reported; references to them are not reported again
    sources: set[str]
    techniques: Mapping[str, Technique]
    sequences: Mapping[str, Sequence]
    technique_ids: set[str]
    sequence_ids: set[str]
    illustrations: set[str]


def _parse_sources(raw: Any, problems: Problems) -> tuple[Source, ...]:
    if not isinstance(raw, dict) or not raw:
        problems.add("sources", f"expected the references as 'id: text' lines, got {_show(raw)}")
        return ()
    out: list[Source] = []
    for key, value in raw.items():
        sid = _identifier(key, f"sources.{key}", problems)
        text = _text(value, f"sources.{key}", problems)
        if sid and text:
            out.append(Source(sid, text))
    return tuple(out)


def _parse_facts(raw: Any, problems: Problems) -> tuple[tuple[CaseFact, ...], set[str]]:
    """The facts that parse cleanly, and the names of those that have problems."""
    out: list[CaseFact] = []
    broken: set[str] = set()
    names: set[str] = set()
    for i, item in enumerate(_list(raw, "facts", problems, "case facts", allow_empty=False)):
        path = f"facts[{i}]"
        before = len(problems.items)
        body = _mapping(item, path, problems, _FACT_KEYS, _FACT_OPTIONAL)
        if body is None:
            continue
        name = _identifier(body.get("name"), f"{path}.name", problems) if "name" in body else None
        if name is not None and name in names:
            problems.add(f"{path}.name", f"the fact {name!r} appears twice; fact names must differ")
        ftype = _one_of(body.get("type"), f"{path}.type", problems, FACT_TYPES) if "type" in body else None
        question = _text(body["question"], f"{path}.question", problems) if "question" in body else None
        help_text = _text(body["help"], f"{path}.help", problems) if "help" in body else ""
        required = body.get("required", True)
        if not isinstance(required, bool):
            problems.add(f"{path}.required", f"expected true or false, got {_show(required)}")
        options: list[Option] = []
        if ftype == "choice":
            raw_options = body.get("options")
            if not isinstance(raw_options, dict) or len(raw_options) < 2:
                problems.add(
                    f"{path}.options",
                    f"expected at least two answers as 'value: label' lines, got {_show(raw_options)}",
                )
            else:
                for value, label in raw_options.items():
                    here = f"{path}.options.{value}"
                    ok_value = _identifier(value, here, problems)
                    ok_label = _text(label, here, problems)
                    if ok_value and ok_label:
                        options.append(Option(ok_value, ok_label))
        elif "options" in body:
            problems.add(f"{path}.options", "only choice facts have options; remove it or set type: choice")
        if name is not None:
            names.add(name)
        if len(problems.items) == before and name and ftype and question:
            out.append(CaseFact(name, ftype, question, help_text or "", bool(required), tuple(options)))
        elif isinstance(body.get("name"), str):
            broken.add(body["name"])
    return tuple(out), broken


def _parse_stop_groups(raw: Any, path: str, problems: Problems) -> tuple[StopSigns, ...]:
    out: list[StopSigns] = []
    for i, item in enumerate(_list(raw, path, problems, "stop-and-call groups")):
        here = f"{path}[{i}]"
        body = _mapping(
            item,
            here,
            problems,
            {"action": "what to do, in the patient's words", "signs": "a list of signs"},
            {"emergency": "true or false"},
        )
        if body is None:
            continue
        action = _text(body["action"], f"{here}.action", problems) if "action" in body else None
        signs = (
            _texts(body.get("signs"), f"{here}.signs", problems, allow_empty=False) if "signs" in body else ()
        )
        emergency = body.get("emergency", False)
        if not isinstance(emergency, bool):
            problems.add(f"{here}.emergency", f"expected true or false, got {_show(emergency)}")
            emergency = False
        if action and signs:
            out.append(StopSigns(action, signs, emergency))
    return tuple(out)


def _parse_stage(
    raw: Any,
    path: str,
    problems: Problems,
    refs: _Refs,
    protocol_precautions: tuple[str, ...],
    protocol_stops: tuple[StopSigns, ...],
) -> Stage | None:
    before = len(problems.items)
    body = _mapping(raw, path, problems, _STAGE_KEYS, _STAGE_OPTIONAL)
    if body is None:
        return None
    sid = _identifier(body.get("id"), f"{path}.id", problems) if "id" in body else None
    title = _text(body["title"], f"{path}.title", problems) if "title" in body else None
    patient_title = (
        _text(body["patient_title"], f"{path}.patient_title", problems) if "patient_title" in body else None
    )
    only_if = _parse_only_if(body.get("only_if"), f"{path}.only_if", problems, refs)
    starts = StartRule()
    if "starts" in body:
        starts = parse_start_rule(body["starts"], f"{path}.starts", problems)
        _check_start_facts(body["starts"], f"{path}.starts", problems, refs)
    goals = _texts(body.get("goals"), f"{path}.goals", problems, allow_empty=False) if "goals" in body else ()
    clinic = tuple(
        use
        for i, item in enumerate(_list(body.get("clinic"), f"{path}.clinic", problems, "techniques"))
        if (use := _parse_clinic_use(item, f"{path}.clinic[{i}]", problems, refs)) is not None
    )
    home = tuple(
        ex
        for i, item in enumerate(_list(body.get("home"), f"{path}.home", problems, "home exercises"))
        if (ex := _parse_home(item, f"{path}.home[{i}]", problems, refs)) is not None
    )
    precautions = _texts(body.get("precautions"), f"{path}.precautions", problems)
    stops = _parse_stop_groups(body.get("stop_and_call"), f"{path}.stop_and_call", problems)
    move_on = _texts(body.get("move_on_when"), f"{path}.move_on_when", problems)
    sources: list[str] = []
    if "sources" in body:
        raw_sources = body["sources"]
        if not isinstance(raw_sources, list) or not raw_sources:
            problems.add(f"{path}.sources", f"expected a list of source ids, got {_show(raw_sources)}")
        else:
            for i, item in enumerate(raw_sources):
                if not isinstance(item, str) or item not in refs.sources:
                    problems.add(
                        f"{path}.sources[{i}]",
                        f"unknown source {_show(item)}{_guess(item, refs.sources)}; "
                        "list it under 'sources' at the top of the file",
                    )
                else:
                    sources.append(item)
    if len(problems.items) != before or not (sid and title and patient_title):
        return None
    return Stage(
        id=sid,
        title=title,
        patient_title=patient_title,
        starts=starts,
        goals=goals,
        clinic=clinic,
        home=home,
        precautions=protocol_precautions + precautions,
        stop_and_call=protocol_stops + stops,
        move_on_when=move_on,
        sources=tuple(sources),
        only_if=only_if,
    )


def _parse_only_if(
    raw: Any, path: str, problems: Problems, refs: _Refs
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    facts = refs.facts
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        problems.add(path, f"expected 'fact: [values]' lines, got {_show(raw)}")
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    for name, values in raw.items():
        here = f"{path}.{name}"
        fact = facts.get(name) if isinstance(name, str) else None
        if name in refs.broken_facts:
            continue
        if fact is None or fact.type not in ("choice", "side"):
            choices = ", ".join(n for n, f in facts.items() if f.type in ("choice", "side"))
            problems.add(here, f"unknown choice fact {_show(name)}; expected one of: {choices}")
            continue
        if not isinstance(values, list) or not values:
            problems.add(here, f"expected a list of answers of {name}, got {_show(values)}")
            continue
        allowed: list[str] = []
        for i, value in enumerate(values):
            ok = _one_of(value, f"{here}[{i}]", problems, fact.values, f"an answer of {name}:")
            if ok:
                allowed.append(ok)
        out.append((name, tuple(allowed)))
    return tuple(out)


def _check_start_facts(raw: Any, path: str, problems: Problems, refs: _Refs) -> None:
    """Every 'after' term must name a date fact, and a days table a choice fact with all its answers."""
    facts = refs.facts
    items = raw if isinstance(raw, list) else [raw]
    date_facts = [name for name, fact in facts.items() if fact.type == "date"]
    has_after = False
    for i, item in enumerate(items):
        here = f"{path}[{i}]" if isinstance(raw, list) else path
        if not isinstance(item, dict) or not isinstance(item.get("after"), dict):
            continue
        has_after = True
        body = item["after"]
        name = body.get("fact")
        if isinstance(name, str) and name in refs.broken_facts:
            continue
        if isinstance(name, str) and name and (name not in facts or facts[name].type != "date"):
            problems.add(
                f"{here}.after.fact",
                f"unknown date fact {_show(name)}; "
                f"expected one of: {', '.join(date_facts) or '(no date facts defined)'}",
            )
        days = body.get("days")
        if not isinstance(days, dict) or not isinstance(days.get("by"), str):
            continue
        by = days["by"]
        if by in refs.broken_facts:
            continue
        fact = facts.get(by)
        if fact is None or fact.type not in ("choice", "side", "yes_no"):
            choices = ", ".join(n for n, f in facts.items() if f.type == "choice")
            problems.add(
                f"{here}.after.days.by", f"unknown choice fact {_show(by)}; expected one of: {choices}"
            )
            continue
        given = {str(key) for key in days if key != "by"}
        for value in fact.values:
            if value not in given:
                problems.add(f"{here}.after.days", f"missing the number of days for {by} = {value}")
        for key in days:
            if key != "by" and str(key) not in fact.values:
                problems.add(
                    f"{here}.after.days.{key}",
                    f"{_show(key)} is not an answer of {by}; expected one of: {', '.join(fact.values)}"
                    f"{_yes_no_hint(key)}",
                )
    if not has_after:
        problems.add(path, "needs at least one 'after' term, so the stage has an earliest date")


def _check_timing(stages: list[Stage], index: int, problems: Problems) -> None:
    """A stage may not start, by construction, before the stage before it."""
    current = stages[-1]
    previous = next((s for s in reversed(stages[:-1]) if _compatible(s, current)), None)
    if previous is None or not current.starts.dates:
        return
    for earlier in previous.starts.dates:
        low = _days_range(earlier)[0]
        if all(term.fact == earlier.fact and _days_range(term)[1] < low for term in current.starts.dates):
            latest = max(_days_range(term)[1] for term in current.starts.dates)
            problems.add(
                f"stages[{index}].starts",
                f"starts at {earlier.fact} + {latest} days, before stage {previous.id!r} "
                f"(at least {earlier.fact} + {low} days); a stage cannot start before the one before it",
            )
            return


def _compatible(a: Stage, b: Stage) -> bool:
    """Whether two stages can both be in one plan (their only_if answers overlap)."""
    limits_a = dict(a.only_if)
    return all(name not in limits_a or set(limits_a[name]) & set(allowed) for name, allowed in b.only_if)


def _days_range(term: Any) -> tuple[int, int]:
    if term.days_by_fact is None:
        return term.days, term.days
    values = [n for _, n in term.days_by_value] or [0]
    return min(values), max(values)


def _parse_dose(
    raw: Any, path: str, problems: Problems, keys: dict[str, str], required: dict[str, str]
) -> dict[str, Any] | None:
    body = _mapping(raw, path, problems, required, keys)
    if body is None:
        return None
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "pressure":
            out[key] = _one_of(value, f"{path}.pressure", problems, PRESSURES)
        elif key in _DOSE_LIMITS:
            low, high = _DOSE_LIMITS[key]
            out[key] = _whole(value, f"{path}.{key}", problems, low, high)
    return out


def _resolve_ref(
    body: dict[str, Any], path: str, problems: Problems, refs: _Refs, kind: str
) -> tuple[str, str] | None:
    """Return ('technique'|'sequence', id) after checking it exists and has the right kind."""
    given = [key for key in ("technique", "sequence") if key in body]
    if len(given) != 1:
        problems.add(path, "expected exactly one of 'technique' or 'sequence'")
        return None
    key = given[0]
    ref = body[key]
    known = refs.technique_ids if key == "technique" else refs.sequence_ids
    if not isinstance(ref, str) or ref not in known:
        problems.add(f"{path}.{key}", f"unknown {key} {_show(ref)}{_guess(ref, known)}")
        return None
    found = refs.techniques.get(ref) if key == "technique" else refs.sequences.get(ref)
    if found is None:
        problems.add(f"{path}.{key}", f"{ref!r} could not be read; see the problems in {TECHNIQUES_FILE}")
        return None
    if found.kind != kind:
        where = "the clinic list" if kind == "clinic" else "the home programme"
        problems.add(f"{path}.{key}", f"{ref!r} is a {found.kind} {key}; {where} needs a {kind} one")
        return None
    return key, ref


def _parse_clinic_use(raw: Any, path: str, problems: Problems, refs: _Refs) -> TechniqueUse | None:
    before = len(problems.items)
    body = _mapping(
        raw,
        path,
        problems,
        {"dose": "minutes, pressure and repetitions"},
        {
            "technique": "a technique id",
            "sequence": "a sequence id",
            "regions": "a list of body regions",
            "note": "text",
        },
    )
    if body is None:
        return None
    ref = _resolve_ref(body, path, problems, refs, "clinic")
    dose = (
        _parse_dose(body.get("dose"), f"{path}.dose", problems, _CLINIC_DOSE_KEYS, {})
        if "dose" in body
        else None
    )
    if dose is not None and "minutes" not in dose and "repetitions" not in dose:
        problems.add(f"{path}.dose", "expected minutes or repetitions (or both)")
    regions = _regions(body["regions"], f"{path}.regions", problems) if "regions" in body else None
    note = _text(body["note"], f"{path}.note", problems) if "note" in body else ""
    if len(problems.items) != before or ref is None or dose is None:
        return None
    key, rid = ref
    if regions is None:
        found = refs.techniques.get(rid) if key == "technique" else refs.sequences.get(rid)
        regions = found.regions if found is not None else ()
    return TechniqueUse(
        technique=rid if key == "technique" else None,
        sequence=rid if key == "sequence" else None,
        regions=regions,
        dose=ClinicDose(**dose),
        note=note or "",
    )


def _parse_home(raw: Any, path: str, problems: Problems, refs: _Refs) -> HomeExercise | None:
    before = len(problems.items)
    body = _mapping(
        raw,
        path,
        problems,
        {"dose": "times_per_day with repetitions or minutes"},
        {
            "technique": "a home technique id",
            "sequence": "a home sequence id",
            "regions": "a list of body regions",
            "note": "a sentence for the patient",
            "title": "a title for the patient, instead of the technique's",
            "steps": "numbered steps, instead of the technique's",
            "illustration": "an illustration id, instead of the technique's",
        },
    )
    if body is None:
        return None
    ref = _resolve_ref(body, path, problems, refs, "home")
    dose = None
    if "dose" in body:
        dose = _parse_dose(
            body["dose"], f"{path}.dose", problems, _HOME_DOSE_KEYS, {"times_per_day": "a whole number"}
        )
        if dose is not None and not ({"repetitions", "minutes", "hold_seconds"} & set(dose)):
            problems.add(
                f"{path}.dose", "expected repetitions, hold_seconds or minutes as well as times_per_day"
            )
    regions = _regions(body["regions"], f"{path}.regions", problems) if "regions" in body else None
    note = _text(body["note"], f"{path}.note", problems) if "note" in body else ""
    title = _text(body["title"], f"{path}.title", problems) if "title" in body else None
    steps = _texts(body["steps"], f"{path}.steps", problems, allow_empty=False) if "steps" in body else None
    illustration = None
    if "illustration" in body:
        illustration = _illustration(
            body["illustration"], f"{path}.illustration", problems, refs.illustrations
        )
    if len(problems.items) != before or ref is None or dose is None:
        return None
    key, rid = ref
    found = refs.techniques.get(rid) if key == "technique" else refs.sequences.get(rid)
    if found is None:  # the technique itself has problems, reported in techniques.yaml
        return None
    default_steps = tuple(step.text for step in found.steps) if isinstance(found, Sequence) else found.steps
    return HomeExercise(
        technique=rid if key == "technique" else None,
        sequence=rid if key == "sequence" else None,
        title=title or found.patient_name,
        description=found.patient_description,
        steps=steps or default_steps,
        illustration=illustration or found.illustration or "",
        regions=regions or found.regions,
        dose=HomeDose(**dose),
        note=note or "",
    )


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
        "protocol": raw,
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


# ---------------------------------------------------------------------------------------------
# Text for the command line and the pages
# ---------------------------------------------------------------------------------------------


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


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe_start_rule(rule: StartRule) -> str:
    """The earliest start in words, e.g. 'stroke_date + 2 days (ischaemic), 7 days (haemorrhagic)'."""
    parts: list[str] = []
    for term in rule.dates:
        if term.days_by_fact is None:
            parts.append(f"{term.fact} + {term.days} day{'s' if term.days != 1 else ''}")
        else:
            table = ", ".join(
                f"{n} days if {term.days_by_fact} is {value}" for value, n in term.days_by_value
            )
            parts.append(f"{term.fact} + ({table})")
    text = "the latest of: " + "; ".join(parts) if len(parts) > 1 else "".join(parts)
    for confirmation in rule.confirmations:
        text += f"; and the therapist confirms: {confirmation}"
    return text


def describe_clinic_dose(dose: ClinicDose) -> str:
    """A clinic dose in words, e.g. '5 min, light pressure'."""
    parts = []
    if dose.minutes is not None:
        parts.append(f"{dose.minutes} min")
    if dose.repetitions is not None:
        parts.append(f"{dose.repetitions} times")
    if dose.pressure is not None:
        parts.append(f"{dose.pressure.replace('_', ' ')} pressure")
    return ", ".join(parts)


def describe_home_dose(dose: HomeDose) -> str:
    """A home dose in the patient's words, e.g. '10 times, 2 sets, 3 times a day'."""
    parts = []
    if dose.repetitions is not None:
        parts.append(f"{dose.repetitions} time{'s' if dose.repetitions != 1 else ''}")
    if dose.hold_seconds is not None:
        parts.append(f"hold {dose.hold_seconds} seconds")
    if dose.minutes is not None:
        parts.append(f"{dose.minutes} minute{'s' if dose.minutes != 1 else ''}")
    if dose.sets is not None:
        parts.append(f"{dose.sets} set{'s' if dose.sets != 1 else ''}")
    parts.append("once a day" if dose.times_per_day == 1 else f"{dose.times_per_day} times a day")
    return ", ".join(parts)


def outline(protocol: Protocol, library: Library) -> str:
    """A readable plain-text outline of a protocol, for ``clinic protocols show ID``."""
    out: list[str] = [
        f"{protocol.title}",
        f"{protocol.id} version {protocol.version}  {protocol.content_hash}",
        f"File: {protocol.file}",
        f"For the patient: {protocol.patient_title}",
        "",
        protocol.condition,
        "",
        "Case facts:",
    ]
    for fact in protocol.facts:
        kind = fact.type + (f": {', '.join(fact.values)}" if fact.values else "")
        need = "required" if fact.required else "optional"
        out.append(f"  - {fact.name} ({kind}; {need}): {fact.question}")
    out += ["", "Sources:"]
    out += [f"  [{source.id}] {source.text}" for source in protocol.sources]
    for number, stage in enumerate(protocol.stages, start=1):
        out += [
            "",
            f"Stage {number}: {stage.title} ({stage.id})",
            f"  For the patient: {stage.patient_title}",
        ]
        if stage.only_if:
            limits = "; ".join(f"{name} is {' or '.join(values)}" for name, values in stage.only_if)
            out.append(f"  Only if: {limits}")
        out.append(f"  Starts: {describe_start_rule(stage.starts)}")
        out += _bullets("Goals", stage.goals)
        out.append(
            "  In the clinic:" if stage.clinic else "  In the clinic: nothing (no massage in this stage)"
        )
        for use in stage.clinic:
            found = library.techniques.get(use.technique or "") or library.sequences.get(use.sequence or "")
            name = found.name if found is not None else use.ref
            out.append(
                f"    - {name} [{use.ref}] on {', '.join(use.regions)}: {describe_clinic_dose(use.dose)}"
            )
            if use.note:
                out.append(f"      {use.note}")
        out.append("  Home programme:" if stage.home else "  Home programme: nothing")
        for exercise in stage.home:
            out.append(
                f"    - {exercise.title} [{exercise.ref}, picture {exercise.illustration}]: "
                f"{describe_home_dose(exercise.dose)}"
            )
            out += [f"      {i}. {step}" for i, step in enumerate(exercise.steps, start=1)]
            if exercise.note:
                out.append(f"      Note: {exercise.note}")
        out += _bullets("Precautions", stage.precautions)
        for group in stage.stop_and_call:
            label = "Emergency" if group.emergency else "Stop and call"
            out.append(f"  {label}: {group.action}")
            out += [f"    - {sign}" for sign in group.signs]
        out += _bullets("Move on when", stage.move_on_when)
        out.append(f"  Sources: {', '.join(stage.sources)}")
    return "\n".join(out) + "\n"


def _bullets(label: str, items: tuple[str, ...]) -> list[str]:
    if not items:
        return []
    return [f"  {label}:"] + [f"    - {item}" for item in items]
