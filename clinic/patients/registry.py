"""Extension points for features (screenings, plans, sessions, handouts).

* ``timeline_source``: a function ``(session, patient, window) -> iterable of TimelineEntry`` whose entries appear on
  the patient's timeline; register it at import time of the feature's ``operations`` module (the blueprint import in
  ``create_app`` imports it). It reads at most the window's newest rows of each kind, columns rather than whole rows
  where that is enough, with queries built once (``newest_first``), and names people from ``window.people``.
* What an import ``check`` of a patient table is given (``ImportContext``) and the helpers to build one
  (``text_caps``, ``all_of``); every text, date and JSON value is already checked by type before it runs. The
  tables themselves are listed in clinic/patients/tables.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy.orm import Session

from clinic import localtime
from clinic.models import Clinic
from clinic.staff import Staff, clinic_staff


@dataclass(frozen=True)
class ImportContext:
    """What an import ``check`` may consult: the session (rows imported so far are flushed), the new patient
    row and the time of the import."""

    db: Session
    patient: Any
    now: dt.datetime

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The patient's clinic's date at ``moment`` (WF-02)."""
        clinic = self.db.get(Clinic, self.patient.clinic_id)
        return localtime.local_date(moment, clinic.time_zone if clinic is not None else None)

    def not_after_now(self, name: str, moment: Any) -> list[str]:
        """A problem when a recorded time lies after the import (a few minutes of clock difference allowed)."""
        if isinstance(moment, dt.datetime) and moment > self.now + CLOCK_SKEW:
            return [f"{name}: {moment.isoformat()} is in the future"]
        return []


# Two servers' clocks may differ a little: an export taken a moment ago elsewhere still imports.
CLOCK_SKEW = dt.timedelta(minutes=10)


def text_caps(**caps: int) -> Callable[[dict], list[str]]:
    """An import ``check`` holding text columns to the caps their web form applies: ``text_caps(note=2000)``."""

    def check(row: dict, _context: ImportContext | None = None) -> list[str]:
        return [f"{name}: at most {cap:,} characters" for name, cap in caps.items()
                if isinstance(row.get(name), str) and len(row[name]) > cap]

    return check


def all_of(*checks: Callable[[dict, ImportContext], list[str]]) -> Callable[[dict, ImportContext], list[str]]:
    """One import ``check`` made of several: every problem of each, in order."""

    def check(row: dict, context: ImportContext) -> list[str]:
        return [problem for each in checks for problem in each(row, context)]

    return check


@dataclass(frozen=True)
class TimelineEntry:
    """One line on a patient's timeline. ``clinical`` entries are hidden from reception."""

    at: dt.datetime
    title: str
    detail: str = ""
    url: str | None = None
    kind: str = "record"
    clinical: bool = True
    changes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Window:
    """Which entries a timeline source gives: its newest ``limit`` from before ``before`` (None: from now).
    A source applies both to each of its queries, so a page costs the same after ten years as after one.
    ``staff``: the clinic's staff names, read once for every source (``people`` reads them when not given)."""

    limit: int
    before: dt.datetime | None = None
    clinical: bool = True  # False: the reader sees no clinical entries, so a source need not read them
    staff: Staff | None = None

    def where(self, column) -> list:
        """The filter on ``column`` (a timestamp) for this window, as a list to splat into ``where()``."""
        return [column < self.before] if self.before is not None else []

    def people(self, session: Session, clinic_id: int) -> Staff:
        """The staff of the patient's clinic by name (people are named, never shown by e-mail)."""
        return self.staff if self.staff is not None else clinic_staff(session, clinic_id)

    def params(self, patient_id: int) -> dict[str, Any]:
        """The values of the bound parameters ``newest_first`` leaves in a query (and ``:patient_id``)."""
        return {"patient_id": patient_id, "limit": self.limit, "before": self.before}


def newest_first(query: Select, at: Any, *, before: bool) -> Select:
    """``query``'s newest rows by ``at`` in a window whose values stay bound parameters (``:limit``, and ``:before``
    when the window starts in the past): a source builds each of its queries once (``functools.cache``) and runs it
    with ``Window.params``, because building and keying a statement costs SQLAlchemy more than running it."""
    if before:
        query = query.where(at < bindparam("before"))
    return query.order_by(at.desc()).limit(bindparam("limit"))


TimelineSource = Callable[[Session, object, Window], Iterable[TimelineEntry]]
TIMELINE_SOURCES: list[TimelineSource] = []
TIMELINE_PAGE = 50


def timeline_source(function: TimelineSource) -> TimelineSource:
    """Decorator: add ``function``'s entries to every patient timeline."""
    if function not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(function)
    return function


@dataclass(frozen=True)
class TimelinePage:
    """The newest entries of a timeline page, newest first, and where the next (older) page starts."""

    entries: list[TimelineEntry]
    older: dt.datetime | None  # pass as ``before`` for the older entries; None: there are none


def timeline(session: Session, patient, *, clinical: bool, limit: int = TIMELINE_PAGE,
             before: dt.datetime | None = None, staff: Staff | None = None) -> TimelinePage:
    """The patient's newest ``limit`` entries before ``before`` from every source, newest first; without
    clinical ones when ``clinical`` is False. Each source reads at most ``limit`` rows of each kind. ``staff``:
    the clinic's staff when the page has read them already."""
    window = Window(limit + 1, before, clinical, staff or clinic_staff(session, patient.clinic_id))
    entries = [e for source in TIMELINE_SOURCES for e in source(session, patient, window)
               if (clinical or not e.clinical) and (before is None or e.at < before)]
    entries.sort(key=lambda e: e.at, reverse=True)
    page = entries[:limit]
    return TimelinePage(page, page[-1].at if len(entries) > limit else None)
