"""The headline of a screening result: its strongest blocker, and whether it allows treatment today.

A therapist reads the headline first and acts on it, so it names what blocks most (CLINICAL.md §3,
"Overrides and headlines"): "send to A&E or the doctor today" before "do not treat today" before
"needs a doctor's clearance" before "not finished". A start date is the headline only when a date is
all that blocks; otherwise it is shown as secondary. Overridden and cleared findings no longer block.
Pure: no clock, the caller passes the result and what was overridden or cleared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from clinic.domain.screening import ScreeningResult
from clinic.domain.screening_rules import RuleSet

# key -> (headline in capitals, icon: never colour alone)
HEADLINES: dict[str, tuple[str, str]] = {
    "urgent": ("SEND TO A&E OR THE DOCTOR TODAY", "✚"),
    "defer": ("DO NOT TREAT TODAY", "✖"),
    "refer": ("NEEDS A DOCTOR’S CLEARANCE", "✚"),
    "cleared": ("CLEARANCE RECORDED: SCREEN AGAIN", "↻"),
    "incomplete": ("NOT FINISHED", "?"),
    "wait": ("MASSAGE MAY START FROM", "✖"),
    "overridden": ("TREAT: OVERRIDE RECORDED", "⚠"),
    "local": ("TREAT, AVOIDING", "⚠"),
    "caution": ("TREAT WITH PRECAUTIONS", "⚠"),
    "clear": ("NO CONTRAINDICATION FOUND", "✔"),
}
# Which colour a headline wears: the decision whose colour it shares.
COLOURS = {"urgent": "defer", "wait": "defer", "cleared": "refer", "overridden": "caution"}
ALLOWS_TREATMENT = frozenset({"overridden", "local", "caution", "clear"})


@dataclass(frozen=True)
class Headline:
    """The strongest blocker: its key, words and icon; ``start`` is the earliest start date, which is the
    headline itself only for ``wait`` and secondary otherwise."""

    key: str
    words: str
    icon: str
    start: dt.date | None = None
    overridden: bool = False

    @property
    def allows_treatment(self) -> bool:
        """True when nothing blocks treatment today (only then is the screening shown as valid)."""
        return self.key in ALLOWS_TREATMENT

    @property
    def colour(self) -> str:
        """The decision colour class this headline wears."""
        return COLOURS.get(self.key, self.key)


def headline(
    result: ScreeningResult, overridden: Collection[str] = (), cleared: Collection[str] = ()
) -> Headline:
    """The headline of ``result`` once the ``overridden`` absolute and ``cleared`` refer findings are set aside."""
    absolute = [f for f in result.findings if f.category == "absolute" and f.rule_id not in overridden]
    refer = [f for f in result.findings if f.category == "refer"]
    dates = [f.earliest_date for f in result.findings
             if f.earliest_date is not None and f.rule_id not in overridden and f.category != "local"]
    start = max(dates) if dates else None
    if result.urgent:
        key = "urgent"
    elif any(f.earliest_date is None for f in absolute):
        key = "defer"
    elif any(f.rule_id not in cleared for f in refer):
        key = "refer"
    elif refer:
        key = "cleared"
    elif result.incomplete:
        key = "incomplete"
    elif absolute:
        key = "wait"
    elif any(f.category == "absolute" for f in result.findings):
        key = "overridden"  # every absolute finding overridden; the cards still list what to avoid
    elif any(f.category == "local" for f in result.findings):
        key = "local"
    elif any(f.category == "relative" for f in result.findings):
        key = "caution"
    else:
        key = "clear"
    words, icon = HEADLINES[key]
    was_overridden = any(f.category == "absolute" and f.rule_id in overridden for f in result.findings)
    return Headline(key=key, words=words, icon=icon, start=start, overridden=was_overridden)


def prompts(result: ScreeningResult, rules: RuleSet) -> tuple[str, ...]:
    """What the page prompts the therapist to arrange: a same-day medical check for a possible emergency
    answered "not known" or left open, and each present finding's own prompt (gout or infection ruled out)."""
    out: list[str] = []
    by_id = {rule.id: rule for rule in rules.rules}
    for rule_id in (*result.not_known, *result.unanswered):
        rule = by_id.get(rule_id)
        if rule is not None and rule.category == "urgent_refer":
            out.append(f"It is not known whether the patient has {rule.name}. Arrange a medical check today; "
                       f"if it cannot be ruled out, send them to A&E or their doctor today.")
    for finding in result.findings:
        rule = by_id.get(finding.rule_id)
        if rule is not None and rule.prompt:
            out.append(rule.prompt)
    return tuple(dict.fromkeys(out))
