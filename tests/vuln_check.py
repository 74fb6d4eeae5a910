"""Known vulnerabilities of the locked versions, checked against an OSV database on disk (REL-14).

    python tests/vuln_check.py requirements-test.lock [--db PATH]

The database is OSV's PyPI export: the ``all.zip`` published for the PyPI ecosystem (a zip of OSV JSON
records), a folder of such records, or a JSON-lines file of them (what renovate's osv-offline keeps as
``pypi.nedb``). It is looked for in ``--db``, then ``$CLINIC_OSV_DB``, then ``~/.cache/clinic/osv/``.

Why a file and not a service: these machines reach package registries and nothing else, so neither
pip-audit's services nor osv.dev answer here, and the npm ``@renovatebot/osv-offline-db`` and
``@jamiemagee/osv-offline-db`` packages hold only code (their data is downloaded from elsewhere at run
time). PyPI's per-release JSON (``/pypi/NAME/VERSION/json``, whose ``vulnerabilities`` ``pip-audit -s pypi``
reads) answers 404 through the registry access here, and the per-project JSON lists the advisories of the
newest release only, which says nothing about an older pin (checked again November 2026). README
"Updating dependencies" says how to fetch the file on a machine that can and bring it here.

Exit 0: checked, nothing known (or the database is missing: said plainly, see below). Exit 1: at least
one locked version has a known advisory (each is listed with its fix). Exit 2: bad arguments.
With no database the check cannot run: it says so on stderr and exits 0, unless
``CLINIC_REQUIRE_VULN_CHECK=1``, when it exits 3. It does not fail CI by default because no change to
the code can make the database appear on these machines; a red CI every time would hide real failures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
DEFAULT_PLACES = (Path.home() / ".cache" / "clinic" / "osv",)
STALE_DAYS = 31


@dataclass(frozen=True)
class Finding:
    """One advisory that affects one locked package version."""

    package: str
    version: str
    advisory: str
    summary: str
    fixed: tuple[str, ...]


def read_lock(path: Path) -> dict[str, str]:
    """Package name (canonical) -> pinned version, from a requirements lock file."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def find_database(explicit: str | None, environ: dict[str, str]) -> Path | None:
    """The first OSV database that exists: --db, $CLINIC_OSV_DB, then the default places."""
    candidates = [Path(p) for p in (explicit, environ.get("CLINIC_OSV_DB")) if p]
    for place in DEFAULT_PLACES:
        candidates += [place / "PyPI.zip", place / "all.zip", place / "pypi.nedb", place]
    for candidate in candidates:
        if candidate.is_file() or (candidate.is_dir() and any(candidate.glob("*.json"))):
            return candidate
    return None


def read_records(path: Path) -> Iterator[dict]:
    """Every OSV record in a zip, a folder of JSON files, or a JSON-lines file."""
    if path.is_dir():
        for item in sorted(path.glob("*.json")):
            yield json.loads(item.read_text(encoding="utf-8"))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith(".json"):
                    yield json.loads(archive.read(name))
    else:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("{"):
                record = json.loads(line)
                if "id" in record and "affected" in record:
                    yield record


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_ranges(version: Version, ranges: Iterable[dict]) -> bool:
    for span in ranges:
        if span.get("type") != "ECOSYSTEM":
            continue
        start: Version | None = None
        active = False
        for event in span.get("events", []):
            if "introduced" in event:
                start = Version("0") if event["introduced"] == "0" else _version(event["introduced"])
                active = start is not None and version >= start
            elif "fixed" in event and active:
                fixed = _version(event["fixed"])
                if fixed is not None and version < fixed:
                    return True
                active = False
            elif "last_affected" in event and active:
                last = _version(event["last_affected"])
                if last is not None and version <= last:
                    return True
                active = False
        if active:
            return True  # introduced and never fixed
    return False


def affected(record: dict, name: str, version: str) -> tuple[str, ...] | None:
    """The fixed versions if ``record`` affects ``name`` at ``version``; None when it does not."""
    if record.get("withdrawn"):
        return None
    parsed = _version(version)
    for entry in record.get("affected", []):
        package = entry.get("package", {})
        if package.get("ecosystem") != "PyPI" or canonicalize_name(package.get("name", "")) != name:
            continue
        if version in entry.get("versions", []) or (parsed is not None and _in_ranges(parsed,
                                                                                      entry.get("ranges", []))):
            fixed = tuple(e["fixed"] for r in entry.get("ranges", []) for e in r.get("events", []) if "fixed" in e)
            return fixed
    return None


def check(pins: dict[str, str], records: Iterable[dict]) -> tuple[list[Finding], int]:
    """(findings, number of records read) for the pinned versions."""
    findings, count = [], 0
    for record in records:
        count += 1
        for name, version in pins.items():
            fixed = affected(record, name, version)
            if fixed is not None:
                findings.append(Finding(name, version, record["id"], record.get("summary", ""), fixed))
    return sorted(findings, key=lambda f: (f.package, f.advisory)), count


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    """Run the check; print what was checked and what was found."""
    environ = dict(os.environ) if environ is None else environ
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--db", default=None, help="OSV database: a zip, a folder of JSON files, or JSON lines")
    args = parser.parse_args(argv)
    if not args.lock.is_file():
        print(f"vuln-check: no lock file {args.lock}", file=sys.stderr)
        return 2
    pins = read_lock(args.lock)
    database = find_database(args.db, environ)
    if database is None:
        print("vuln-check: NOT RUN - no OSV database on this machine, so the locked versions were not checked "
              "for known vulnerabilities. Put OSV's PyPI all.zip in ~/.cache/clinic/osv/ or set CLINIC_OSV_DB "
              "(README: Updating dependencies).", file=sys.stderr)
        return 3 if environ.get("CLINIC_REQUIRE_VULN_CHECK") == "1" else 0
    findings, count = check(pins, read_records(database))
    age = (dt.datetime.now(dt.UTC) - dt.datetime.fromtimestamp(database.stat().st_mtime, dt.UTC)).days
    print(f"vuln-check: {len(pins)} locked packages against {count:,} OSV records in {database} "
          f"({age} days old{'; fetch a newer one' if age > STALE_DAYS else ''}).")
    for f in findings:
        fix = f"fixed in {', '.join(f.fixed)}" if f.fixed else "no fixed version yet"
        print(f"  {f.package} {f.version}: {f.advisory} {f.summary} ({fix})")
    if findings:
        print(f"vuln-check: {len(findings)} known vulnerabilit{'y' if len(findings) == 1 else 'ies'} in the locked "
              "versions: raise the pin (make lock-upgrade, or pyproject.toml's floor) and run make test.")
        return 1
    print("vuln-check: no known vulnerability in the locked versions.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
