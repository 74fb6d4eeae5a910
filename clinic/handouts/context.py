"""What a handout shows, as frozen dataclasses of plain values (str, int, bool, date, tuples).

The plan engine builds a :class:`HandoutContext` from an approved plan revision; the templates only
read it. Every free-text field is capped when the dataclass is built (SEC-22), so no caller can hand
the renderer a 5 MB note: a capped text ends with a visible "…". The text is escaped later, by the
template (SEC-20); nothing here is HTML.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from clinic.domain.wording import format_day, plural

# Caps (SEC-22). Long enough for any real value, short enough that a handout stays a handout.
NAME_CHARS = 200  # names, titles, phone numbers, record numbers
LINE_CHARS = 500  # one step, one warning, one sign
TEXT_CHARS = 2_000  # a free-text paragraph (notes, override wording)
MAX_ITEMS = 30  # lines in any list of text (steps, warnings)
MAX_EXERCISES = 12
ELLIPSIS = "…"

PAPER_SIZES = ("A4", "Letter")
ILLUSTRATION_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LOGO_URL = re.compile(r"data:image/png;base64,[A-Za-z0-9+/]+={0,2}")
DIGEST = re.compile(r"^[0-9a-f]{12,128}$")
SHORT_DIGEST_CHARS = 12


def cap(text: str, limit: int) -> str:
    """``text`` as a plain str (never Markup), blanks trimmed, cut to ``limit`` characters with a visible "…"."""
    text = str.__str__(str(text)).strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def cap_lines(lines, limit: int = LINE_CHARS, items: int = MAX_ITEMS) -> tuple[str, ...]:
    """A tuple of at most ``items`` non-empty lines, each capped; a cut list ends with "…"."""
    lines = tuple(cap(line, limit) for line in lines if str(line).strip())
    if len(lines) > items:
        lines = lines[: items - 1] + (ELLIPSIS,)
    return lines


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)  # frozen dataclasses normalise themselves once, in __post_init__


def _cap_fields(obj, limits: dict[str, int]) -> None:
    for name, limit in limits.items():
        _set(obj, name, cap(getattr(obj, name), limit))


def _limit_items(obj, name: str, items: int = MAX_ITEMS) -> None:
    """Structured lists (exercises, warnings boxes) are refused when too long: dropping one silently is unsafe."""
    values = tuple(getattr(obj, name))
    if len(values) > items:
        raise ValueError(f"a handout prints at most {items} {name}, not {len(values)}")
    _set(obj, name, values)


def day(value: dt.date | None) -> str:
    """'14 March 2026': the same in every country, no month/day confusion."""
    if value is None:
        return ""
    return format_day(value)


# ---------------------------------------------------------------------------------------------- shared parts


@dataclass(frozen=True)
class ClinicInfo:
    """Who gave the handout: printed at the top of every page."""

    name: str
    address: str
    phone: str
    emergency_number: str = ""  # "999", "112", "911": empty prints all three
    logo: str = ""  # a data:image/png;base64 URL of the clinic's re-encoded logo (clinic.settings), or ""

    def __post_init__(self):
        _cap_fields(self, {"name": NAME_CHARS, "address": LINE_CHARS, "phone": NAME_CHARS,
                           "emergency_number": NAME_CHARS})
        if self.logo and not LOGO_URL.fullmatch(self.logo):
            raise ValueError("a clinic logo must be a data:image/png;base64 URL (the document fetches nothing)")


@dataclass(frozen=True)
class PatientInfo:
    """Whose handout it is (CS-08: name plus birth date or record number on every page)."""

    display_name: str
    birth_date: dt.date | None = None
    record_number: str = ""

    def __post_init__(self):
        _cap_fields(self, {"display_name": NAME_CHARS, "record_number": NAME_CHARS})
        if self.birth_date is None and not self.record_number:
            raise ValueError("a handout needs the patient's birth date or record number (CS-08)")


@dataclass(frozen=True)
class ProtocolInfo:
    """The protocol the plan came from (CS-09: printed with its version on every page)."""

    id: str
    title: str
    version: int

    def __post_init__(self):
        _cap_fields(self, {"id": NAME_CHARS, "title": NAME_CHARS})


@dataclass(frozen=True)
class HandoutOptions:
    """Print options: paper size (a clinic setting), large print and the next-stage preview."""

    paper: str = "A4"
    large_print: bool = False
    show_next_stage: bool = True

    def __post_init__(self):
        if self.paper not in PAPER_SIZES:
            raise ValueError(f"paper must be one of {PAPER_SIZES}, not {self.paper!r}")


@dataclass(frozen=True)
class Dose:
    """How much of one exercise: every field optional; :meth:`in_words` says it in plain sentences."""

    repetitions: int | None = None
    sets: int | None = None
    hold_seconds: int | None = None
    times_per_day: int | None = None
    minutes: int | None = None

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"dose {f.name} must be a whole number of at least 1, not {value!r}")

    def in_words(self) -> tuple[str, ...]:
        """The dose as short sentences, one idea each: 'Do this 10 times.', 'Hold each for 5 seconds.'…"""
        lines = []
        if self.repetitions:
            times = "once" if self.repetitions == 1 else f"{self.repetitions} times"
            lines.append(f"Do this {times}.")
        if self.hold_seconds:
            what = "Hold each one" if self.repetitions and self.repetitions > 1 else "Hold it"
            lines.append(f"{what} for {self.hold_seconds} {plural(self.hold_seconds, 'second', 'seconds')}.")
        if self.sets and self.sets > 1:
            if self.repetitions:
                lines.append(f"Rest, then do it all again. {self.sets} rounds in all.")
            else:
                lines.append(f"Do {self.sets} rounds, with a rest in between.")
        if self.minutes:
            minutes = f"{self.minutes} {plural(self.minutes, 'minute', 'minutes')}"
            lines.append(f"Take about {minutes} for this." if self.repetitions else f"Do this for {minutes}.")
        if self.times_per_day:
            per_day = {1: "Once a day.", 2: "2 times a day."}.get(self.times_per_day,
                                                                 f"{self.times_per_day} times a day.")
            lines.append(per_day)
        return tuple(lines)


# ---------------------------------------------------------------------------------------------- the handout


@dataclass(frozen=True)
class StageSummary:
    """One stage on "Your plan at a glance": a date, or words such as "when your doctor says…"."""

    title: str  # the therapist's name for the stage (used in the summary)
    patient_title: str  # what the patient reads
    starts_on: dt.date | None = None
    starts_text: str = ""  # used when there is no fixed date: "from about 3 May 2026", "when the bone has healed"
    is_current: bool = False

    def __post_init__(self):
        _cap_fields(self, {"title": NAME_CHARS, "patient_title": NAME_CHARS, "starts_text": NAME_CHARS})

    @property
    def when(self) -> str:
        """The start in words: 'From 14 March 2026' or the given text."""
        if self.starts_on is not None:
            return f"From {day(self.starts_on)}"
        return self.starts_text or "Your therapist will tell you when"


@dataclass(frozen=True)
class HomeExercise:
    """One home exercise: a picture, numbered steps and the dose."""

    name: str
    steps: tuple[str, ...]
    dose: Dose = field(default_factory=Dose)
    illustration: str | None = None  # an id in clinic/static/illustrations
    note: str = ""  # the therapist's extra word for this patient

    def __post_init__(self):
        _cap_fields(self, {"name": NAME_CHARS, "note": LINE_CHARS})
        _set(self, "steps", cap_lines(self.steps))
        if self.illustration is not None and not ILLUSTRATION_ID.match(self.illustration):
            raise ValueError(f"not an illustration id: {self.illustration!r}")

    @property
    def dose_lines(self) -> tuple[str, ...]:
        """The dose in plain sentences."""
        return self.dose.in_words()


@dataclass(frozen=True)
class StopAndCall:
    """The boxed warning: signs that mean stop and call. ``emergency``: call an ambulance (stroke), or with
    ``a_and_e`` go to A&E now (a cast too tight)."""

    action: str
    signs: tuple[str, ...]
    emergency: bool = False
    a_and_e: bool = False

    def __post_init__(self):
        _cap_fields(self, {"action": LINE_CHARS})
        _set(self, "signs", cap_lines(self.signs))


@dataclass(frozen=True)
class NextStagePreview:
    """What comes next, so the patient is not surprised (printed when the option is on)."""

    patient_title: str
    when: str  # "From about 3 May 2026", "When your doctor says the bone has healed"
    lines: tuple[str, ...] = ()  # one idea each: "You will start squeezing a soft ball."

    def __post_init__(self):
        _cap_fields(self, {"patient_title": NAME_CHARS, "when": NAME_CHARS})
        _set(self, "lines", cap_lines(self.lines, items=10))


@dataclass(frozen=True)
class TrackingSheet:
    """Days × exercises tick boxes (one box per time a day), and pain before and after (0 to 10)."""

    first_day: dt.date | None = None  # None prints blank day headings for the patient to fill in
    days: int = 7

    def __post_init__(self):
        if not 1 <= self.days <= 14:
            raise ValueError("a tracking sheet covers 1 to 14 days")

    @property
    def day_labels(self) -> tuple[tuple[str, str], ...]:
        """Two-line column headings: ('Mon', '2 Mar')…, or ('Day', '1')… when there is no first day."""
        if self.first_day is None:
            return tuple(("Day", str(n)) for n in range(1, self.days + 1))
        dates = (self.first_day + dt.timedelta(days=n) for n in range(self.days))
        return tuple((f"{d:%a}", f"{d.day} {d:%b}") for d in dates)


@dataclass(frozen=True)
class HandoutContext:
    """Everything one patient handout prints, as plain values."""

    clinic: ClinicInfo
    patient: PatientInfo
    therapist_name: str
    printed_on: dt.date
    plan_digest: str  # hex digest of the approved plan revision (CS-09)
    protocol: ProtocolInfo
    stage_title: str  # the current stage, in the patient's words
    exercises: tuple[HomeExercise, ...]
    options: HandoutOptions = field(default_factory=HandoutOptions)
    condition: str = ""  # one or two plain sentences about the condition
    timeline: tuple[StageSummary, ...] = ()
    avoid: tuple[str, ...] = ()  # local contraindications in words
    precautions: tuple[str, ...] = ()
    stop_and_call: tuple[StopAndCall, ...] = ()
    overrides: tuple[str, ...] = ()  # overridden contraindications, in plain words
    next_stage: NextStagePreview | None = None
    tracking: TrackingSheet | None = field(default_factory=TrackingSheet)
    notes: str = ""  # the therapist's notes for the patient

    def __post_init__(self):
        _cap_fields(self, {"therapist_name": NAME_CHARS, "stage_title": NAME_CHARS, "condition": TEXT_CHARS,
                           "notes": TEXT_CHARS})
        digest = self.plan_digest.strip().lower()
        if not DIGEST.match(digest):
            raise ValueError("plan_digest must be a hex digest of at least 12 characters (CS-09)")
        _set(self, "plan_digest", digest)
        _set(self, "avoid", cap_lines(self.avoid))
        _set(self, "precautions", cap_lines(self.precautions))
        _set(self, "overrides", cap_lines(self.overrides, limit=TEXT_CHARS, items=10))
        _limit_items(self, "exercises", items=MAX_EXERCISES)
        _limit_items(self, "timeline", items=12)
        _limit_items(self, "stop_and_call", items=4)

    @property
    def plan_digest_short(self) -> str:
        """The first 12 characters of the digest: enough to tell revisions apart on paper."""
        return self.plan_digest[:SHORT_DIGEST_CHARS]

    @property
    def current_stage(self) -> StageSummary | None:
        """The timeline entry marked as current, if any."""
        return next((s for s in self.timeline if s.is_current), None)


# ---------------------------------------------------------------------------------------------- therapist summary


@dataclass(frozen=True)
class ExerciseDose:
    """One line of a stage in the therapist summary: technique and dose."""

    name: str
    dose: str  # 'minutes 5, light pressure' or the plain-words dose
    where: str = ""  # 'clinic' or 'home'

    def __post_init__(self):
        _cap_fields(self, {"name": NAME_CHARS, "dose": LINE_CHARS, "where": 20})


@dataclass(frozen=True)
class SummaryStage:
    """One stage of the plan with its start and doses."""

    title: str
    when: str  # 'from 14 March 2026', 'after healing is confirmed'
    is_current: bool = False
    items: tuple[ExerciseDose, ...] = ()

    def __post_init__(self):
        _cap_fields(self, {"title": NAME_CHARS, "when": NAME_CHARS})
        _limit_items(self, "items", items=20)


@dataclass(frozen=True)
class Finding:
    """One screening finding the therapist should see again: the question, the answer, its category."""

    label: str
    answer: str
    category: str = ""  # absolute / refer / local / relative

    def __post_init__(self):
        _cap_fields(self, {"label": LINE_CHARS, "answer": NAME_CHARS, "category": 40})


@dataclass(frozen=True)
class OverrideRecord:
    """A contraindication a therapist overrode: what, why, who, when."""

    finding: str
    reason: str
    by: str
    on: dt.date

    def __post_init__(self):
        _cap_fields(self, {"finding": LINE_CHARS, "reason": TEXT_CHARS, "by": NAME_CHARS})


@dataclass(frozen=True)
class TherapistSummaryContext:
    """The one-page therapist summary of the same plan revision."""

    clinic: ClinicInfo
    patient: PatientInfo
    therapist_name: str
    printed_on: dt.date
    plan_digest: str
    protocol: ProtocolInfo
    stages: tuple[SummaryStage, ...]
    paper: str = "A4"
    findings: tuple[Finding, ...] = ()
    overrides: tuple[OverrideRecord, ...] = ()
    precautions: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self):
        _cap_fields(self, {"therapist_name": NAME_CHARS, "notes": TEXT_CHARS})
        if self.paper not in PAPER_SIZES:
            raise ValueError(f"paper must be one of {PAPER_SIZES}, not {self.paper!r}")
        digest = self.plan_digest.strip().lower()
        if not DIGEST.match(digest):
            raise ValueError("plan_digest must be a hex digest of at least 12 characters (CS-09)")
        _set(self, "plan_digest", digest)
        _set(self, "precautions", cap_lines(self.precautions))
        for name in ("stages", "findings", "overrides"):
            _limit_items(self, name, items=MAX_ITEMS)

    @property
    def plan_digest_short(self) -> str:
        """The first 12 characters of the digest."""
        return self.plan_digest[:SHORT_DIGEST_CHARS]
