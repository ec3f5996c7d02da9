#!/usr/bin/env bash
# Prepare a checkout: Python virtualenv with Townhall and its test tools, pinned front-end libraries from npm,
# compiled translation catalogs. Safe to run again; it only redoes what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
apt_install() {
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  else
    echo "missing: $* (install them with apt-get, or run this script as root)" >&2
    exit 1
  fi
}

if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  apt_install python3-venv
fi
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.townhall-installed"
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q -e ".[test]" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import core, litestar, pabutools" # fail here, not later, when the install did not work
  echo "$wanted" > "$stamp"
fi

npm_stamp="node_modules/.townhall-installed"
npm_wanted=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$npm_wanted" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_wanted" > "$npm_stamp"
fi

# The pinned front-end files the app serves under /static/vendor live in the package (core/static/vendor, not in
# git), so a wheel carries them; npm stays their source (versions pinned in package.json / package-lock.json).
mkdir -p core/static/vendor
for file in node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/dist/htmx.js \
  node_modules/htmx-ext-sse/dist/sse.min.js node_modules/htmx-ext-sse/dist/sse.js; do
  cmp -s "$file" "core/static/vendor/${file##*/}" || cp "$file" core/static/vendor/
done

.venv/bin/townhall i18n compile >/dev/null
