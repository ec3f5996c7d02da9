#!/usr/bin/env bash
# One command for the demo: set up, migrate and seed an embedded SQLite database under ./data, then serve.
# Arguments go to `townhall demo` (e.g. --port 8000 --password secret).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/townhall demo "$@"
