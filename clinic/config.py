"""Safe defaults. Every setting can be overridden by instance/config.py, then CLINIC_* environment
variables, then the mapping passed to create_app() (tests)."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """The real clock: an aware UTC datetime (tests inject their own ``NOW``)."""
    return dt.datetime.now(dt.UTC)


DEFAULTS: dict[str, object] = {
    # SQLite file in the instance folder unless CLINIC_DATABASE_URL says otherwise.
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    # Key for the audit hash chain; derived from SECRET_KEY when not set.
    "AUDIT_KEY": None,
    "SESSION_COOKIE_NAME": "clinic_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Login sessions: a row per login, checked on every request.
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_LIFETIME_HOURS": 12,
    # A login counts as fresh for sensitive actions (override) this long.
    "FRESH_LOGIN_MINUTES": 5,
    # Throttle (SEC-23, clinic/auth/throttle.py): this many failures in the window throttle an account for
    # browsers it never logged in from (and a remembered browser for itself); the client limit counts every
    # account's failures from one address. A browser that logged in before is remembered this many days.
    "LOGIN_MAX_FAILURES": 10,
    "LOGIN_MAX_CLIENT_FAILURES": 30,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "REMEMBER_DEVICE_DAYS": 90,
    "DEVICE_COOKIE_NAME": "clinic_device",
    # Password hashes: argon2id at argon2-cffi's default cost (RFC 9106's low-memory profile), which meets
    # ASVS 5.0 at about 120 ms a hash (RELIABILITY.md pitfall 4). Outside tests and debug, a cost below
    # OWASP's floor (19 MiB, 2 passes) is refused; the tests lower it (tests/conftest.py) to save minutes.
    "PASSWORD_HASH_TIME_COST": 3,
    "PASSWORD_HASH_MEMORY_KIB": 65536,
    "PASSWORD_HASH_PARALLELISM": 4,
    "SCREENING_VALID_DAYS": 30,
    # Stored handout PDFs of a revision replaced by a newer one this many days ago are deleted by
    # `clinic prune-handouts` (run it daily); they render again from the unchanging revision if ever asked for.
    "SUPERSEDED_HANDOUT_DAYS": 90,
    # Extra protocol folders of the clinic, searched after ours (colon-separated in the environment).
    "PROTOCOL_DIRS": [],
    # Uploads and form posts larger than this are refused with 413.
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the login session
    "PAPER_SIZE": "A4",
    # Behind a TLS-terminating proxy: its address(es), comma-separated ("127.0.0.1, ::1"). Only requests
    # coming straight from these may set X-Forwarded-For/-Proto (SEC-27); empty trusts nobody.
    "TRUSTED_PROXIES": "",
    # How many proxies in a row add to X-Forwarded-For (1: the browser talks to our proxy directly).
    "FORWARDED_HOPS": 1,
    "NOW": utc_now,
}
