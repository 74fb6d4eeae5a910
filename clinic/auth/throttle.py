"""Login throttling that stops guessing without locking the real user out (SEC-23).

What OWASP describes ("Blocking Brute Force Attacks"; "Slow Down Online Guessing Attacks with Device
Cookies"), counted in the database so every worker sees the same failures:

- **per account**: ``max_failures`` failures for one e-mail within the window, from browsers the account
  never logged in from, throttle that account for such browsers;
- **per client**: ``max_client_failures`` failures from one address within the window (any accounts, so
  also spraying one password over many accounts) throttle that address;
- **remembered device**: a browser the account logged in from before carries a signed cookie that exempts
  it from both locks, so an attacker elsewhere cannot keep the real user out; it has its own counter of
  ``max_failures`` (a stolen laptop is not a free pass).

A throttled attempt computes no password hash (the 0.6 s of argon2 per try was the attacker's lever on the
workers): the decision needs only indexed counts. Its answer is the same whether the account exists and
whether the password was right. An administrator can unlock an account (``unlock``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from clinic.models import LoginFailure

# A browser remembers at most this many accounts (a shared front-desk computer).
MAX_REMEMBERED = 5


@dataclass(frozen=True)
class Policy:
    """How many failures lock what, for how long; how long a device is remembered."""

    max_failures: int
    max_client_failures: int
    window: dt.timedelta
    remember_device: dt.timedelta


@dataclass(frozen=True)
class Attempt:
    """Where a login attempt comes from: the client address and the remembered-device key ("" for none)."""

    client: str = ""
    device: str = ""


class LoginThrottled(Exception):
    """Too many failed logins; ``retry_after`` is when this attempt's lock opens again."""

    def __init__(self, retry_after: dt.datetime):
        self.retry_after = retry_after
        super().__init__("too many failed logins")


def _opens_at(db: Session, where, limit: int, now: dt.datetime, window: dt.timedelta) -> dt.datetime | None:
    """When the lock on the failures matching ``where`` opens, or None when there is no lock."""
    since = now - window
    count = db.scalar(select(func.count()).select_from(LoginFailure).where(*where, LoginFailure.at > since))
    if count < limit:
        return None
    # The lock opens when the oldest of the last ``limit`` failures leaves the window.
    oldest_of_last = db.scalars(
        select(LoginFailure.at).where(*where, LoginFailure.at > since).order_by(LoginFailure.at.desc())
        .offset(limit - 1).limit(1)
    ).first()
    return oldest_of_last + window


def check(db: Session, email: str, attempt: Attempt, now: dt.datetime, policy: Policy) -> None:
    """Raise LoginThrottled when this attempt may not even be checked (before any password hash)."""
    if attempt.device:
        locks = [_opens_at(db, (LoginFailure.device == attempt.device,), policy.max_failures, now, policy.window)]
    else:
        untrusted = LoginFailure.device == ""
        locks = [
            _opens_at(db, (LoginFailure.email == email, untrusted), policy.max_failures, now, policy.window),
            _opens_at(db, (LoginFailure.client == attempt.client, untrusted), policy.max_client_failures, now,
                      policy.window) if attempt.client else None,
        ]
    opens = [t for t in locks if t is not None]
    if opens:
        raise LoginThrottled(retry_after=max(opens))


def record_failure(db: Session, email: str, attempt: Attempt, now: dt.datetime, policy: Policy) -> None:
    """Count a failed attempt against the account, the client and the device it came with; forget failures
    too old to count, so a long guessing campaign does not grow the table for ever."""
    db.execute(delete(LoginFailure).where(LoginFailure.at < now - max(policy.window, dt.timedelta(days=1))))
    db.add(LoginFailure(email=email, at=now, client=attempt.client[:64], device=attempt.device))
    db.flush()


def record_success(db: Session, email: str, attempt: Attempt) -> None:
    """Forget this user's own slips: the device's failures, or this account's from this client.

    Failures an attacker made elsewhere stay, so logging in does not hand the attacker a fresh allowance.
    """
    if attempt.device:
        query = delete(LoginFailure).where(LoginFailure.device == attempt.device)
    else:
        query = delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.device == "",
                                           LoginFailure.client == attempt.client[:64])
    db.execute(query)
    db.flush()


def unlock(db: Session, email: str) -> int:
    """An administrator's unlock: forget every failure of the account; the number forgotten."""
    result = db.execute(delete(LoginFailure).where(LoginFailure.email == email))
    db.flush()
    return result.rowcount or 0


def locked_emails(db: Session, emails: list[str], now: dt.datetime, policy: Policy) -> set[str]:
    """Which of ``emails`` are throttled for browsers they never logged in from."""
    if not emails:
        return set()
    rows = db.execute(
        select(LoginFailure.email).where(LoginFailure.email.in_(emails), LoginFailure.device == "",
                                         LoginFailure.at > now - policy.window)
        .group_by(LoginFailure.email).having(func.count() >= policy.max_failures)
    ).scalars()
    return set(rows)


# ------------------------------------------------------------------------------- remembered devices
#
# The cookie holds, per remembered account, a random nonce and an HMAC of (account id, nonce): no id,
# e-mail or name is readable in it, and only this server can make an entry that matches an account.
# The whole list is signed and time-stamped (itsdangerous, Flask's own signer), so it expires.


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="clinic-remembered-device")


def _tag(secret: str, user_id: int, nonce: str) -> str:
    return hmac.new(secret.encode(), f"device:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()[:64]


def read_devices(cookie: str | None, secret: str, max_age: dt.timedelta) -> list[list[str]]:
    """The [nonce, tag] entries of a remembered-device cookie; [] when missing, forged or expired."""
    if not cookie:
        return []
    try:
        entries = _serializer(secret).loads(cookie, max_age=int(max_age.total_seconds()))
    except (BadSignature, ValueError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)]


def device_key(entries: list[list[str]], user_id: int | None, secret: str) -> str:
    """The device key of ``user_id`` in the cookie's entries, or "" when this browser is not remembered."""
    if user_id is None:
        return ""
    for nonce, tag in entries:
        if hmac.compare_digest(tag, _tag(secret, user_id, nonce)):
            return tag
    return ""


def remember(entries: list[list[str]], user_id: int, secret: str) -> str:
    """The cookie value that remembers this browser for ``user_id`` (kept first; at most MAX_REMEMBERED)."""
    mine = [e for e in entries if hmac.compare_digest(e[1], _tag(secret, user_id, e[0]))]
    others = [e for e in entries if e not in mine]
    if not mine:
        nonce = secrets.token_urlsafe(16)
        mine = [[nonce, _tag(secret, user_id, nonce)]]
    return _serializer(secret).dumps((mine[:1] + others)[:MAX_REMEMBERED])
