"""Who is asking: the login session behind every request, the login wall, roles and security headers.

Every endpoint needs a valid login session except those in ``PUBLIC_ENDPOINTS``; a new route is
protected without anyone remembering to add a decorator (fail closed).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from clinic.auth import operations as auth_ops
from clinic.auth import throttle
from clinic.clock import now
from clinic.extensions import db
from clinic.inputs import MAX_ID
from clinic.transactions import SAFE_METHODS

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "main.health"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every URL: a whole number a database id can be, so anything else is a 404.

    Without the bound, ``/patients/9223372036854775808`` reached the database and failed with an
    overflow (a 500; on PostgreSQL anything past 2^31 - 1). Installed as the app's ``int`` converter, so
    no route can forget it.
    """

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 0, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app: Flask) -> None:
    """Make ``int`` the bounded id converter; call before any blueprint adds its routes."""
    app.url_map.converters["int"] = DatabaseIdConverter


class UnreadableBody(BadRequest):
    """The body of a form post is not UTF-8: say so, instead of the "form has expired" it used to cause."""

    description = "unreadable"


def install_body_check(app: Flask) -> None:
    """Check the encoding of form posts; call before CSRF is set up, so this runs first.

    Werkzeug drops a whole urlencoded body whose bytes are not UTF-8 (so the CSRF token looked missing) and
    replaces bad bytes in multipart parts with U+FFFD; either way what the user typed cannot be read.
    """
    app.before_request(check_body_encoding)


def check_body_encoding() -> None:
    """Raise UnreadableBody when a form post is not valid UTF-8 (413 when over the size cap)."""
    if request.method in SAFE_METHODS:
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)  # the form parser reads the cached copy afterwards
        try:
            for pair in raw.split(b"&"):
                unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableBody() from None
    elif request.mimetype == "multipart/form-data" and any("\ufffd" in v for v in request.form.values()):
        raise UnreadableBody()


def init_app(app: Flask) -> None:
    """Install the login wall and the response headers."""
    app.before_request(load_login)
    app.after_request(add_security_headers)


def load_login():
    """Find the login session for this request; end it when idle or too old; guard the login wall."""
    g.user = None
    g.login = None
    if request.endpoint == "static":
        return None  # public, and a picture loading is not the therapist being active (clinic/static_files.py)
    token = session.get("sid")
    if token:
        result = auth_ops.find_login_session(db.session, token, now(), _timeouts(), _seen_at())
        if result.login is not None:
            # The exact time of this request, signed into the cookie with the token: the idle timer
            # counts from the last request without a database write on every page (SEC-26).
            session["seen"] = now().timestamp()
            if result.touched:
                # Its own commit: a page that writes nothing (most GETs) would otherwise roll the
                # activity back, and a therapist who only reads would be logged out after the idle time.
                db.session.commit()
            g.login = result.login
            g.user = result.login.user
        else:
            session.clear()
            if result.expired_user is not None:
                _on_expired(result.expired_user)
                db.session.commit()
                return redirect(url_for("auth.login", next=_here(), expired=1))
            db.session.commit()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.endpoint is None:
            abort(404)
        return redirect(url_for("auth.login", next=_here()))
    return None


# ------------------------------------------------------------------------------------ login throttle


def login_policy() -> throttle.Policy:
    """The throttle settings of this app (SEC-23)."""
    cfg = current_app.config
    return throttle.Policy(
        max_failures=cfg["LOGIN_MAX_FAILURES"], max_client_failures=cfg["LOGIN_MAX_CLIENT_FAILURES"],
        window=dt.timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]),
        remember_device=dt.timedelta(days=cfg["REMEMBER_DEVICE_DAYS"]),
    )


def _remembered() -> list[list[str]]:
    cfg = current_app.config
    return throttle.read_devices(request.cookies.get(cfg["DEVICE_COOKIE_NAME"]), cfg["SECRET_KEY"],
                                 login_policy().remember_device)


def device_for(user_id: int) -> str:
    """The remembered-device key this browser holds for ``user_id`` ("" when it holds none)."""
    return throttle.device_key(_remembered(), user_id, current_app.config["SECRET_KEY"])


def client_address() -> str:
    """The client's address as the app sees it (the proxy's report when the deployment trusts one)."""
    return request.remote_addr or ""


def remember_device(response, user_id: int):
    """Set the signed cookie that exempts this browser from the account's lock for ``user_id``."""
    cfg = current_app.config
    value = throttle.remember(_remembered(), user_id, cfg["SECRET_KEY"])
    response.set_cookie(
        cfg["DEVICE_COOKIE_NAME"], value, max_age=int(login_policy().remember_device.total_seconds()),
        secure=bool(cfg.get("SESSION_COOKIE_SECURE")), httponly=True, samesite="Lax",
    )
    return response


def _seen_at() -> dt.datetime | None:
    seen = session.get("seen")
    if not isinstance(seen, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(seen, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _timeouts() -> auth_ops.Timeouts:
    cfg = current_app.config
    return auth_ops.Timeouts(
        idle=dt.timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
        lifetime=dt.timedelta(hours=cfg["SESSION_LIFETIME_HOURS"]),
    )


def _on_expired(user) -> None:
    """Keep whatever the user was submitting when their login expired (audited as it ended), to hand back
    after login."""
    if request.method not in SAFE_METHODS and request.endpoint not in PUBLIC_ENDPOINTS:
        auth_ops.save_form_draft(db.session, user, request.path, request.form, now())


def _here() -> str:
    """The path and query of this request, to come back to after logging in."""
    return request.full_path.rstrip("?") if request.query_string else request.path


# Control characters (C0, DEL, C1) and any whitespace: never part of a path we link to, and a CR/LF in a
# Location header made the redirect itself fail after the login was saved.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the dashboard (no open redirects, no header tricks)."""
    if not target or len(target) > 2000 or _UNSAFE_IN_NEXT.search(target):
        return url_for("main.dashboard")
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.dashboard")
    return target


def roles_required(*roles: str) -> Callable:
    """Allow the view only to accounts holding one of ``roles`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None or not g.user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def add_security_headers(response):
    """CSP, framing, sniffing and caching headers; nothing behind the login is cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # same-origin, not no-referrer: over HTTPS Flask-WTF refuses a form post without a Referer of this site
    # (WTF_CSRF_SSL_STRICT), and no-referrer made every post fail behind a TLS proxy (SEC-27). Other sites
    # still get no Referer at all, and our URLs carry no names (PRIV-05).
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
