"""The first draft of a letter to the referring doctor (OUT-07), in words, from the facts of an episode of care.
Pure: plain values in, text out. The therapist reads and edits the text before it is final; the signature (name,
qualification, date) is added under it when the letter is signed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic.domain.wording import format_day


@dataclass(frozen=True)
class MeasureLine:
    """One measure, first → latest, and whether the change passes the protocol's MCID."""

    title: str
    first: str
    first_on: dt.date
    latest: str
    latest_on: dt.date
    change: str  # "-29.5 points", "+22 %"
    verdict: str  # "a meaningful improvement (MCID 14 points)", "no meaningful-change figure set", ...


@dataclass(frozen=True)
class LetterFacts:
    """What a letter says about one episode of care."""

    kind: str  # "progress" or "discharge"
    recipient: str
    patient_name: str
    birth_date: dt.date
    record_number: str
    diagnosis: str  # the condition in words, with its case facts
    opened_on: dt.date
    today: dt.date
    sessions: int
    stages_passed: tuple[tuple[str, dt.date | None], ...]
    current_stage: str
    measures: tuple[MeasureLine, ...]
    home_programme: tuple[str, ...]
    adherence: str = ""  # "about 70 % of the prescribed exercises (diary, 2 to 15 March)"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def compose(f: LetterFacts) -> str:
    """The letter's text: greeting, what was treated and when, stages passed, measures first → latest with the
    change and whether it is meaningful, and the current home programme in one paragraph. The outcome and reason of
    a discharge are printed under the text from what the therapist chooses when signing."""
    # The referring doctor field holds "Dr Name, Practice" as often as not: the greeting names the person only.
    greeting = f.recipient.split(",")[0].strip() or "Doctor"
    lines = [f"Dear {greeting},", "",
             f"Re: {f.patient_name}, born {format_day(f.birth_date)}, record {f.record_number}", ""]
    what = "progress" if f.kind == "progress" else "discharge from hand therapy"
    lines.append(f"Thank you for referring this patient. This letter reports their {what}.")
    lines.append("")
    lines.append(f"Diagnosis: {f.diagnosis}.")
    period = f"from {format_day(f.opened_on)} to {format_day(f.today)}"
    lines.append(f"Seen in hand therapy {period}: {f.sessions} treatment session{'s' if f.sessions != 1 else ''}.")
    if f.stages_passed:
        passed = [f"{title} (from {format_day(on)})" if on else title for title, on in f.stages_passed]
        lines.append(f"Stages of the programme reached: {_join(passed)}.")
    if f.current_stage:
        lines.append(f"Current stage: {f.current_stage}.")
    lines.append("")
    if f.measures:
        lines.append("Measures, first and latest:")
        for m in f.measures:
            lines.append(f"- {m.title}: {m.first} ({format_day(m.first_on)}) to {m.latest} ({format_day(m.latest_on)}),"
                         f" change {m.change}: {m.verdict}.")
    else:
        lines.append("No outcome measures were recorded in this period.")
    lines.append("")
    if f.home_programme:
        lines.append("Home programme: " + "; ".join(f.home_programme) + ".")
    if f.adherence:
        lines.append(f"By the patient's exercise diary, they did {f.adherence}.")
    lines += ["", "Please do not hesitate to contact me with any questions.", "", "Yours sincerely,"]
    return "\n".join(lines)
