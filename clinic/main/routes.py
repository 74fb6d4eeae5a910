"""Dashboard and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from sqlalchemy.exc import SQLAlchemyError

from clinic import schema
from clinic.clock import now, today
from clinic.extensions import db
from clinic.library import library
from clinic.main import today as today_lists
from clinic.models import Role
from clinic.plans import operations as plan_ops

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
    """The signed-in user's start page: for clinicians, their patients of late, plans to review and screenings
    about to expire (names clickable); for everyone, their own account activity (patients are named above)."""
    recent = today_lists.own_activity(db.session, g.user.id)
    clinical = g.user.has_role(Role.ADMIN, Role.THERAPIST)
    lists = {}
    if clinical:
        lists = {
            "seen": today_lists.seen_recently(db.session, g.user.id, g.user.clinic_id, now()),
            "review": plan_ops.plans_needing_review(db.session, g.user.clinic_id, library=library(), today=today()),
            "expiring": today_lists.screenings_expiring(db.session, g.user.clinic_id, today()),
        }
    return render_template("main/dashboard.html", recent=recent, action_words=ACTION_WORDS, clinical=clinical,
                           today=today(), recent_days=today_lists.RECENT_DAYS,
                           expiring_days=today_lists.EXPIRING_DAYS, **lists)


@bp.app_template_global()
def protocol_title(protocol_id: str | None) -> str:
    """A screening's or plan's condition in words ("General screening" for none)."""
    if protocol_id is None:
        return "General screening"
    return library().title_of(protocol_id, "A condition no longer in the protocols") or ""


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
