"""What the in-process benchmarks share: a migrated Townhall app on a fresh database, and quiet logs.

SQLite in a temporary folder unless ``database_url`` names an empty PostgreSQL database; background jobs off so
nothing runs beside what is measured.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def fresh_app(name: str, database_url: str | None) -> Any:
    """A Townhall app (every plugin) on a freshly migrated database; ``app.state.townhall`` is its state."""
    from core import migrate
    from core.app import create_app
    from core.settings import Settings, normalise_database_url

    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}-bench-"))
    url = normalise_database_url(database_url or f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}")
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, upload_dir=str(tmp / "uploads"), jobs="off")
    app = create_app(settings)
    migrate.upgrade(url, app.state.townhall.registry)
    return app
