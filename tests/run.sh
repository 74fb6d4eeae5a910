#!/usr/bin/env bash
# `make test`: every test on SQLite, then every database-touching test (marker `db`) on a throwaway
# PostgreSQL cluster created here and removed afterwards, also when tests fail.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
status=0

if [ "${1:-}" != "--postgres-only" ]; then
  echo "=== SQLite: every test"
  $PY -m pytest -q || status=$?
fi

echo "=== PostgreSQL: every database test"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then
  echo "PostgreSQL is not installed (make system-deps installs it)." >&2
  exit 1
fi
dir=$(mktemp -d /tmp/clinic-pg.XXXXXX)
port=$($PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
as_pg=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root (RELIABILITY.md pitfall 9): run the cluster as the postgres user.
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
cd /  # the postgres user may not enter this checkout; every path below is absolute
cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U clinic >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log"; exit 1; }
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c fsync=off -c full_page_writes=off" start >/dev/null \
  || { cat "$dir/log"; exit 1; }
"${as_pg[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U clinic clinic_test
export CLINIC_TEST_DATABASE_URL="postgresql+psycopg://clinic@127.0.0.1:$port/clinic_test"
(cd "$ROOT" && $PY -m pytest -q -m "db and not sqlite_only") || status=$?
exit $status
