"""The application factory: defaults -> instance/config.py -> CLINIC_* environment -> test mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from clinic import transactions
from clinic.auth import passwords
from clinic.config import ROOT, build_config, finish_config, instance_path
from clinic.extensions import csrf, db, migrate
from clinic.proxy import TrustedProxyFix


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` is applied last, so tests can override anything."""
    app = Flask(
        __name__,
        instance_path=instance_path(),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(build_config(test_config))
    finish_config(app.config, app.instance_path)
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
        transactions.configure_engine(db.engine)
    transactions.init_app(app)  # before anything that reads the database in a request

    from clinic import library

    library.init_app(app)
    from clinic.measures import wording

    wording.init_app(app)
    security.init_app(app)

    from clinic.admin.routes import bp as admin_bp
    from clinic.auth.routes import bp as auth_bp
    from clinic.letters.routes import bp as letters_bp
    from clinic.main.routes import bp as main_bp
    from clinic.measures.routes import bp as measures_bp
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
    app.register_blueprint(measures_bp)
    app.register_blueprint(letters_bp)
    app.register_blueprint(settings_bp)

    from clinic import cli, errors, static_files, templating, widget_params

    widget_params.install()
    errors.init_app(app)
    templating.init_app(app)
    static_files.init_app(app)
    cli.init_app(app)
    return app


