"""Accounts and login sessions: verbs that take the DB session, flush and never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from clinic.models import Clinic, FormDraft, LoginFailure, LoginSession, Role, User

# argon2id with argon2-cffi's defaults (t=3, 64 MiB, p=4) meets ASVS 5.0 (RELIABILITY.md pitfall 4).
_hasher = PasswordHasher()
# A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not a real password")

MIN_PASSWORD_LENGTH = 12


class LoginThrottled(Exception):
    """Too many failed logins for this account in the window; ``retry_after`` is when it reopens."""

    def __init__(self, retry_after: dt.datetime):
        self.retry_after = retry_after
        super().__init__("too many failed logins")


class AccountError(ValueError):
    """An account change that cannot be made; the message is for the user."""


@dataclass(frozen=True)
class Timeouts:
    """How long a login lasts without activity, and at most."""

    idle: dt.timedelta
    lifetime: dt.timedelta


@dataclass(frozen=True)
class SessionLookup:
    """The live login session, or why there is none (and whose it was, when it just expired)."""

    login: LoginSession | None
    reason: str = ""
    expired_user: User | None = None
    touched: bool = False  # last_seen_at moved on: the caller commits it, or the idle timer never resets


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    """Raise AccountError when the password is too short to be safe."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def authenticate(
    db: Session, email: str, password: str, now: dt.datetime, max_failures: int, window: dt.timedelta
) -> User | None:
    """The active user with these credentials, or None; raises LoginThrottled when locked out.

    Failures are rows in the database, so every worker counts the same ones.
    """
    email = normalise_email(email)
    since = now - window
    failures = db.scalars(
        select(LoginFailure.at).where(LoginFailure.email == email, LoginFailure.at > since).order_by(LoginFailure.at)
    ).all()
    if len(failures) >= max_failures:
        raise LoginThrottled(retry_after=failures[-max_failures] + window)
    user = db.scalars(select(User).where(User.email == email)).first()
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        db.add(LoginFailure(email=email, at=now))
        db.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.execute(delete(LoginFailure).where(LoginFailure.email == email))
    db.flush()
    return user


def start_login_session(db: Session, user: User, now: dt.datetime, user_agent: str = "") -> str:
    """Create a login session row and return the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    db.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
            user_agent=user_agent[:300],
        )
    )
    db.flush()
    return token


# Refresh last_seen at most this often, so reading pages does not write on every request.
_TOUCH_EVERY = dt.timedelta(seconds=60)


def find_login_session(db: Session, token: str, now: dt.datetime, timeouts: Timeouts) -> SessionLookup:
    """The live session for ``token``; idle or over-age sessions are deleted and reported."""
    # One round trip for the session, its user and their clinic (every page shows all three).
    login = db.scalars(
        select(LoginSession).options(joinedload(LoginSession.user).joinedload(User.clinic))
        .where(LoginSession.token_hash == _token_hash(token))
    ).first()
    if login is None:
        return SessionLookup(None, "unknown")
    user = login.user
    reason = ""
    if not user.active:
        reason = "account disabled"
    elif now - login.last_seen_at > timeouts.idle:
        reason = "idle timeout"
    elif now - login.created_at > timeouts.lifetime:
        reason = "session lifetime reached"
    if reason:
        db.delete(login)
        db.flush()
        return SessionLookup(None, reason, expired_user=user)
    if now - login.last_seen_at >= _TOUCH_EVERY:
        login.last_seen_at = now
        db.flush()
        return SessionLookup(login, touched=True)
    return SessionLookup(login)


def end_login_session(db: Session, login: LoginSession) -> None:
    """Log out this one session."""
    db.delete(login)
    db.flush()


def end_all_sessions(db: Session, user: User) -> None:
    """Log the user out everywhere (password change, account disabled)."""
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.flush()


def change_password(db: Session, user: User, current: str, new: str, now: dt.datetime) -> None:
    """Change the password after checking the current one; ends every login session of the user."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AccountError("Your current password is not right.") from None
    check_password_strength(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    end_all_sessions(db, user)


def get_or_create_clinic(db: Session, name: str, now: dt.datetime, defaults: Mapping[str, object] | None = None
                         ) -> Clinic:
    """The clinic with this name, created when new (with the column values in ``defaults``)."""
    clinic = db.scalars(select(Clinic).where(Clinic.name == name)).first()
    if clinic is None:
        clinic = Clinic(name=name, created_at=now, **(defaults or {}))
        db.add(clinic)
        db.flush()
    return clinic


def create_user(
    db: Session, *, clinic: Clinic, email: str, full_name: str, role: str, password: str, now: dt.datetime
) -> User:
    """Add an account; raises AccountError for a taken email, unknown role or weak password."""
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}.")
    if db.scalars(select(User.id).where(func.lower(User.email) == email)).first() is not None:
        raise AccountError("An account with this email already exists.")
    check_password_strength(password)
    user = User(
        clinic_id=clinic.id,
        email=email,
        full_name=full_name.strip(),
        role=role,
        password_hash=hash_password(password),
        active=True,
        created_at=now,
    )
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, user: User, *, full_name: str, role: str, active: bool, acting: User) -> list[str]:
    """Change name, role or active flag; returns the changed field names. Disabling logs the user out."""
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}.")
    if user.id == acting.id and (not active or role != Role.ADMIN):
        raise AccountError("You cannot disable your own account or remove your own administrator role.")
    changed = [
        name
        for name, old, new in (("full_name", user.full_name, full_name.strip()), ("role", user.role, role),
                               ("active", user.active, active))
        if old != new
    ]
    user.full_name, user.role, user.active = full_name.strip(), role, active
    if not active or "role" in changed:
        end_all_sessions(db, user)
    db.flush()
    return changed


def save_form_draft(db: Session, user: User, path: str, form: Mapping[str, str], now: dt.datetime) -> None:
    """Keep what the user typed into a form when their login expired (never passwords or tokens)."""
    data = {
        key: form.getlist(key) if hasattr(form, "getlist") else [form[key]]
        for key in form
        if key != "csrf_token" and "password" not in key
    }
    db.execute(delete(FormDraft).where(FormDraft.user_id == user.id, FormDraft.path == path))
    db.add(FormDraft(user_id=user.id, path=path, data=data, created_at=now))
    db.flush()


def find_form_draft(db: Session, user: User, path: str, now: dt.datetime, max_age: dt.timedelta) -> dict | None:
    """What this user typed on ``path`` before their login expired, if recent enough (read only)."""
    draft = db.scalars(select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.path == path)).first()
    if draft is None or now - draft.created_at > max_age:
        return None
    return draft.data


def discard_form_drafts(db: Session, user: User, path: str | None = None) -> None:
    """Forget the user's drafts (on ``path`` only, when given): the form was sent successfully."""
    query = delete(FormDraft).where(FormDraft.user_id == user.id)
    if path is not None:
        query = query.where(FormDraft.path == path)
    db.execute(query)
    db.flush()
