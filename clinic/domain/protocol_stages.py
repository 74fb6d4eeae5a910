"""One stage of a protocol file: timing, clinic techniques with doses, home exercises, stop signs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.domain.protocol_injury import parse_held, parse_injured_area
from clinic.domain.protocol_model import (
    PRESSURES,
    TECHNIQUES_FILE,
    CaseFact,
    ClinicDose,
    ConditionalPrecaution,
    HomeDose,
    HomeExercise,
    Sequence,
    Stage,
    StopSigns,
    Technique,
    TechniqueUse,
)
from clinic.domain.rules import Problems, StartRule, parse_start_rule
from clinic.domain.techniques import _guess
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
    _yes_no_hint,
)

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
    "injured_area": "the kinds allowed on the protocol's injured area in this stage",
    "held": "true while a cast or splint holds the joints injury.held names",
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

    def find(self, key: str, ref: str) -> Technique | Sequence | None:
        """The technique (key "technique") or sequence (key "sequence") with this id, if it loaded."""
        return self.techniques.get(ref) if key == "technique" else self.sequences.get(ref)


def _flag(body: Mapping[str, Any], key: str, path: str, problems: Problems) -> bool:
    """An optional true/false key (false when absent)."""
    value = body.get(key, False)
    if not isinstance(value, bool):
        problems.add(path, f"expected true or false, got {_show(value)}")
        return False
    return value


def _parse_stop_groups(raw: Any, path: str, problems: Problems) -> tuple[StopSigns, ...]:
    out: list[StopSigns] = []
    for i, item in enumerate(_list(raw, path, problems, "stop-and-call groups")):
        here = f"{path}[{i}]"
        body = _mapping(
            item,
            here,
            problems,
            {"action": "what to do, in the patient's words", "signs": "a list of signs"},
            {"emergency": "true or false", "a_and_e": "true when the patient should go to A&E, not call an ambulance"},
        )
        if body is None:
            continue
        action = _text(body["action"], f"{here}.action", problems) if "action" in body else None
        signs = (
            _texts(body.get("signs"), f"{here}.signs", problems, allow_empty=False) if "signs" in body else ()
        )
        emergency, a_and_e = (_flag(body, key, f"{here}.{key}", problems) for key in ("emergency", "a_and_e"))
        if a_and_e and not emergency:
            problems.add(f"{here}.a_and_e", "going to A&E is an emergency; add emergency: true")
        if action and signs:
            out.append(StopSigns(action, signs, emergency, a_and_e))
    return tuple(out)


def _parse_stage(
    raw: Any,
    path: str,
    problems: Problems,
    refs: _Refs,
    protocol_precautions: tuple[str | ConditionalPrecaution, ...],
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
    precautions = protocol_precautions + parse_precautions(body.get("precautions"), f"{path}.precautions", problems,
                                                           refs)
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
    injured_area = parse_injured_area(body.get("injured_area"), f"{path}.injured_area", problems)
    held = parse_held(body.get("held"), f"{path}.held", problems)
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
        precautions=tuple(p for p in precautions if isinstance(p, str)),
        conditional_precautions=tuple(p for p in precautions if isinstance(p, ConditionalPrecaution)),
        stop_and_call=protocol_stops + stops,
        move_on_when=move_on,
        sources=tuple(sources),
        only_if=only_if,
        injured_area=injured_area,
        held=held,
    )


def parse_precautions(raw: Any, path: str, problems: Problems, refs: _Refs
                      ) -> tuple[str | ConditionalPrecaution, ...]:
    """Precaution lines: a text for every patient, or ``{text: …, only_if: {fact: [answers]}}`` for the patients
    whose choice facts have those answers (a precaution wrong for the rest, such as a scar after surgery)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(path, f"expected a list of precautions, got {_show(raw)}")
        return ()
    out: list[str | ConditionalPrecaution] = []
    for i, item in enumerate(raw):
        here = f"{path}[{i}]"
        if isinstance(item, dict):
            body = _mapping(item, here, problems, {"text": "the precaution in the patient's words",
                                                   "only_if": "fact: [answers] lines: the patients it is for"}, {})
            if body is None:
                continue
            text = _text(body.get("text"), f"{here}.text", problems)
            only_if = _parse_only_if(body.get("only_if"), f"{here}.only_if", problems, refs)
            if text and only_if:
                out.append(ConditionalPrecaution(text, only_if))
        else:
            text = _text(item, here, problems)
            if text:
                out.append(text)
    return tuple(out)


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
        if fact is None or fact.type not in ("choice", "side", "yes_no"):
            choices = ", ".join(n for n, f in facts.items() if f.type in ("choice", "side", "yes_no"))
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
    date_facts = [name for name, fact in facts.items() if fact.is_date]
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
        if isinstance(name, str) and name and (name not in facts or not facts[name].is_date):
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
    found = refs.find(key, ref)
    if found is None:
        problems.add(f"{path}.{key}", f"{ref!r} could not be read; see the problems in {TECHNIQUES_FILE}")
        return None
    if found.done_in != kind:
        where = "the clinic list" if kind == "clinic" else "the home programme"
        problems.add(f"{path}.{key}", f"{ref!r} is a {found.done_in} {key}; {where} needs a {kind} one")
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
    found = refs.find(key, rid)
    if regions is None:
        regions = found.regions if found is not None else ()
    return TechniqueUse(
        technique=rid if key == "technique" else None,
        sequence=rid if key == "sequence" else None,
        regions=regions,
        dose=ClinicDose(**dose),
        note=note or "",
        item_kind=found.item_kind if found is not None else "",
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
    found = refs.find(key, rid)
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
        item_kind=found.item_kind,
        with_other_hand=found.with_other_hand,
    )


