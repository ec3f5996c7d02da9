"""pytest fixtures for Townhall and its plugins (registered as the ``townhall`` pytest plugin).

Set ``TOWNHALL_TEST_DATABASE_URL`` to run against PostgreSQL; the default is a temporary SQLite file. The
database is migrated once per session with every plugin the tests may use (``townhall_all_plugins``) and
emptied after each test. Under pytest-xdist (``-n 2``) every worker gets a PostgreSQL database of its own
(``<name>_gw0``, ``<name>_gw1``…, created on first use) so the workers never empty each other's tables.
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


def pytest_configure(config: pytest.Config) -> None:
    """Give this xdist worker a PostgreSQL database of its own, through the variable every fixture reads."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    if worker and url.startswith("postgres") and not os.environ.get("TOWNHALL_TEST_WORKER_DATABASE"):
        os.environ["TOWNHALL_TEST_DATABASE_URL"] = worker_database_url(url, worker)
        os.environ["TOWNHALL_TEST_WORKER_DATABASE"] = worker


def worker_database_url(url: str, worker: str) -> str:
    """``url`` with its database renamed ``<name>_<worker>``, created on the same server when missing."""
    import asyncio

    from sqlalchemy.engine import make_url

    parsed = make_url(normalise_database_url(url))
    name = f"{parsed.database}_{worker}"

    async def create() -> None:
        import asyncpg

        admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        conn = await asyncpg.connect(admin, timeout=10)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return parsed.set(database=name).render_as_string(hide_password=False)


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
            await _empty_postgres(conn, names)
        else:
            await conn.execute(text("PRAGMA foreign_keys=OFF"))
            existing = set((await conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))).scalars())
            for name in names:
                if name in existing:
                    await conn.execute(text(f'DELETE FROM "{name}"'))
    await engine.dispose()


async def _empty_postgres(conn: Any, children_first: list[str]) -> None:
    """Delete the rows of the tables a test wrote to and restart the sequences it advanced.

    Why not one ``TRUNCATE … RESTART IDENTITY``: truncating every table costs 0.3 to 0.7 s per test (a new file per
    table), most of a test's time on PostgreSQL, while a test writes to a handful of tables. The tables with rows are
    found in one query and emptied children first (the models' foreign-key order, tables no model declares first);
    should a foreign key still object, the whole-schema TRUNCATE does it.
    """
    existing = (
        await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
    ).scalars()
    tables = [n for n in existing if not n.startswith("alembic_version")]
    if not tables:
        return
    probe = " UNION ALL ".join(f"(SELECT '{n}' FROM \"{n}\" LIMIT 1)" for n in tables)
    filled = set((await conn.execute(text(probe))).scalars())
    known = [n for n in children_first if n in filled]
    order = [n for n in tables if n in filled and n not in known] + known
    try:
        async with conn.begin_nested():
            for name in order:
                await conn.execute(text(f'DELETE FROM "{name}"'))
    except Exception:
        await conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " RESTART IDENTITY CASCADE"))
        return
    advanced = (
        await conn.execute(text("SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL"))
    ).all()
    for schema, sequence in advanced:
        await conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))


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
