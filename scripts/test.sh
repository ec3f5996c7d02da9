#!/usr/bin/env bash
# One command for the tests: set up, make sure Debian's chromium is there for the browser tests, run pytest.
# TOWNHALL_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test runs the same suite on PostgreSQL.
# Extra arguments go to pytest (e.g. -k budgeting, -m slow).
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
exec .venv/bin/python -m pytest "$@"
