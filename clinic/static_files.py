"""Static files (the stylesheet, the idle warning's script, the exercise drawings) are fetched once per browser.

Every link to a static file carries a short hash of the file's content (``/static/app.css?v=3f2a…``), and a
response to such a link may be kept for a year without asking again: a new release with a changed file links to
a new address, so no browser keeps an old stylesheet. Without this every page asked again for each file (a
round trip through the app for each picture on a plan page), and a page's stylesheet waited behind the answer.

Static files are public (the login page needs its stylesheet), so they never look up the login: a picture
loading does not count as the therapist being active either.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, request

A_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Version every static URL by its content; let browsers keep a versioned file."""
    folder = Path(app.static_folder or "")

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            version = content_version(folder / values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def keep_versioned(response):
        if request.endpoint == "static" and response.status_code == 200 and request.args.get("v"):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = A_YEAR
            response.cache_control.immutable = True
        return response


@cache
def content_version(path: Path) -> str:
    """The first 12 hex digits of the file's SHA-256, or "" when there is no such file (read once a process)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return ""
