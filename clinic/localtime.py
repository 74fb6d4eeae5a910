"""Dates and times as the clinic reads them (WF-02): the one home for "the clinic's today" and for formatting.

Stored times stay aware UTC; they are turned into the clinic's time zone (an IANA name, a clinic setting) only
when a person reads them; the words of a day are the domain's (``clinic.domain.wording.format_day``, one
spelling everywhere, independent of the server's locale). No Flask here: operations, PDFs and the CLI call
these with the clinic's zone; ``clinic.clock`` supplies the zone of the logged-in user's clinic in a request.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from clinic.domain import wording

UTC_NAME = "UTC"
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def zone_names() -> frozenset[str]:
    """Every IANA time zone name this machine knows (the settings form offers these); not the machine's own
    ``localtime`` link or tzdata's placeholders, which follow whatever the server is set to."""
    return frozenset(available_timezones()) - NOT_ZONES


def is_zone(name: str) -> bool:
    """True when ``name`` is an IANA zone such as ``Europe/London`` or ``America/Los_Angeles``."""
    if not name or name not in zone_names():  # the list, not ZoneInfo(): "localtime" or a path is no zone
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@functools.cache
def zone(name: str | None) -> ZoneInfo:
    """The zone called ``name``; UTC when it is empty or unknown (a stored setting is validated on save)."""
    if name and is_zone(name):
        return ZoneInfo(name)
    return ZoneInfo(UTC_NAME)


def local(moment: dt.datetime, zone_name: str | None) -> dt.datetime:
    """``moment`` (aware, normally UTC) as the clock on the clinic's wall shows it."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in the clinic's time line")
    return moment.astimezone(zone(zone_name))


def local_date(moment: dt.datetime, zone_name: str | None) -> dt.date:
    """The clinic's calendar day at ``moment``: 20:00 in UTC−8 is still that day, not tomorrow."""
    return local(moment, zone_name).date()


def format_day(value: dt.date | dt.datetime | None, zone_name: str | None = None) -> str:
    """'14 March 2026'; a datetime is first moved into the clinic's zone, so its day is the clinic's day."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local_date(value, zone_name)
    return wording.format_day(value)


def format_when(value: dt.datetime | None, zone_name: str | None = None) -> str:
    """'14 March 2026, 09:30' on the clinic's clock."""
    if value is None:
        return ""
    moment = local(value, zone_name)
    return f"{wording.format_day(moment.date())}, {moment:%H:%M}"


def format_time(value: dt.datetime | None, zone_name: str | None = None) -> str:
    """'09:30' on the clinic's clock."""
    if value is None:
        return ""
    return f"{local(value, zone_name):%H:%M}"
