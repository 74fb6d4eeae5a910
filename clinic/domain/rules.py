"""Shared building blocks for the data files: error collection and date rules over case facts.

Both the protocol loader (stage start rules) and the screening rules (condition gates) use
these, so "injury date + 2 days" means the same thing everywhere.

A date rule in YAML looks like one of::

    after: {fact: injury_date, days: 2}
    after: {fact: stroke_date, days: {by: stroke_type, ischaemic: 2, haemorrhagic: 7, not_known: 7}}
    confirm: "The therapist confirms the acute period is over"

and a start rule is a list of such terms; all must hold, so the earliest date is the latest of
the dated terms, and every ``confirm`` is a criterion the therapist ticks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class DataFileError(ValueError):
    """One or more problems in a data file; ``problems`` lists each as 'file: path: message'."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Problems:
    """Collects every problem in a file so authors see them all at once, not just the first."""

    file: str
    items: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        """Record a problem at a key path such as ``stages[2].home[0].dose.repetitions``."""
        self.items.append(f"{self.file}: {path}: {message}" if path else f"{self.file}: {message}")

    def raise_if_any(self) -> None:
        """Raise DataFileError listing every problem collected so far."""
        if self.items:
            raise DataFileError(self.items)


class MissingFact(LookupError):
    """A rule needs a case fact that has no value; ``fact`` names it."""

    def __init__(self, fact: str):
        self.fact = fact
        super().__init__(f"missing case fact: {fact}")


@dataclass(frozen=True)
class DateTerm:
    """``fact`` (a date) plus a number of days; the days may depend on a choice fact."""

    fact: str
    days: int = 0
    days_by_fact: str | None = None
    days_by_value: tuple[tuple[str, int], ...] = ()

    def offset(self, facts: Mapping[str, Any]) -> int:
        """The number of days to add for these facts."""
        if self.days_by_fact is None:
            return self.days
        value = facts.get(self.days_by_fact)
        if value in (None, ""):
            raise MissingFact(self.days_by_fact)
        table = dict(self.days_by_value)
        if value not in table:
            raise MissingFact(self.days_by_fact)
        return table[value]

    def earliest(self, facts: Mapping[str, Any]) -> dt.date:
        """The first day this term allows; raises MissingFact when the date is not known."""
        value = facts.get(self.fact)
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise MissingFact(self.fact)
        return value + dt.timedelta(days=self.offset(facts))

    def facts_used(self) -> tuple[str, ...]:
        """Case-fact names this term reads."""
        return (self.fact,) + ((self.days_by_fact,) if self.days_by_fact else ())


@dataclass(frozen=True)
class StartRule:
    """All terms must hold: dated terms give the earliest day, confirmations are therapist criteria."""

    dates: tuple[DateTerm, ...] = ()
    confirmations: tuple[str, ...] = ()

    def earliest(self, facts: Mapping[str, Any]) -> dt.date | None:
        """Latest of the dated terms, or None when the rule has no dated term."""
        if not self.dates:
            return None
        return max(term.earliest(facts) for term in self.dates)

    def facts_used(self) -> tuple[str, ...]:
        """Every case-fact name the rule reads."""
        return tuple(name for term in self.dates for name in term.facts_used())


def parse_start_rule(raw: Any, path: str, problems: Problems) -> StartRule:
    """Parse a list of ``after``/``confirm`` terms (or a single one), collecting problems."""
    items = raw if isinstance(raw, list) else [raw]
    dates: list[DateTerm] = []
    confirmations: list[str] = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]" if isinstance(raw, list) else path
        if not isinstance(item, dict) or len(item) != 1:
            problems.add(here, f"expected one of 'after' or 'confirm', got {item!r}")
            continue
        (kind, body), = item.items()
        if kind == "confirm":
            if isinstance(body, str) and body.strip():
                confirmations.append(body.strip())
            else:
                problems.add(f"{here}.confirm", f"expected a sentence, got {body!r}")
        elif kind == "after":
            term = _parse_after(body, f"{here}.after", problems)
            if term is not None:
                dates.append(term)
        else:
            problems.add(here, f"unknown key {kind!r}; expected 'after' or 'confirm'")
    return StartRule(tuple(dates), tuple(confirmations))


def _parse_after(body: Any, path: str, problems: Problems) -> DateTerm | None:
    if not isinstance(body, dict):
        problems.add(path, f"expected a mapping with 'fact' and 'days', got {body!r}")
        return None
    unknown = set(body) - {"fact", "days"}
    for key in sorted(unknown):
        problems.add(f"{path}.{key}", "unknown key; expected 'fact' or 'days'")
    fact = body.get("fact")
    if not isinstance(fact, str) or not fact:
        problems.add(f"{path}.fact", f"expected the name of a date case fact, got {fact!r}")
        return None
    days = body.get("days", 0)
    if isinstance(days, dict):
        by = days.get("by")
        if not isinstance(by, str):
            problems.add(f"{path}.days.by", f"expected the name of a choice case fact, got {by!r}")
            return None
        table: list[tuple[str, int]] = []
        for value, n in days.items():
            if value == "by":
                continue
            if not _is_days(n):
                problems.add(f"{path}.days.{value}", f"expected a whole number of days from 0 to 3650, got {n!r}")
            else:
                table.append((str(value), n))
        return DateTerm(fact=fact, days_by_fact=by, days_by_value=tuple(table))
    if not _is_days(days):
        problems.add(f"{path}.days", f"expected a whole number of days from 0 to 3650, got {days!r}")
        return None
    return DateTerm(fact=fact, days=days)


def _is_days(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 3650
