"""What a web worker loads at start (issue 16): libraries that few pages use stay out until a page needs them.

Checked in a fresh interpreter after ``create_app`` with every installed plugin, the work ``townhall run`` does
before it answers. A figure of CPU or memory would be a timed test; which modules are loaded is not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# numpy (raking, budgeting rules, idea themes), spreadsheets, migrations, the HTTP client, Redis queues, the
# markdown renderer and sanitizer (first page with resident text), PostgreSQL's dialect on SQLite, the .po reader.
NOT_AT_START = (
    "numpy",
    "openpyxl",
    "alembic",
    "httpx",
    "saq",
    "pabutools",
    "markdown_it",
    "nh3",
    "sqlalchemy.dialects.postgresql",
    "babel.messages.pofile",
)

PROBE = """
import sys
from core.app import create_app
from core.settings import settings_from_env

create_app(settings_from_env(require_current_schema=False))
import babel.localedata

print(",".join(sorted(name for name in sys.argv[1:] if name in sys.modules)))
print(",".join(sorted(babel.localedata._cache)))
"""


def probe(tmp_path: Path, code: str, *args: str) -> str:
    """What ``code`` prints in a fresh interpreter running this checkout on an empty SQLite database."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'probe.sqlite3'}",
        "TOWNHALL_SECRET_KEY": "startup-imports-probe-" + "x" * 32,
    }
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=REPO, env=env
    )
    return proc.stdout


def test_app_start_leaves_heavy_libraries_and_locale_data_unloaded(tmp_path: Path) -> None:
    loaded, locales = probe(tmp_path, PROBE, *NOT_AT_START).splitlines()
    assert loaded == "", f"loaded at app start: {loaded}"
    assert locales == "", f"CLDR data loaded at app start (about 1.5 MiB a locale): {locales}"


RUN_PROBE = """
import sys

import uvicorn

uvicorn.run = lambda *args, **kwargs: None  # the command up to serving; the app itself is create_app, above
sys.argv = ["townhall", "run"]
from core.cli import main

try:
    main()
except SystemExit as exit:  # click ends the command with one
    assert not exit.code, exit.code
tools = ("core.i18n_tools", "babel.messages.frontend")
print("loaded:", ",".join(sorted(name for name in tools if name in sys.modules)))
"""


def test_townhall_run_leaves_the_catalog_tools_unloaded(tmp_path: Path) -> None:
    assert probe(tmp_path, RUN_PROBE).strip() == "loaded:"
