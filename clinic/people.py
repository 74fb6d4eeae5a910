"""People as others read them (WF-07): a stored login e-mail is shown as the person's name.

Records keep the login that acted (``approved_by``, ``recorded_by``, ``PatientChange.actor``…): it is what the
audit trail matches on. Pages and PDFs pass it through :func:`name_of`; only the account admin page and the
login form ever show an e-mail.
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import User

COMMAND_LINE = "cli"  # the actor of changes made with the `clinic` command
COMMAND_LINE_WORDS = "an administrator (command line)"
UNKNOWN = "a person outside this clinic"


def _names() -> dict[str, str]:
    """login -> name, filled on first use and kept for the request (or app context)."""
    cache = g.get("_people_names")
    if cache is None:
        cache = {}
        user = g.get("user")
        if user is not None:
            rows = db.session.execute(select(User.email, User.full_name).where(User.clinic_id == user.clinic_id))
            cache.update({email.lower(): name for email, name in rows})
        g._people_names = cache
    return cache


def name_of(login: str | None) -> str:
    """The name of the person behind ``login``; a value that is no login (already a name) is kept as it is."""
    if not login:
        return ""
    if login == COMMAND_LINE:
        return COMMAND_LINE_WORDS
    if "@" not in login:
        return login  # a name typed by a person ("Dr L. Osei") or a test actor: nothing to hide
    if not has_app_context():
        return UNKNOWN
    names = _names()
    key = login.lower()
    if key not in names:
        # Logins are unique across the installation; an account of the clinic added since, or a moved one.
        names[key] = db.session.scalar(select(User.full_name).where(User.email == key)) or UNKNOWN
    return names[key] or UNKNOWN
