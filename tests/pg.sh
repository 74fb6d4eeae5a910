#!/usr/bin/env bash
# Sourced by tests/run.sh and tests/bench.sh: start a throwaway PostgreSQL cluster in a temporary folder,
# export CLINIC_TEST_DATABASE_URL for it, and stop and remove it when the calling script exits (also on
# failure). As root the cluster runs as the postgres user: initdb refuses root (RELIABILITY.md pitfall 9).
# Needs ROOT (the checkout) and PY (its python) set by the caller.

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then
  echo "PostgreSQL is not installed (make system-deps installs it)." >&2
  exit 1
fi
pgdir=$(mktemp -d /tmp/clinic-pg.XXXXXX)
pgport=$($PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
pg_cleanup() {
  (cd / && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1) || true
  rm -rf "$pgdir"
}
trap pg_cleanup EXIT
# The postgres user may not enter the checkout: run its tools from / with absolute paths only.
(cd / && "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U clinic >"$pgdir/initdb.log" 2>&1) \
  || { cat "$pgdir/initdb.log"; exit 1; }
(cd / && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-k $pgdir -c listen_addresses=127.0.0.1 -p $pgport ${PG_EXTRA_OPTIONS:-}" start >/dev/null) \
  || { cat "$pgdir/log"; exit 1; }
(cd / && "${as_pg[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U clinic clinic_test)
export CLINIC_TEST_DATABASE_URL="postgresql+psycopg://clinic@127.0.0.1:$pgport/clinic_test"
