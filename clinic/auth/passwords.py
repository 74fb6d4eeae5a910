"""Password hashes: argon2id at the cost the settings give (``PASSWORD_HASH_*`` in clinic/config.py).

Production's cost is argon2-cffi's default, which meets ASVS 5.0 (RELIABILITY.md pitfall 4); the app factory
calls ``use()`` with the settings of the app it builds, so tests can lower the cost (tests/conftest.py) while
one test checks the defaults are production's."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
_dummy_hash = _hasher.hash("not a real password")


def use(*, time_cost: int, memory_kib: int, parallelism: int) -> None:
    """Hash and check at this cost from now on (hashes made at another cost are re-made at the next login)."""
    global _hasher, _dummy_hash
    current = _hasher
    if (current.time_cost, current.memory_cost, current.parallelism) == (time_cost, memory_kib, parallelism):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    _dummy_hash = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; with no stored hash (an unknown email) the
    same work is done against a dummy, and the answer is no."""
    try:
        return _hasher.verify(stored or _dummy_hash, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made at another cost than the current one."""
    return _hasher.check_needs_rehash(stored)
