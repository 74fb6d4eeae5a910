"""Dependencies stay above their safe floors. (Bandit is a lint step, not a test: `make lint` and tests/run.sh.)"""

from __future__ import annotations

from importlib.metadata import version

import pytest
from packaging.version import Version

# Floors with the reason each matters. WeasyPrint < 70 let documents read local files via its fetcher
# (three advisories: before 61.2, before 68, before 70 — RELIABILITY.md pitfall 2).
SAFE_FLOORS = {
    "weasyprint": ("70.0", "restrictive URL fetcher bypasses fixed in 70"),
    "flask": ("3.1", "current security fixes for sessions and redirects"),
    "werkzeug": ("3.1", "multipart and path-handling advisories fixed in 3.0.x / 3.1"),
    "jinja2": ("3.1.6", "sandbox escape advisories fixed in 3.1.5/3.1.6"),
    "sqlalchemy": ("2.0", "typed 2.0 API relied upon"),
    "argon2-cffi": ("23.1", "argon2id defaults meeting ASVS 5.0"),
    "flask-wtf": ("1.2", "CSRF protection as configured"),
}


@pytest.mark.parametrize("package", sorted(SAFE_FLOORS))
def test_dependency_is_at_or_above_its_safe_floor(package):
    floor, reason = SAFE_FLOORS[package]
    assert Version(version(package)) >= Version(floor), f"{package} {version(package)} is below {floor}: {reason}"
