"""Dashboard and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from clinic import schema
from clinic.extensions import db
from clinic.models import AuditEvent

bp = Blueprint("main", __name__)

ACTION_WORDS = {
    "login": "Logged in",
    "logout": "Logged out",
    "login_failed": "Failed login",
    "session_timeout": "Logged out after inactivity",
    "password_change": "Changed password",
    "account_create": "Added an account",
    "account_update": "Changed an account",
    "clinic_settings": "Changed the clinic settings",
}


@bp.route("/")
def dashboard():
    """The signed-in user's start page."""
    recent = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == g.user.id).order_by(AuditEvent.id.desc()).limit(8)
    ).all()
    return render_template("main/dashboard.html", recent=recent, action_words=ACTION_WORDS)


@bp.route("/health")
def health():
    """For load balancers: 200 when the database answers and its schema is this code's; 503 saying which not."""
    try:
        problem = schema.pending_migrations(schema.recorded_heads(db.session))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("health check: the database does not answer", exc_info=True)
        return {"status": "unavailable", "problem": "the database does not answer"}, 503
    if problem is not None:
        return {"status": "unavailable", "problem": problem}, 503
    return {"status": "ok"}
