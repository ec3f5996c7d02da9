"""Job tests load a small test plugin with jobs next to the suite's plugins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

JOBS_PLUGIN = "tests.jobs.jobs_plugin"


@pytest.fixture
def townhall_plugins(townhall_all_plugins: list[Any]) -> list[Any]:
    return [*townhall_all_plugins, JOBS_PLUGIN]


@pytest.fixture
def state(app: Any) -> Any:
    return app.state.townhall


@pytest.fixture
async def second_state(state: Any) -> Any:
    """Another scheduler on the same database: its own engine and connections, as a second worker process has."""
    from core.db.engine import Database

    other = replace(state, db=Database(state.settings.database_url, pooled=False))
    yield other
    await other.db.dispose()
