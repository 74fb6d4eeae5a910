#!/usr/bin/env bash
# `make test`: every test on SQLite, then every database-touching test (marker `db`) on a throwaway
# PostgreSQL cluster created here and removed afterwards, also when tests fail. What the browser makes of the
# pages (marker `markup`: accessibility, reflow, the keyboard and escaping of every page state) is the same on either
# database: SQLite only.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
status=0
# Compiled modules and pytest's rewritten tests kept between processes, under .venv (this checkout's, git-ignored),
# also where the environment says not to write them (PYTHONDONTWRITEBYTECODE): otherwise each of the four
# workers compiled every module and rewrote every test's asserts again (collection 7.4 -> 3.6 s of CPU a worker),
# and so did every `clinic` and gunicorn the tests start.
export PYTHONDONTWRITEBYTECODE=
export PYTHONPYCACHEPREFIX="$ROOT/.venv/pycache"
# One pytest worker per core (pytest-xdist); each worker has its own SQLite files and PostgreSQL database.
WORKERS=${TEST_WORKERS:-$(nproc)}

echo "=== Known vulnerabilities of the locked versions (REL-14); bandit on our code at high severity"
$PY tests/vuln_check.py requirements-test.lock || status=$?
$PY -m bandit -q --severity-level high -r clinic -x clinic/migrations || status=$?

# The pages' tests render each distinct PDF once (tests/conftest.py same_pdf_once); the two passes share them here.
pdf_store=$(mktemp -d /tmp/clinic-test-pdfs.XXXXXX)
export CLINIC_TEST_PDF_STORE="$pdf_store"
trap 'rm -rf "$pdf_store"' EXIT

if [ "${1:-}" != "--postgres-only" ]; then
  echo "=== SQLite: every test"
  $PY -m pytest -q -n "$WORKERS" --dist worksteal --durations=15 || status=$?
fi

echo "=== PostgreSQL: every database test"
# Durability is not under test in this throwaway cluster; skipping fsync keeps the run short.
PG_EXTRA_OPTIONS="-c fsync=off -c full_page_writes=off"
source "$ROOT/tests/pg.sh"
trap 'pg_cleanup; rm -rf "$pdf_store"' EXIT  # pg.sh's trap, and the PDFs' folder
$PY -m pytest -q -n "$WORKERS" --dist worksteal --durations=15 -m "db and not sqlite_only and not markup" || status=$?
exit $status
