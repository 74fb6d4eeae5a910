"""The one place the web layer asks for the time, so tests can inject a clock (config ``NOW``)."""

from __future__ import annotations

import datetime as dt

from flask import current_app


def now() -> dt.datetime:
    """The current aware UTC datetime from the app's configured clock."""
    return current_app.config["NOW"]()
