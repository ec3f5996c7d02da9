"""Alembic with one lineage per owner: the core's and one per plugin, each with its own version table.

advanced-alchemy and the plain ``alembic`` CLI both assume a single lineage; CKAN's approach (one Config per
lineage) lets a plugin be installed or removed without touching the others' history. Alembic's commands are
synchronous and our engines are async, so every command runs its async work on a private event loop, in a worker
thread when the caller already has one running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from core.db.base import Base
from core.specs import MigrationLineage

T = TypeVar("T")
CORE_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def core_lineage() -> MigrationLineage:
    from core.models import CORE_TABLES

    return MigrationLineage("core", CORE_MIGRATIONS, CORE_TABLES)


def plugin_lineage(key: str, script_location: Path) -> MigrationLineage:
    """A plugin's lineage owns every table whose name starts with ``<key>_``."""
    tables = frozenset(name for name in Base.metadata.tables if name.startswith(f"{key}_"))
    return MigrationLineage(key, script_location, tables)


def run_blocking(fn: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def alembic_config(lineage: MigrationLineage, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(lineage.script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["lineage"] = lineage
    cfg.attributes["url"] = url
    return cfg


def _include(lineage: MigrationLineage) -> Callable[..., bool]:
    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = name if type_ == "table" else getattr(table, "name", None)
        if table_name is None:
            return True
        if table_name.startswith("alembic_version"):
            return False
        return table_name in lineage.tables

    return include_object


def _configure(context: Any, connection: Any, lineage: MigrationLineage) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=lineage.version_table,
        include_object=_include(lineage),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_env() -> None:
    """Body of every lineage's env.py: online migrations over an async engine."""
    from alembic import context

    import core.models  # noqa: F401 - registers core tables

    cfg = context.config
    lineage: MigrationLineage = cfg.attributes["lineage"]
    url: str = cfg.attributes["url"]

    def do_run(connection: Any) -> None:
        _configure(context, connection, lineage)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(do_run)
                await conn.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())


def all_lineages(registry: Any | None) -> list[MigrationLineage]:
    return [core_lineage(), *(registry.lineages if registry is not None else [])]


def upgrade(url: str, registry: Any | None, revision: str = "heads") -> None:
    for lineage in all_lineages(registry):
        run_blocking(lambda lineage=lineage: command.upgrade(alembic_config(lineage, url), revision))


def downgrade_all(url: str, registry: Any | None) -> None:
    for lineage in reversed(all_lineages(registry)):
        run_blocking(lambda lineage=lineage: command.downgrade(alembic_config(lineage, url), "base"))


def make_revision(url: str, lineage: MigrationLineage, message: str) -> None:
    """Autogenerate a new revision for one lineage (developer command)."""
    run_blocking(lambda: command.revision(alembic_config(lineage, url), message=message, autogenerate=True))


def heads(lineage: MigrationLineage) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(lineage, "sqlite://")).get_heads())


@dataclass(frozen=True)
class LineageStatus:
    name: str
    current: set[str]
    heads: set[str]
    differences: list[str]

    @property
    def ok(self) -> bool:
        return self.current == self.heads and not self.differences


async def _current_revisions(conn: AsyncConnection, lineage: MigrationLineage) -> set[str]:
    def read(sync_conn: Any) -> set[str]:
        if not inspect(sync_conn).has_table(lineage.version_table):
            return set()
        rows = sync_conn.execute(text(f"SELECT version_num FROM {lineage.version_table}"))
        return {row[0] for row in rows}

    return await conn.run_sync(read)


async def status(engine: AsyncEngine, registry: Any | None, *, compare: bool = True) -> list[LineageStatus]:
    """Per lineage: applied vs available revisions and, optionally, model/database differences."""
    import core.models  # noqa: F401

    result = []
    async with engine.connect() as conn:
        for lineage in all_lineages(registry):
            current = await _current_revisions(conn, lineage)
            differences: list[str] = []
            if compare and current:

                def diff(sync_conn: Any, lineage: MigrationLineage = lineage) -> list[str]:
                    ctx = MigrationContext.configure(
                        sync_conn, opts={"include_object": _include(lineage), "compare_type": True}
                    )
                    return [repr(d) for d in compare_metadata(ctx, Base.metadata)]

                differences = await conn.run_sync(diff)
            result.append(LineageStatus(lineage.name, current, heads(lineage), differences))
    return result
