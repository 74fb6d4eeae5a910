#!/usr/bin/env bash
# `make bench`: the benchmarks in tests/bench/ on SQLite, then the database ones again on a throwaway
# PostgreSQL cluster (durable settings, as in production). Each prints one line per figure with the core count.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
BENCH=($PY -m pytest -p no:cacheprovider -q -s --override-ini=addopts=)
status=0

echo "=== Benchmarks on SQLite"
"${BENCH[@]}" tests/bench || status=$?

echo "=== Benchmarks on PostgreSQL"
source "$ROOT/tests/pg.sh"
"${BENCH[@]}" tests/bench/test_bench_patients.py tests/bench/test_bench_history.py tests/bench/test_bench_plan_downloads.py \
  tests/bench/test_bench_load.py || status=$?
exit $status
