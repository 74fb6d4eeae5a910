"""The application factory: defaults -> instance/config.py -> CLINIC_* environment -> test mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config, Flask

from clinic import db as dbsetup
from clinic.config import DEFAULTS
from clinic.extensions import csrf, db, migrate
from clinic.proxy import TrustedProxyFix, parse_networks

ROOT = Path(__file__).resolve().parent.parent
WEAK_SECRETS = {"dev", "secret", "change-me", "changeme", "development"}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to change."""


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


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` is applied last, so tests can override anything."""
    app = Flask(
        __name__,
        instance_path=instance_path(),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(build_config(test_config))
    _finish_config(app)
    from clinic.auth import passwords

    passwords.use(time_cost=app.config["PASSWORD_HASH_TIME_COST"], memory_kib=app.config["PASSWORD_HASH_MEMORY_KIB"],
                  parallelism=app.config["PASSWORD_HASH_PARALLELISM"])
    from clinic import security

    security.install_converters(app)  # before any route is added
    security.install_body_check(app)  # before CSRF, which would call an unreadable body an expired form

    app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXY_NETWORKS"], app.config["FORWARDED_HOPS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    with app.app_context():
        dbsetup.configure_engine(db.engine)
    dbsetup.init_app(app)  # before anything that reads the database in a request

    from clinic import library

    library.init_app(app)
    security.init_app(app)

    from clinic.admin.routes import bp as admin_bp
    from clinic.auth.routes import bp as auth_bp
    from clinic.main.routes import bp as main_bp
    from clinic.patients.routes import bp as patients_bp
    from clinic.plans import review_routes  # noqa: F401  (its views are on the plans blueprint)
    from clinic.plans.routes import bp as plans_bp
    from clinic.protocols.routes import bp as protocols_bp
    from clinic.screening.routes import bp as screening_bp
    from clinic.settings.routes import bp as settings_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(patients_bp)
    app.register_blueprint(protocols_bp)
    app.register_blueprint(screening_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(settings_bp)

    from clinic import cli, errors, templating

    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _finish_config(app: Flask) -> None:
    """Derive the database URL and refuse to run with an unsafe secret outside debug and tests."""
    cfg = app.config
    url = cfg.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'clinic.sqlite3'}"
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
