"""Static security checks: bandit finds nothing severe; dependencies stay above their safe floors."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

from clinic.app import ROOT

# Floors with the reason each matters. WeasyPrint < 70 let documents read local files via its fetcher
# (three advisories: before 61.2, before 68, before 70 — RELIABILITY.md pitfall 2).
SAFE_FLOORS = {
    "weasyprint": ((70, 0), "restrictive URL fetcher bypasses fixed in 70"),
    "flask": ((3, 1), "current security fixes for sessions and redirects"),
    "werkzeug": ((3, 1), "multipart and path-handling advisories fixed in 3.0.x / 3.1"),
    "jinja2": ((3, 1, 6), "sandbox escape advisories fixed in 3.1.5/3.1.6"),
    "sqlalchemy": ((2, 0), "typed 2.0 API relied upon"),
    "argon2-cffi": ((23, 1), "argon2id defaults meeting ASVS 5.0"),
    "flask-wtf": ((1, 2), "CSRF protection as configured"),
}


def _parse(v: str) -> tuple[int, ...]:
    parts = []
    for piece in v.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


@pytest.mark.parametrize("package", sorted(SAFE_FLOORS))
def test_dependency_is_at_or_above_its_safe_floor(package):
    floor, reason = SAFE_FLOORS[package]
    assert _parse(version(package)) >= floor, f"{package} {version(package)} is below {floor}: {reason}"


def test_the_floor_check_can_fail():
    assert not _parse("69.2") >= SAFE_FLOORS["weasyprint"][0]


def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", str(ROOT / "clinic"), "-x", str(ROOT / "clinic" / "migrations"),
         "-f", "json"],
        capture_output=True, text=True, check=False,
    )
    report = json.loads(result.stdout)
    high = [r for r in report["results"] if r["issue_severity"] == "HIGH"]
    assert high == [], [(r["filename"], r["line_number"], r["issue_text"]) for r in high]
