"""The patient's timeline, an extension point for features (screenings, plans, sessions, handouts):
``timeline_source`` registers a function ``(session, patient) -> iterable of TimelineEntry`` whose entries appear
on the timeline, at import time of the feature's ``operations`` module (the blueprint import in ``create_app``
imports it). The tables a patient's rows live in are listed in clinic/patients/tables.py instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


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


TimelineSource = Callable[[Session, object], Iterable[TimelineEntry]]
TIMELINE_SOURCES: list[TimelineSource] = []


def timeline_source(function: TimelineSource) -> TimelineSource:
    """Decorator: add ``function``'s entries to every patient timeline."""
    if function not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(function)
    return function


def timeline(session: Session, patient, *, clinical: bool, limit: int = 100) -> list[TimelineEntry]:
    """Every source's entries for ``patient``, newest first; without clinical ones when ``clinical`` is False."""
    entries = [e for source in TIMELINE_SOURCES for e in source(session, patient) if clinical or not e.clinical]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
