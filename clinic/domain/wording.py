"""One home for dates, doses and waiting events in words (for pages, handouts and the command line)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping

from babel import Locale
from babel.dates import format_date

from clinic.domain.protocol_model import CaseFact, ClinicDose, HomeDose
from clinic.domain.rules import StartRule
from clinic.domain.screening_rules import REGION_WORDS

# A day is written the same way for every reader, whatever the machine's locale: "14 March 2026" (CLDR
# month names through Babel; clinic.localtime uses the same for the clinic's own dates and times).
DAY_PATTERN = "d MMMM y"
LOCALE = "en"
_LOCALE = Locale.parse(LOCALE)  # parsed once: every date and plural on a page would otherwise parse it again


def plural(n: int, one: str, other: str) -> str:
    """``one`` or ``other`` by the locale's plural rule for ``n`` (CLDR, through Babel)."""
    return one if _LOCALE.plural_form(n) == "one" else other


def _count(n: int, word: str) -> str:
    return f"{n} {plural(n, word, word + 's')}"


def describe_start_rule(rule: StartRule, facts: Mapping[str, CaseFact] | None = None) -> str:
    """The earliest start in words. With the protocol's ``facts`` (by name) for people: 'Date of the stroke + 2
    days'; without, for protocol authors: 'stroke_date + 2 days (ischaemic), 7 days (haemorrhagic)'."""

    def name(fact: str) -> str:
        return facts[fact].words if facts is not None and fact in facts else fact

    def value(fact: str, raw: str) -> str:
        spec = facts.get(fact) if facts is not None else None
        labels = {o.value: o.label for o in spec.options} if spec is not None else {}
        return labels.get(raw) or (raw.replace("_", " ") if facts is not None else raw)

    parts: list[str] = []
    for term in rule.dates:
        if term.days_by_fact is None and term.days == 0 and facts is not None:
            parts.append(name(term.fact))
        elif term.days_by_fact is None:
            parts.append(f"{name(term.fact)} + {_count(term.days, 'day')}")
        else:
            table = ", ".join(
                f"{n} days if {name(term.days_by_fact).lower() if facts else term.days_by_fact} is "
                f"{value(term.days_by_fact, v).lower() if facts else v}"
                for v, n in term.days_by_value
            )
            parts.append(f"{name(term.fact)} + ({table})")
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
        parts.append(_count(dose.repetitions, "time"))
    if dose.hold_seconds is not None:
        parts.append(f"hold {dose.hold_seconds} seconds")
    if dose.minutes is not None:
        parts.append(_count(dose.minutes, "minute"))
    if dose.sets is not None:
        parts.append(_count(dose.sets, "set"))
    parts.append("once a day" if dose.times_per_day == 1 else f"{dose.times_per_day} times a day")
    return ", ".join(parts)


def _when(events: list[tuple[str, int]], event_words: Mapping[str, str]) -> str:
    """'when the cast is off and the doctor confirms healing', '14 days after the flare has settled'.

    ``event_words`` are the protocol's words for its dates (``Protocol.event_words()``); the protocol
    check makes every optional or planned date have them."""

    def words(fact: str) -> str:
        return event_words.get(fact, "the date is recorded")

    plain = [words(fact) for fact, days in events if not days]
    parts = [f"when {_join(plain)}"] if plain else []
    parts += [f"{_count(days, 'day')} after {words(fact)}" for fact, days in events if days]
    return ", and ".join(parts)


def _join(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _region_words(regions: tuple[str, ...]) -> str:
    return _join([REGION_WORDS.get(r, r.replace("_", " ")) for r in regions])


@functools.lru_cache(maxsize=4096)
def format_day(day: dt.date) -> str:
    """A day in words, independent of the machine's locale: '14 March 2026'. Each day is written once per process
    (a patient page of five years names a hundred days; Babel takes a few tens of microseconds for each)."""
    return format_date(day, DAY_PATTERN, locale=_LOCALE)


