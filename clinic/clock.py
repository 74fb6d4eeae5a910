"""The one place the web layer asks for the time, so tests can inject a clock (config ``NOW``), and for the
clinic's own calendar day (WF-02): "today" is the date on the clinic's wall, not in Greenwich."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, has_request_context

from clinic import localtime


def now() -> dt.datetime:
    """The current aware UTC datetime from the app's configured clock."""
    return current_app.config["NOW"]()


def zone_name(clinic=None) -> str:
    """The IANA zone of ``clinic``, or of the logged-in user's clinic; UTC outside a request."""
    if clinic is None and has_request_context():
        user = g.get("user")
        clinic = user.clinic if user is not None else None
    return getattr(clinic, "time_zone", None) or localtime.UTC_NAME


def today(clinic=None) -> dt.date:
    """The clinic's date now (a clinic in UTC−8 at 20:00 is still on its own day)."""
    return localtime.local_date(now(), zone_name(clinic))
