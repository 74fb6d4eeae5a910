"""Migrations build exactly the schema the models describe (no create_all outside tests)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from clinic.extensions import db


def test_migrations_upgrade_an_empty_database_to_the_models_schema(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ; run `clinic db migrate`: {diff}"
        assert "users" in inspect(db.engine).get_table_names()
