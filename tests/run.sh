#!/usr/bin/env bash
# `make test`: every test on SQLite, then every database-touching test (marker `db`) on a throwaway
# PostgreSQL cluster created here and removed afterwards, also when tests fail. The browser's markup sweeps
# (marker `markup`: accessibility and reflow of every page state) check what no database changes: SQLite only.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
status=0
# One pytest worker per core (pytest-xdist); each worker has its own SQLite files and PostgreSQL database.
WORKERS=${TEST_WORKERS:-$(nproc)}

echo "=== Known vulnerabilities of the locked versions (REL-14); bandit on our code at high severity"
$PY tests/vuln_check.py requirements-test.lock || status=$?
$PY -m bandit -q --severity-level high -r clinic -x clinic/migrations || status=$?

if [ "${1:-}" != "--postgres-only" ]; then
  echo "=== SQLite: every test"
  $PY -m pytest -q -n "$WORKERS" --dist worksteal --durations=15 || status=$?
fi

echo "=== PostgreSQL: every database test"
# Durability is not under test in this throwaway cluster; skipping fsync keeps the run short.
PG_EXTRA_OPTIONS="-c fsync=off -c full_page_writes=off"
source "$ROOT/tests/pg.sh"
$PY -m pytest -q -n "$WORKERS" --dist worksteal --durations=15 -m "db and not sqlite_only and not markup" || status=$?
exit $status
