"""The measures a protocol follows and the minimal clinically important difference (MCID) of each, as the protocol
file sets them (``measures:``): the change in a score that a patient notices, taken from a named source. An entry
with ``only_if`` applies to the patients whose case facts match (QuickDASH after surgery for a wrist fracture)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.domain.rules import Problems
from clinic.domain.yaml_checks import _mapping, _one_of, _show

# The measures a protocol can set an MCID for (clinic.domain.measures and outcomes score them).
MEASURE_IDS = ("quickdash", "prwe", "psfs", "pain", "grip", "pinch", "rom")

_KEYS = {"measure": "one of " + ", ".join(MEASURE_IDS), "mcid": "the change that matters, in the score's units",
         "source": "where the figure comes from (author, journal, year)"}
_OPTIONAL = {"percent": "or this percentage of the first score, whichever is smaller (pain: 30)",
             "only_if": "fact: [values] lines: the entry applies only to these patients"}


@dataclass(frozen=True)
class MeasureTarget:
    """The MCID of one measure in one protocol (for the patients ``only_if`` picks)."""

    measure: str
    mcid: float
    source: str
    percent: float | None = None
    only_if: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def threshold(self, first: float) -> float:
        """The change that matters from this first score (the smaller of the points and the percentage)."""
        if self.percent is None:
            return self.mcid
        return min(self.mcid, abs(first) * self.percent / 100) or self.mcid

    def applies_to(self, facts: Mapping[str, Any]) -> bool:
        """Whether the patient's facts match ``only_if`` (an unknown fact does not match)."""
        return all(facts.get(name) in allowed for name, allowed in self.only_if)


def target_for(targets: tuple[MeasureTarget, ...], measure: str, facts: Mapping[str, Any]) -> MeasureTarget | None:
    """The entry for ``measure``: the first whose ``only_if`` matches the facts, else the one without only_if."""
    matching = [t for t in targets if t.measure == measure and t.only_if and t.applies_to(facts)]
    plain = [t for t in targets if t.measure == measure and not t.only_if]
    return (matching or plain or [None])[0]


def parse_measures(raw: Any, problems: Problems, parse_only_if) -> tuple[MeasureTarget, ...]:
    """Parse the ``measures:`` list of a protocol file, recording every problem."""
    if not isinstance(raw, list):
        problems.add("measures", f"expected a list of measures, got {_show(raw)}")
        return ()
    out = []
    for i, item in enumerate(raw):
        path = f"measures[{i}]"
        body = _mapping(item, path, problems, _KEYS, _OPTIONAL)
        if body is None:
            continue
        measure = _one_of(body["measure"], f"{path}.measure", problems, MEASURE_IDS)
        mcid = body["mcid"]
        if isinstance(mcid, bool) or not isinstance(mcid, int | float) or not 0 < mcid <= 100:
            problems.add(f"{path}.mcid", f"expected a number above 0 and at most 100, got {_show(mcid)}")
            mcid = None
        percent = body.get("percent")
        if percent is not None and (isinstance(percent, bool) or not isinstance(percent, int | float)
                                    or not 0 < percent <= 100):
            problems.add(f"{path}.percent", f"expected a percentage above 0 and at most 100, got {_show(percent)}")
            percent = None
        if not isinstance(body["source"], str) or len(body["source"].strip()) < 10:
            problems.add(f"{path}.source", f"name the source of the figure (author, journal, year), got "
                                           f"{_show(body['source'])}")
        only_if = parse_only_if(body.get("only_if"), f"{path}.only_if") if "only_if" in body else ()
        if measure and mcid is not None:
            out.append(MeasureTarget(measure, float(mcid), str(body["source"]).strip(),
                                     None if percent is None else float(percent), only_if))
    return tuple(out)


@dataclass(frozen=True)
class PainRule:
    """The pain-monitoring rule a protocol's exercises follow: pain after exercising up to ``after_max`` of 10, and
    no worse the next morning. The diary's 24-hour pain response is read against it before a stage move."""

    after_max: int
    source: str


def parse_pain_rule(raw: Any, problems: Problems) -> PainRule | None:
    """Parse the protocol file's ``pain_rule:``."""
    body = _mapping(raw, "pain_rule", problems, {"after_max": "the most pain allowed after exercising, 0 to 10",
                                                 "source": "where the rule comes from"}, {})
    if body is None:
        return None
    value = body["after_max"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        problems.add("pain_rule.after_max", f"expected a whole number from 0 to 10, got {_show(value)}")
        return None
    if not isinstance(body["source"], str) or len(body["source"].strip()) < 10:
        problems.add("pain_rule.source", f"name the source of the rule, got {_show(body['source'])}")
        return None
    return PainRule(value, body["source"].strip())
