"""Migration lineages (one per owner) and whether a database is at their heads, without loading Alembic.

Why a module apart from core/migrate.py: every web worker checks the schema when it starts and on /healthz, and a
plugin names its lineage when it loads; importing Alembic (and reading every revision through it) for that cost
about half a CPU second per worker start. Revisions are read here from the scripts' own ``revision`` and
``down_revision`` assignments; tests/test_migrations.py checks the heads found agree with Alembic's for every
lineage. Migrating, downgrading and comparing models with the database stay in core/migrate.py.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.db.base import Base
from core.specs import MigrationLineage

CORE_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def core_lineage() -> MigrationLineage:
    from core.models import CORE_TABLES

    return MigrationLineage("core", CORE_MIGRATIONS, CORE_TABLES)


def plugin_lineage(key: str, script_location: Path) -> MigrationLineage:
    """A plugin's lineage owns every table whose name starts with ``<key>_``."""
    tables = frozenset(name for name in Base.metadata.tables if name.startswith(f"{key}_"))
    return MigrationLineage(key, script_location, tables)


def all_lineages(registry: Any | None) -> list[MigrationLineage]:
    return [core_lineage(), *(registry.lineages if registry is not None else [])]


def _names(value: Any) -> set[str]:
    if value is None:
        return set()
    return {value} if isinstance(value, str) else set(value)


@lru_cache(maxsize=64)
def script_heads(script_location: Path) -> frozenset[str]:
    """The head revisions of the scripts under ``script_location/versions`` (revisions no other one revises)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted((Path(script_location) / "versions").glob("*.py")):
        found: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and node.value is not None:
                found[target.id] = ast.literal_eval(node.value)
        if "revision" in found:
            revisions.add(found["revision"])
            revised |= _names(found.get("down_revision"))
    return frozenset(revisions - revised)


@dataclass(frozen=True)
class LineageStatus:
    name: str
    current: set[str]
    heads: set[str]
    differences: list[str]

    @property
    def ok(self) -> bool:
        return self.current == self.heads and not self.differences


async def current_revisions(conn: AsyncConnection, lineage: MigrationLineage) -> set[str]:
    def read(sync_conn: Any) -> set[str]:
        if not inspect(sync_conn).has_table(lineage.version_table):
            return set()
        rows = sync_conn.execute(text(f"SELECT version_num FROM {lineage.version_table}"))
        return {row[0] for row in rows}

    return await conn.run_sync(read)


async def revision_status(engine: AsyncEngine, registry: Any | None) -> list[LineageStatus]:
    """Per lineage: the revisions the database is at and the heads of its scripts."""
    async with engine.connect() as conn:
        return [
            LineageStatus(
                lineage.name, await current_revisions(conn, lineage), set(script_heads(lineage.script_location)), []
            )
            for lineage in all_lineages(registry)
        ]
