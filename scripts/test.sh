#!/usr/bin/env bash
# One command for the tests: set up, make sure Debian's chromium is there for the browser tests, run pytest.
# TOWNHALL_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test runs the same suite on PostgreSQL.
# Extra arguments go to pytest (e.g. -k budgeting, -m slow).
#
# The suite runs on TOWNHALL_TEST_WORKERS pytest-xdist workers (default 2, 1 = one process), a test file per worker
# at a time (--dist loadfile: module and session fixtures stay in one process), in collection order (browser tests
# must come after every async test of their process: tests/conftest.py). tests/scale — two web workers and a
# job worker of its own, timing bursts across them — never shares the machine with other tests: with no arguments it
# runs alone after the rest, and asked for by path it runs in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
  else
    echo "chromium is missing: browser tests will be skipped (apt-get install chromium)" >&2
  fi
fi
.venv/bin/ruff check .
workers=${TOWNHALL_TEST_WORKERS:-2}
parallel=()
if [ "$workers" -gt 1 ]; then
  parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder)  # keep the order: browser tests last
fi
case " $* " in
  *" tests/scale"*) parallel=() ;;
esac
if [ "$#" -eq 0 ]; then
  .venv/bin/python -m pytest "${parallel[@]}" --ignore=tests/scale
  exec .venv/bin/python -m pytest tests/scale
fi
exec .venv/bin/python -m pytest "${parallel[@]}" "$@"
