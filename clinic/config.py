"""The settings and their errors: safe defaults, then instance/config.py, then CLINIC_* environment variables,
then the mapping passed to create_app() (tests); checked once (``finish_config``), with a ConfigError that says
what to change. Reading them needs no app, so commands that must work when the app cannot start use them too."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config

from clinic.proxy import parse_networks

ROOT = Path(__file__).resolve().parent.parent
WEAK_SECRETS = {"dev", "secret", "change-me", "changeme", "development"}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to change."""


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


def env_config(environ: Mapping[str, str], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Read ``CLINIC_<KEY>`` variables, converted to the type of the default for KEY."""
    out: dict[str, Any] = {}
    for key, default in defaults.items():
        raw = environ.get(f"CLINIC_{key}")
        if raw is None or callable(default):
            continue
        if isinstance(default, bool):
            out[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, int) and not isinstance(default, bool):
            out[key] = int(raw)
        elif isinstance(default, list):
            out[key] = [part for part in raw.split(os.pathsep) if part]
        else:
            out[key] = raw
    return out


def instance_path() -> str:
    """The instance folder: CLINIC_INSTANCE_PATH or instance/ beside the package."""
    return os.environ.get("CLINIC_INSTANCE_PATH") or str(ROOT / "instance")


def build_config(test_config: Mapping[str, Any] | None = None) -> Config:
    """The layered settings without building an app (for commands that must run when the app cannot)."""
    config = Config(instance_path())
    config.from_mapping(DEFAULTS)
    config.from_pyfile("config.py", silent=True)
    config.update(env_config(os.environ, DEFAULTS | {"TESTING": False, "DEBUG": False}))
    if test_config is not None:
        config.update(test_config)
    return config


def protocol_dirs(config: Mapping[str, Any]) -> list[Path]:
    """Our protocol folder first, then the clinic's own folders in the order given."""
    return [ROOT / "protocols", *(Path(d) for d in config.get("PROTOCOL_DIRS") or [])]


def finish_config(cfg: dict[str, Any], instance_folder: str) -> None:
    """Derive the database URL and the proxy networks; raise ConfigError, saying what to change, for an unsafe
    secret or password hash outside debug and tests, or a setting that cannot work."""
    url = cfg.get("DATABASE_URL") or f"sqlite:///{Path(instance_folder) / 'clinic.sqlite3'}"
    cfg["DATABASE_URL"] = url
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not url.startswith("sqlite"):
        # connect_timeout: a database host that does not answer fails /health in seconds, not minutes.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5},
                                            **cfg["SQLALCHEMY_ENGINE_OPTIONS"]}
    try:
        cfg["TRUSTED_PROXY_NETWORKS"] = parse_networks(cfg.get("TRUSTED_PROXIES") or "")
    except ValueError as exc:
        raise ConfigError(f"{exc}. Give the proxy's addresses, comma-separated, like 127.0.0.1, ::1.") from None
    if int(cfg.get("FORWARDED_HOPS") or 0) < 1:
        raise ConfigError("FORWARDED_HOPS must be 1 or more (the number of proxies in front of clinic).")
    secret = cfg.get("SECRET_KEY")
    relaxed = cfg.get("TESTING") or cfg.get("DEBUG")
    if not relaxed and (not secret or len(str(secret)) < 32 or str(secret).lower() in WEAK_SECRETS):
        raise ConfigError(
            "SECRET_KEY is missing, a known default or shorter than 32 characters. "
            "Set a long random value in instance/config.py or CLINIC_SECRET_KEY "
            "(`make run` writes one for you on first run)."
        )
    if not relaxed and (int(cfg["PASSWORD_HASH_MEMORY_KIB"]) < 19456 or int(cfg["PASSWORD_HASH_TIME_COST"]) < 2):
        raise ConfigError("PASSWORD_HASH_MEMORY_KIB below 19456 or PASSWORD_HASH_TIME_COST below 2 makes passwords "
                          "cheap to guess from a stolen database. Remove them to use the safe defaults.")
    audit_key = cfg.get("AUDIT_KEY")
    if not audit_key:
        # Installs before AUDIT_KEY existed: the key their audit rows were signed with. Changing SECRET_KEY
        # would then make every row look forged; the README says how to pin this value first.
        cfg["AUDIT_KEY"] = f"audit:{secret}"
        cfg["AUDIT_KEY_DERIVED"] = True
    elif not relaxed and len(str(audit_key)) < 32:
        raise ConfigError("AUDIT_KEY is shorter than 32 characters. Set a long random value in instance/config.py "
                          "or CLINIC_AUDIT_KEY, and keep it: the audit trail is verified with it.")
