"""Migrations: every lineage upgrades an empty database to a schema that matches the models, ``db check`` says so
(and says when it does not), and the app refuses to start on a stale schema. Runs on SQLite and, when
TOWNHALL_TEST_DATABASE_URL is PostgreSQL, on a separate scratch PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from core import migrate
from core.plugins import Registry, build_plugin_manager
from core.settings import Settings, normalise_database_url

SCRATCH_PG = "th_contract_mig"


def _pg_admin(url: str) -> tuple[str, str]:
    """(dsn of the server's maintenance database, SQLAlchemy URL of the scratch database)."""
    parts = urlsplit(url.replace("+asyncpg", ""))
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    scratch = urlunsplit((parts.scheme, parts.netloc, f"/{SCRATCH_PG}", parts.query, ""))
    return admin, normalise_database_url(scratch)


async def _recreate_pg(admin_dsn: str, drop_only: bool = False) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}" WITH (FORCE)')
        if not drop_only:
            await conn.execute(f'CREATE DATABASE "{SCRATCH_PG}"')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    base = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    if not base.startswith(("postgresql", "postgres://")):
        pytest.skip("TOWNHALL_TEST_DATABASE_URL is not PostgreSQL")
    admin, scratch = _pg_admin(normalise_database_url(base))
    try:
        asyncio.run(_recreate_pg(admin))
    except Exception as exc:  # no server, no right to create databases...
        pytest.skip(f"cannot create the scratch database {SCRATCH_PG}: {exc}")
    yield scratch
    asyncio.run(_recreate_pg(admin, drop_only=True))


@pytest.fixture
def registry() -> Registry:
    return Registry.gather(build_plugin_manager(["tests.dummy_method.plugin"]))


def statuses(url: str, registry: Registry | None, *, compare: bool = True) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            return {s.name: s for s in await migrate.status(engine, registry, compare=compare)}
        finally:
            await engine.dispose()

    return asyncio.run(run())


def tables(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def execute(url: str, sql: str) -> None:
    async def run() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run())


def db_check(url: str) -> Any:
    from core.cli import cli

    return CliRunner().invoke(cli, ["db", "check"], env={"DATABASE_URL": url}, catch_exceptions=False)


def test_upgrade_from_empty_reaches_every_head_and_matches_the_models(empty_database: str, registry: Registry) -> None:
    before = statuses(empty_database, registry)
    assert set(before) == {"core", *(lin.name for lin in registry.lineages)}
    assert not any(s.ok for s in before.values())

    migrate.upgrade(empty_database, registry)

    after = statuses(empty_database, registry)
    for name, status in after.items():
        assert status.ok, f"{name}: at {status.current}, head {status.heads}, differences {status.differences}"
        assert len(status.heads) == 1, name
    present = tables(empty_database)
    assert {"tenant", "user_account", "project", "phase", "dummy_support"} <= present
    for lineage in migrate.all_lineages(registry):
        assert lineage.version_table in present, "every lineage keeps its own version table"
        assert set(lineage.tables) <= present


def test_upgrade_twice_changes_nothing(empty_database: str, registry: Registry) -> None:
    migrate.upgrade(empty_database, registry)
    first = tables(empty_database)
    migrate.upgrade(empty_database, registry)
    assert tables(empty_database) == first
    assert all(s.ok for s in statuses(empty_database, registry).values())


def test_db_check_cli_fails_before_and_passes_after_upgrade(empty_database: str) -> None:
    stale = db_check(empty_database)
    assert stale.exit_code == 1
    assert "core: NOT CURRENT" in stale.output

    from core.cli import cli

    upgrade = CliRunner().invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": empty_database})
    assert upgrade.exit_code == 0, upgrade.output

    current = db_check(empty_database)
    assert current.exit_code == 0, current.output
    assert "core: ok" in current.output


def test_db_check_notices_a_schema_that_drifted_from_the_models(empty_database: str, registry: Registry) -> None:
    migrate.upgrade(empty_database, registry)
    execute(empty_database, "ALTER TABLE topic ADD COLUMN colour VARCHAR(20)")
    drifted = db_check(empty_database)
    assert drifted.exit_code == 1
    assert "core: NOT CURRENT" in drifted.output and "colour" in drifted.output
    assert statuses(empty_database, registry)["dummy"].ok  # the other lineages are unaffected


def test_a_plugin_lineage_can_be_removed_without_touching_the_core(empty_database: str, registry: Registry) -> None:
    migrate.upgrade(empty_database, registry)
    dummy = next(lin for lin in registry.lineages if lin.name == "dummy")
    from alembic import command

    migrate.run_blocking(lambda: command.downgrade(migrate.alembic_config(dummy, empty_database), "base"))
    present = tables(empty_database)
    assert "dummy_support" not in present and "phase" in present
    result = statuses(empty_database, registry)
    assert result["core"].ok and not result["dummy"].ok


def test_downgrade_all_leaves_no_table_of_any_lineage(empty_database: str, registry: Registry) -> None:
    migrate.upgrade(empty_database, registry)
    migrate.downgrade_all(empty_database, registry)
    owned = set().union(*(lin.tables for lin in migrate.all_lineages(registry)))
    assert tables(empty_database) & owned == set()


def test_the_app_refuses_to_start_on_a_stale_schema(empty_database: str) -> None:
    from core.app import SchemaNotCurrent, check_schema, create_app

    app = create_app(Settings(database_url=empty_database, plugins=["tests.dummy_method.plugin"]))

    async def start() -> None:
        try:
            await check_schema(app)
        finally:
            await app.state.townhall.db.dispose()

    with pytest.raises(SchemaNotCurrent, match="townhall db upgrade"):
        asyncio.run(start())


def test_the_heads_read_without_alembic_are_alembics_heads(registry: Registry) -> None:
    """core/db/lineages.py reads revisions from the scripts (a worker's start-up check); Alembic must agree."""
    from alembic.script import ScriptDirectory

    from core.db.lineages import script_heads

    for lineage in migrate.all_lineages(registry):
        alembic_heads = ScriptDirectory.from_config(migrate.alembic_config(lineage, "sqlite://")).get_heads()
        assert script_heads(lineage.script_location) == frozenset(alembic_heads), lineage.name


def test_a_merge_revision_leaves_one_head(tmp_path: Path) -> None:
    from core.db.lineages import script_heads

    versions = tmp_path / "versions"
    versions.mkdir()
    for name, down in [("a", None), ("b", "a"), ("c", "a"), ("d", ("b", "c"))]:
        (versions / f"{name}.py").write_text(f"revision: str = {name!r}\ndown_revision = {down!r}\n")
    assert script_heads(tmp_path) == {"d"}
    (versions / "e.py").write_text("revision = 'e'\ndown_revision = 'b'\n")
    assert script_heads.__wrapped__(tmp_path) == {"d", "e"}
