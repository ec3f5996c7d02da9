"""pytest fixtures for Townhall and its plugins (registered as the ``townhall`` pytest plugin).

Set ``TOWNHALL_TEST_DATABASE_URL`` to run against PostgreSQL; the default is a temporary SQLite file. The
database is migrated once per session with every plugin the tests may use (``townhall_all_plugins``) and
emptied after each test.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from core import passwords
from core.settings import Settings, normalise_database_url
from core.testing.factories import Factory, csrf_headers

TEST_HOST = "city.test"

passwords.use_cheap_hashing_for_tests()


@pytest.fixture(scope="session")
def townhall_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TOWNHALL_TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def townhall_all_plugins() -> list[Any]:
    """Every plugin (object or module path) any test of the session may load; override in conftest.py."""
    return []


@pytest.fixture
def townhall_plugins(townhall_all_plugins: list[Any]) -> list[Any]:
    """The plugins of the app under test; override per module to test a method alone."""
    return list(townhall_all_plugins)


@pytest.fixture(scope="session")
def townhall_migrated(townhall_database_url: str, townhall_all_plugins: list[Any]) -> str:
    from core import migrate
    from core.plugins import Registry, build_plugin_manager

    registry = Registry.gather(build_plugin_manager(townhall_all_plugins))
    if not townhall_database_url.startswith("sqlite"):
        migrate.downgrade_all(townhall_database_url, registry)
    migrate.upgrade(townhall_database_url, registry)
    return townhall_database_url


async def _empty_all_tables(url: str) -> None:
    from core.db.base import Base

    engine = create_async_engine(url, poolclass=NullPool)
    names = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if url.startswith("postgresql"):
            existing = (
                await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
            ).scalars()
            tables = [n for n in existing if not n.startswith("alembic_version")]
            if tables:
                await conn.execute(
                    text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " RESTART IDENTITY CASCADE")
                )
        else:
            await conn.execute(text("PRAGMA foreign_keys=OFF"))
            existing = set((await conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))).scalars())
            for name in names:
                if name in existing:
                    await conn.execute(text(f'DELETE FROM "{name}"'))
    await engine.dispose()


@pytest.fixture
def townhall_settings(townhall_migrated: str, townhall_plugins: list[Any], tmp_path: Any) -> Settings:
    return Settings(
        database_url=townhall_migrated,
        secret_key="test-secret-key-" + "x" * 32,
        plugins=townhall_plugins,
        load_entry_points=True,
        upload_dir=str(tmp_path / "uploads"),
        login_rate_limit=5,
        jobs="off",  # no background scheduler racing the test; job tests run the runner themselves or opt in
    )


@pytest.fixture
async def app(townhall_settings: Settings) -> AsyncIterator[Any]:
    from core.app import create_app

    application = create_app(townhall_settings)
    state = application.state.townhall
    if state.db.dialect != "sqlite":
        # AsyncTestClient serves the app from its own event loop while factories use the test's loop: pooled
        # asyncpg connections cannot cross loops, so tests on PostgreSQL open one connection per session.
        from core.db.engine import Database

        await state.db.dispose()
        state.db = Database(townhall_settings.database_url, pooled=False)
    yield application
    await application.state.townhall.db.dispose()
    await _empty_all_tables(townhall_settings.database_url)


@pytest.fixture
def factory(app: Any) -> Factory:
    return Factory(app.state.townhall)


@pytest.fixture
async def tenant(factory: Factory) -> Any:
    return await factory.tenant(TEST_HOST)


@pytest.fixture
async def other_tenant(factory: Factory) -> Any:
    return await factory.tenant("other.test")


@pytest.fixture
async def client(app: Any) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url=f"http://{TEST_HOST}") as test_client:
        yield test_client


@pytest.fixture
def csrf() -> Any:
    """``await csrf(client)`` returns the CSRF header for state-changing requests."""
    return csrf_headers
