"""Accounts and login sessions: verbs that take the DB session, flush and never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from clinic import audit
from clinic.auth import throttle
from clinic.auth.passwords import hash_password, matches, needs_rehash
from clinic.auth.throttle import LoginThrottled  # noqa: F401 - re-exported: callers catch ops.LoginThrottled
from clinic.models import Clinic, FormDraft, LoginSession, Role, User

MIN_PASSWORD_LENGTH = 12


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
    db: Session, email: str, password: str, now: dt.datetime, policy: throttle.Policy, client: str = "",
    device_for: Callable[[int], str] = lambda _user_id: "",
) -> User | None:
    """The active user with these credentials, or None; raises LoginThrottled, before any password hash,
    when the account, the client or the remembered device is throttled (``clinic.auth.throttle``).

    ``device_for(user_id)`` is the remembered-device key this browser holds for that account ("" for none).
    """
    email = normalise_email(email)
    user = db.scalars(select(User).where(User.email == email)).first()
    attempt = throttle.Attempt(client=client, device=device_for(user.id) if user is not None else "")
    throttle.check(db, email, attempt, now, policy)
    ok = matches(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        throttle.record_failure(db, email, attempt, now, policy)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.record_success(db, email, attempt)
    return user


@dataclass(frozen=True)
class LoggedIn:
    """A login that succeeded: the user and the token of their new login session (for the cookie)."""

    user: User
    token: str


def log_in(
    db: Session, email: str, password: str, now: dt.datetime, policy: throttle.Policy, *, client: str = "",
    device_for: Callable[[int], str] = lambda _user_id: "", user_agent: str = "",
) -> LoggedIn | None:
    """The login form: :func:`authenticate`, then a new login session, audited as ``login``; a wrong email or
    password is audited as ``login_failed`` (denied) and gives None; a throttled login is audited (throttled)
    and LoginThrottled raised after its row is written, so the caller commits it."""
    try:
        user = authenticate(db, email, password, now, policy, client=client, device_for=device_for)
    except LoginThrottled:
        audit.record(db, "login_failed", user=None, outcome="throttled", actor=normalise_email(email))
        raise
    if user is None:
        audit.record(db, "login_failed", user=None, outcome="denied", actor=normalise_email(email))
        return None
    token = start_login_session(db, user, now, user_agent)
    audit.record(db, "login", user=user)
    return LoggedIn(user, token)


def reauthenticate(
    db: Session, login: LoginSession, password: str, now: dt.datetime, policy: throttle.Policy, *,
    client: str = "", device_for: Callable[[int], str] = lambda _user_id: "",
) -> bool:
    """The signed-in user typed their password again (counted like a login attempt), audited as
    ``reauthenticate``: right, and their login counts as fresh from now (True); wrong, False; throttled,
    LoginThrottled raised after its row is written, so the caller commits it."""
    user = login.user
    try:
        found = authenticate(db, user.email, password, now, policy, client=client, device_for=device_for)
    except LoginThrottled:
        audit.record(db, "reauthenticate", user=user, outcome="throttled")
        raise
    if found is None or found.id != user.id:
        audit.record(db, "reauthenticate", user=user, outcome="denied")
        return False
    login.authenticated_at = now
    db.flush()
    audit.record(db, "reauthenticate", user=user)
    return True


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


# Write last_seen at most this often, so reading pages does not write on every request. The idle timer
# is still exact: the signed session cookie carries the time of the last request (``seen_at``).
_TOUCH_EVERY = dt.timedelta(seconds=60)


def find_login_session(
    db: Session, token: str, now: dt.datetime, timeouts: Timeouts, seen_at: dt.datetime | None = None
) -> SessionLookup:
    """The live session for ``token``; idle or over-age sessions are deleted, audited (``session_timeout``) and
    reported.

    ``seen_at`` is the last request time this server signed into the cookie with ``token``; idleness counts
    from the later of it and the stored ``last_seen_at`` (a replayed older cookie gains nothing).
    """
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
    elif now - max(login.last_seen_at, seen_at or login.last_seen_at) > timeouts.idle:
        reason = "idle timeout"
    elif now - login.created_at > timeouts.lifetime:
        reason = "session lifetime reached"
    if reason:
        db.delete(login)
        db.flush()
        audit.record(db, "session_timeout", user=user, detail=reason)
        return SessionLookup(None, reason, expired_user=user)
    if now - login.last_seen_at >= _TOUCH_EVERY:
        login.last_seen_at = now
        db.flush()
        return SessionLookup(login, touched=True)
    return SessionLookup(login)


def clinic_accounts(db: Session, clinic_id: int) -> list[User]:
    """The clinic's accounts, the active ones first, by name."""
    return list(db.scalars(select(User).where(User.clinic_id == clinic_id)
                           .order_by(User.active.desc(), User.full_name)))


def locked_accounts(db: Session, users: list[User], now: dt.datetime, policy: throttle.Policy) -> set[int]:
    """Ids of ``users`` whose login is throttled for browsers they never logged in from."""
    locked = throttle.locked_emails(db, [u.email for u in users], now, policy)
    return {u.id for u in users if u.email in locked}


def unlock_login(db: Session, user: User, *, acting: User) -> int:
    """An administrator's unlock, audited: forget every failed login of ``user``; how many were forgotten."""
    cleared = throttle.unlock(db, user.email)
    audit.record(db, "account_unlock", user=acting, detail=f"account {user.id}: {cleared} failed logins cleared")
    return cleared


def remember_search(db: Session, login: LoginSession, search: dict | None) -> None:
    """Keep the patient search of this login on its row (never in the cookie: it is a name, SEC-26)."""
    login.search = search
    db.flush()


def end_login_session(db: Session, login: LoginSession) -> None:
    """Log out this one session, audited."""
    audit.record(db, "logout", user=login.user)
    db.delete(login)
    db.flush()


def end_all_sessions(db: Session, user: User) -> None:
    """Log the user out everywhere (password change, account disabled)."""
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.flush()


def change_password(db: Session, user: User, current: str, new: str, now: dt.datetime) -> None:
    """Change the password after checking the current one, audited; ends every login session of the user."""
    if not matches(user.password_hash, current):
        raise AccountError("Your current password is not right.")
    check_password_strength(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    end_all_sessions(db, user)
    audit.record(db, "password_change", user=user)


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
    """Add an account; raises AccountError for a taken email, unknown role or weak password. No audit row: the
    accounts page and ``clinic user create`` call :func:`add_account`."""
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


def add_account(db: Session, *, clinic: Clinic, email: str, full_name: str, role: str, password: str,
                active: bool = True, now: dt.datetime, acting: User | None) -> User:
    """Add an account as an administrator (``acting``) or the command line (None) asks, audited
    (:func:`create_user`)."""
    user = create_user(db, clinic=clinic, email=email, full_name=full_name, role=role, password=password, now=now)
    user.active = active
    audit.record(db, "account_create", user=acting, clinic_id=clinic.id, actor=None if acting else "cli",
                 detail=f"account {user.id} role {user.role}")
    return user


def update_user(db: Session, user: User, *, full_name: str, role: str, active: bool, acting: User) -> list[str]:
    """Change name, role or active flag, audited; returns the changed field names. Disabling logs the user
    out."""
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
    if changed:
        audit.record(db, "account_update", user=acting, detail=f"account {user.id}: {', '.join(changed)}")
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
    where = [FormDraft.user_id == user.id] + ([FormDraft.path == path] if path is not None else [])
    # Read first: a DELETE of nothing would still take SQLite's write lock for the rest of the request.
    if db.scalar(select(FormDraft.id).where(*where).limit(1)) is not None:
        db.execute(delete(FormDraft).where(*where))
        db.flush()
