"""The technique library (``techniques.yaml``): techniques and the reusable sequences built from them."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clinic.domain.kinds import ITEM_KINDS
from clinic.domain.protocol_model import TECHNIQUE_KINDS, Sequence, SequenceStep, Technique
from clinic.domain.rules import Problems
from clinic.domain.yaml_checks import (
    _identifier,
    _illustration,
    _list,
    _mapping,
    _one_of,
    _regions,
    _show,
    _text,
    _texts,
    _whole,
)

# ---------------------------------------------------------------------------------------------
# The technique library
# ---------------------------------------------------------------------------------------------

_TECHNIQUE_KEYS = {
    "id": "an id such as stroking",
    "done_in": "clinic (by the therapist) or home (by the patient)",
    "kind": f"the kind of item: {', '.join(ITEM_KINDS)}",
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
            kind = item.get("done_in") if item.get("done_in") in TECHNIQUE_KINDS else ""
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
            out.declared_sequences[sid] = item.get("done_in") if item.get("done_in") in TECHNIQUE_KINDS else ""
        sequence = _parse_sequence(
            item, f"sequences[{i}]", problems, illustration_ids, known_kinds, known_techniques
        )
        if sequence is not None and sequence.id not in out.sequences:
            out.sequences[sequence.id] = sequence
            out.raw_sequences[sequence.id] = item
    return out


def _names_and_descriptions(body: Mapping[str, Any], path: str, problems: Problems) -> dict[str, str | None]:
    """The therapist's and the patient's name and description of a technique or sequence."""
    return {
        key: _text(body[key], f"{path}.{key}", problems)
        for key in ("name", "description", "patient_name", "patient_description")
        if key in body
    }


def _home_illustration(
    body: Mapping[str, Any], kind: str | None, what: str, path: str, problems: Problems, illustration_ids: set[str]
) -> str | None:
    """A home technique or sequence needs a picture for the handout; a clinic one has none."""
    if kind == "home":
        if "illustration" not in body:
            problems.add(f"{path}.illustration", f"missing; a home {what} needs a picture for the handout")
            return None
        return _illustration(body["illustration"], f"{path}.illustration", problems, illustration_ids)
    if kind == "clinic" and "illustration" in body:
        problems.add(f"{path}.illustration", f"only home {what}s have this; remove it or set done_in: home")
    return None


def _parse_technique(raw: Any, path: str, problems: Problems, illustration_ids: set[str]) -> Technique | None:
    before = len(problems.items)
    body = _mapping(
        raw,
        path,
        problems,
        _TECHNIQUE_KEYS,
        {"illustration": "an illustration id (home techniques)", "steps": "numbered steps (home techniques)",
         "with_other_hand": _OTHER_HAND},
    )
    if body is None:
        return None
    tid = _identifier(body.get("id"), f"{path}.id", problems) if "id" in body else None
    kind = _done_in(body, path, problems)
    item_kind = _item_kind(body, path, problems)
    texts = _names_and_descriptions(body, path, problems)
    regions = _regions(body["regions"], f"{path}.regions", problems) if "regions" in body else None
    illustration = _home_illustration(body, kind, "technique", path, problems, illustration_ids)
    steps: tuple[str, ...] = ()
    if kind == "home":
        if "steps" not in body:
            problems.add(f"{path}.steps", "missing; a home technique needs numbered steps for the patient")
        else:
            steps = _texts(body["steps"], f"{path}.steps", problems, allow_empty=False)
    elif kind == "clinic" and "steps" in body:
        problems.add(f"{path}.steps", "only home techniques have this; remove it or set done_in: home")
    if len(problems.items) != before or tid is None or kind is None or regions is None or item_kind is None:
        return None
    return Technique(
        id=tid,
        done_in=kind,
        item_kind=item_kind,
        name=texts["name"] or "",
        description=texts["description"] or "",
        patient_name=texts["patient_name"] or "",
        patient_description=texts["patient_description"] or "",
        regions=regions,
        illustration=illustration,
        steps=steps,
        with_other_hand=_other_hand(body, path, problems),
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
    body = _mapping(raw, path, problems, _SEQUENCE_KEYS,
                    {"illustration": "an illustration id (home)", "with_other_hand": _OTHER_HAND})
    if body is None:
        return None
    sid = _identifier(body.get("id"), f"{path}.id", problems) if "id" in body else None
    kind = _done_in(body, path, problems)
    item_kind = _item_kind(body, path, problems)
    texts = _names_and_descriptions(body, path, problems)
    illustration = _home_illustration(body, kind, "sequence", path, problems, illustration_ids)
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
    if len(problems.items) != before or sid is None or kind is None or item_kind is None:
        return None
    return Sequence(
        id=sid,
        done_in=kind,
        item_kind=item_kind,
        name=texts["name"] or "",
        description=texts["description"] or "",
        patient_name=texts["patient_name"] or "",
        patient_description=texts["patient_description"] or "",
        steps=tuple(steps),
        illustration=illustration,
        with_other_hand=_other_hand(body, path, problems),
    )


_OTHER_HAND = "true when the patient does it with the other hand (self-massage)"


def _other_hand(body: dict[str, Any], path: str, problems: Problems) -> bool:
    value = body.get("with_other_hand", False)
    if not isinstance(value, bool):
        problems.add(f"{path}.with_other_hand", f"expected true or false, got {_show(value)}")
        return False
    return value


def _done_in(body: dict[str, Any], path: str, problems: Problems) -> str | None:
    if "done_in" not in body:
        return None
    return _one_of(body.get("done_in"), f"{path}.done_in", problems, TECHNIQUE_KINDS)


def _item_kind(body: dict[str, Any], path: str, problems: Problems) -> str | None:
    """The kind of plan item (CLINICAL.md §2.1); an old file's kind: clinic/home gets a message saying what changed."""
    if "kind" not in body:
        return None
    value = body.get("kind")
    if value in TECHNIQUE_KINDS:
        problems.add(f"{path}.kind", f"kind now names the kind of item ({', '.join(ITEM_KINDS)}); "
                                     f"write done_in: {value} for who does it")
        return None
    return _one_of(value, f"{path}.kind", problems, ITEM_KINDS)


def _guess(value: Any, known: Mapping[str, Any] | set[str]) -> str:
    if not isinstance(value, str):
        return ""
    guess = difflib.get_close_matches(value, sorted(known), n=1)
    return f"; did you mean {guess[0]!r}?" if guess else ""


