"""Helpers for sweeping every route: build a URL for each rule and snapshot every table."""

from __future__ import annotations

from sqlalchemy import select

from clinic.extensions import db

# Endpoints anyone may reach without logging in (SEC-01 allow-list).
PUBLIC = {"auth.login", "static", "main.health"}

# Every other endpoint, by name. A route in neither list fails the sweep, so whoever adds one
# decides consciously that it sits behind the login.
PROTECTED = {
    "main.dashboard",
    "auth.logout",
    "auth.change_password",
    "auth.still_here",
    "admin.users",
    "admin.new_user",
    "admin.edit_user",
    "admin.unlock_user",
    "settings.edit",
    "patients.index",
    "patients.search",
    "patients.new",
    "patients.show",
    "patients.history",
    "patients.edit",
    "patients.archive",
    "patients.export_json",
    "patients.export_pdf",
    "patients.hold",
    "patients.erase",
    "protocols.index",
    "protocols.show",
    "screening.start",
    "screening.result",
    "screening.override",
    "screening.clearance",
    "plans.new",
    "plans.from_screening",
    "plans.show",
    "plans.edit",
    "plans.approve",
    "plans.history",
    "plans.handout_pdf",
    "plans.current_handout",
    "plans.summary_pdf",
    "plans.record_session",
    "plans.move_stage",
    "measures.index",
    "measures.record",
    "measures.correct",
    "measures.withdraw",
    "measures.correct_session",
    "measures.withdraw_session",
    "measures.diary_back",
    "letters.index",
    "letters.new",
    "letters.edit",
    "letters.letter_pdf",
    "plans.review",
    "plans.reviewed",
}

SAMPLE_ARGS = {"integer": 1, "int": 1, "databaseid": 1, "string": "x", "path": "x", "default": "x"}


def all_rules(app):
    """(rule, method, url) for every rule and method except HEAD/OPTIONS."""
    out = []
    for rule in app.url_map.iter_rules():
        values = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            values[name] = SAMPLE_ARGS.get(kind, "x")
        if rule.endpoint == "static":
            values = {"filename": "app.css"}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method, url))
    return out


def snapshot(app, exclude: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table (ordered), to prove a request changed nothing."""
    with app.app_context():
        result = {}
        for table in db.metadata.sorted_tables:
            if table.name in exclude:
                continue
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            result[table.name] = [tuple(r) for r in rows]
        db.session.rollback()
        return result
