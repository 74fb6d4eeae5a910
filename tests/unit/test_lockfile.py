"""Reproducible installs (REL-14): `make run` and `make test` install from lock files with a sha256 for every
file, the locks satisfy pyproject.toml, what is installed is what is locked, and the vulnerability check
reads an OSV database on disk and says plainly when it could not run."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests import vuln_check

ROOT = Path(__file__).resolve().parents[2]
LOCK, TEST_LOCK = ROOT / "requirements.lock", ROOT / "requirements-test.lock"
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?: ; (.+?))? \\\n"
                   r"((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", re.MULTILINE)


def entries(path: Path) -> dict[str, tuple[str, str | None, list[str]]]:
    """name -> (version, marker, hashes)."""
    return {canonicalize_name(m.group(1)): (m.group(2), m.group(3), re.findall(r"sha256:([0-9a-f]{64})", m.group(4)))
            for m in ENTRY.finditer(path.read_text(encoding="utf-8"))}


def pyproject_requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(r) for r in names]


@pytest.mark.parametrize(("lock", "extra"), [(LOCK, None), (TEST_LOCK, "test")])
def test_rel14_every_pyproject_dependency_is_pinned_within_its_range_with_hashes(lock, extra):
    pinned = entries(lock)
    pins = sum(1 for line in lock.read_text(encoding="utf-8").splitlines() if re.match(r"^[A-Za-z0-9].*==", line))
    assert len(pinned) == pins, "every pin is followed by its sha256 hashes"
    for requirement in pyproject_requirements(extra):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is in pyproject.toml but not in {lock.name}: run `make lock`"
        assert requirement.specifier.contains(pinned[name][0], prereleases=True), (
            f"{lock.name} pins {name}=={pinned[name][0]}, outside pyproject's {requirement.specifier}: run `make lock`")
    assert all(hashes for _v, _m, hashes in pinned.values())


def test_rel14_the_runtime_and_test_locks_pin_the_same_versions():
    runtime, test = entries(LOCK), entries(TEST_LOCK)
    assert {n: runtime[n][0] for n in runtime} == {n: test[n][0] for n in runtime if n in test}
    assert set(runtime) <= set(test)


def test_rel14_what_is_installed_is_what_is_locked():
    differ = {}
    for name, (pinned, marker, _hashes) in entries(TEST_LOCK).items():
        if marker and not Marker(marker).evaluate():
            continue  # for another platform (colorama on Windows)
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            differ[name] = (pinned, installed)
    assert differ == {}, f"(locked, installed) differ: reinstall with `make clean install-test`: {differ}"


def test_rel14_make_installs_from_the_lock_files_checking_hashes():
    targets = ((".venv/.installed", "requirements.lock"), (".venv/.installed-test", "requirements-test.lock"))
    for target, lock in targets:
        recipe = subprocess.run(["make", "-s", "-n", "-B", "-C", str(ROOT), target], capture_output=True, text=True,
                                check=True).stdout
        assert f"--require-hashes -r {lock}" in recipe
        assert "--no-deps -e ." in recipe
        assert "-e '.[test]'" not in recipe and "install --quiet -e ." not in recipe


# ------------------------------------------------------------------------------ vulnerability check

PINS = {"flask": "3.1.2", "weasyprint": "70.0"}


def advisory(ident: str, name: str, *events, versions=(), withdrawn: str | None = None) -> dict:
    record = {"id": ident, "summary": f"{ident} summary",
              "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": list(versions),
                            "ranges": [{"type": "ECOSYSTEM", "events": list(events)}]}]}
    if withdrawn:
        record["withdrawn"] = withdrawn
    return record


@pytest.mark.parametrize(("record", "hit"), [
    (advisory("PYSEC-1", "Flask", {"introduced": "0"}, {"fixed": "3.1.3"}), True),
    (advisory("PYSEC-2", "flask", {"introduced": "0"}, {"fixed": "3.1.2"}), False),  # fixed in the locked version
    (advisory("PYSEC-3", "flask", {"introduced": "3.2"}), False),  # only later versions
    (advisory("PYSEC-4", "flask", {"introduced": "3.0"}, {"last_affected": "3.1.2"}), True),
    (advisory("PYSEC-5", "flask", versions=["3.1.2"]), True),
    (advisory("PYSEC-6", "flask", {"introduced": "0"}, {"fixed": "9"}, withdrawn="2026-01-01T00:00:00Z"), False),
    (advisory("PYSEC-7", "weasyprint", {"introduced": "0"}, {"fixed": "61.2"}, {"introduced": "65"},
              {"fixed": "70.1"}), True),  # the second range holds 70.0
    (advisory("GHSA-8", "flask-wtf", {"introduced": "0"}), False),  # another package
])
def test_rel14_the_vulnerability_check_matches_osv_ranges(record, hit):
    findings, count = vuln_check.check(PINS, [record])
    assert count == 1
    assert bool(findings) is hit, findings


def test_rel14_the_vulnerability_check_reads_osv_s_zip_and_fails_on_a_finding(tmp_path, capsys):
    database = tmp_path / "all.zip"
    with zipfile.ZipFile(database, "w") as archive:
        archive.writestr("PYSEC-1.json", json.dumps(advisory("PYSEC-1", "Flask", {"introduced": "0"},
                                                             {"fixed": "3.1.3"})))
        archive.writestr("PYSEC-2.json", json.dumps(advisory("PYSEC-2", "pyyaml", {"introduced": "0"},
                                                             {"fixed": "5.4"})))
    lock = tmp_path / "requirements.lock"
    lock.write_text("flask==3.1.2 \\\n    --hash=sha256:" + "a" * 64 + "\npyyaml==6.0.3 \\\n    --hash=sha256:"
                    + "b" * 64 + "\n")
    assert vuln_check.main([str(lock), "--db", str(database)], environ={}) == 1
    out = capsys.readouterr().out
    assert "2 locked packages against 2 OSV records" in out
    assert "flask 3.1.2: PYSEC-1" in out and "fixed in 3.1.3" in out and "pyyaml" not in out.split("records")[1]


def test_rel14_without_a_database_the_check_says_it_did_not_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(vuln_check, "DEFAULT_PLACES", (tmp_path / "nothing",))
    assert vuln_check.main([str(LOCK)], environ={}) == 0
    assert "vuln-check: NOT RUN - no OSV database" in capsys.readouterr().err
    assert vuln_check.main([str(LOCK)], environ={"CLINIC_REQUIRE_VULN_CHECK": "1"}) == 3
