"""Staff shown by name: pages and printouts name people by their full name, never by their login e-mail.

Records keep the e-mail (and often the user id) of who did something, for the audit trail; these helpers
turn either into the name a person reads. A user who no longer exists reads as "a former member of staff".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clinic.models import User

FORMER_STAFF = "a former member of staff"
COMMAND_LINE = "cli"  # the actor stored for changes made with the `clinic` command
COMMAND_LINE_WORDS = "an administrator (command line)"


def names_by_id(db: Session, user_ids: Iterable[int | None]) -> dict[int | None, str]:
    """Full names by user id; None (a deleted user) reads as 'a former member of staff'."""
    ids = {i for i in user_ids if i is not None}
    names: dict[int | None, str] = {None: FORMER_STAFF}
    if ids:
        names.update({u.id: u.full_name for u in db.scalars(select(User).where(User.id.in_(ids)))})
    return names


def names_by_email(db: Session, clinic_id: int) -> dict[str, str]:
    """Full names of a clinic's staff by login e-mail (one query for a whole timeline)."""
    return clinic_staff(db, clinic_id).by_email


@dataclass(frozen=True)
class Staff:
    """A clinic's staff by name, from one query: a page that names many people (a timeline, a screening card)
    reads them once."""

    by_email: dict[str, str]
    by_id: dict[int, str]

    def for_email(self, email: str | None) -> str:
        """As :func:`name_for_email`."""
        return name_for_email(self.by_email, email)


_CLINIC_STAFF = select(User.id, User.email, User.full_name).where(User.clinic_id == bindparam("clinic_id"))


def clinic_staff(db: Session, clinic_id: int | None) -> Staff:
    """Every member of a clinic's staff by login e-mail and by user id."""
    rows = db.execute(_CLINIC_STAFF, {"clinic_id": clinic_id}).all() if clinic_id is not None else []
    return Staff({r.email: r.full_name for r in rows}, {r.id: r.full_name for r in rows})


def name_for_email(names: dict[str, str], email: str | None) -> str:
    """The full name for a stored e-mail, or 'a former member of staff' (never the e-mail itself). A stored
    value that is no login (``cli``, a name typed by a person) reads as itself, ``cli`` in words."""
    if email == COMMAND_LINE:
        return COMMAND_LINE_WORDS
    if email and "@" not in email:
        return email
    return names.get(email or "", FORMER_STAFF)
