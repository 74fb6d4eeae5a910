"""One protocol file (one per condition, id = file stem): its keys, case facts and sources.

The stages are parsed by ``clinic.domain.protocol_stages``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clinic.domain.protocol_injury import parse_injury
from clinic.domain.protocol_measures import parse_measures, parse_pain_rule
from clinic.domain.protocol_model import (
    DATE_TYPES,
    FACT_TYPES,
    CaseFact,
    Option,
    Protocol,
    Sequence,
    Source,
    Stage,
    Technique,
)
from clinic.domain.protocol_stages import (
    _check_timing,
    _parse_only_if,
    _parse_stage,
    _parse_stop_groups,
    _Refs,
    parse_precautions,
)
from clinic.domain.rules import Problems
from clinic.domain.yaml_checks import _identifier, _list, _mapping, _one_of, _show, _text, _whole

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
    "injury": "the protocol's own injury: side, owns, at, held (see protocol_injury.py)",
    "measures": "the measures followed and their MCIDs (see protocol_measures.py)",
    "pain_rule": "after_max and source: the pain-monitoring rule the diary is read against",
}
_FACT_KEYS = {
    "name": "a name such as injury_date",
    "type": "one of " + ", ".join(FACT_TYPES),
    "question": "text",
}
_FACT_OPTIONAL = {
    "label": "a short name for people, such as 'Cast off', shown where the case facts are listed",
    "help": "text",
    "required": "true or false",
    "options": "the answers, as value: label lines",
    "after": "the name of a date fact this date can never be before",
    "event": "the moment this date records, in words, such as 'the cast is off'",
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
    stop_and_call = _parse_stop_groups(top.get("stop_and_call"), "stop_and_call", problems)
    injury = (
        parse_injury(top["injury"], problems, {fact.name: fact for fact in facts}) if "injury" in top else None
    )
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
    measures = (
        parse_measures(top["measures"], problems,
                       lambda raw_if, path: _parse_only_if(raw_if, path, problems, refs))
        if "measures" in top else ()
    )
    pain_rule = parse_pain_rule(top["pain_rule"], problems) if "pain_rule" in top else None
    precautions = parse_precautions(top.get("precautions"), "precautions", problems, refs)
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
        precautions=tuple(p for p in precautions if isinstance(p, str)),
        stop_and_call=stop_and_call,
        content_hash="",
        file=file_label,
        injury=injury,
        measures=measures,
        pain_rule=pain_rule,
    )


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
        short_name = _text(body["label"], f"{path}.label", problems) if "label" in body else ""
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
        after = event = None
        if ftype is not None and ftype not in DATE_TYPES:
            for key in ("after", "event"):
                if key in body:
                    problems.add(f"{path}.{key}", f"only date facts have '{key}'; remove it or use a date type")
        else:
            after = _identifier(body["after"], f"{path}.after", problems) if "after" in body else None
            event = _text(body["event"], f"{path}.event", problems) if "event" in body else None
            waited_for = ftype == "planned_date" or required is False
            if waited_for and "event" not in body:
                problems.add(
                    f"{path}.event",
                    "missing; an optional or planned date needs the moment it records in words, such as "
                    '"the cast is off", for a stage still waiting for it',
                )
        if name is not None:
            names.add(name)
        if len(problems.items) == before and name and ftype and question:
            out.append(
                CaseFact(name, ftype, question, help_text or "", bool(required), tuple(options), after, event or "",
                         short_name or "")
            )
        elif isinstance(body.get("name"), str):
            broken.add(body["name"])
    by_name = {fact.name: fact for fact in out}
    for fact in out:
        if fact.after is None or fact.after in broken:
            continue
        earlier = by_name.get(fact.after)
        if earlier is None or not earlier.is_date or earlier.name == fact.name:
            dates = [f.name for f in out if f.is_date and f.name != fact.name]
            problems.add(
                f"facts.{fact.name}.after",
                f"unknown date fact {_show(fact.after)}; expected one of: {', '.join(dates) or '(no other dates)'}",
            )
    return tuple(out), broken


