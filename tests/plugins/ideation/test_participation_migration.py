"""Migration 0002_ideation_participation: a database at the previous heads (core with its participation tables,
ideation at 0001 with its own comments, reactions, follows, reports and answers) upgrades into the core tables with
nothing lost, comment ids kept, and downgrades back to the same rows and counters. SQLite always; PostgreSQL on a
scratch database when TOWNHALL_TEST_DATABASE_URL is PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from alembic import command
from sqlalchemy import bindparam, text

from core import JsonDoc, migrate
from core.db.engine import Database
from core.plugins import Registry, build_plugin_manager
from core.settings import normalise_database_url
from core.testing.factories import Factory
from tests.test_migrations import _pg_admin, execute, tables

SCRATCH = "th_part2_ideation_mig"
ADMIN_SQL = 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


async def _recreate(admin_dsn: str, create: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn, timeout=5)
    try:
        await conn.execute(ADMIN_SQL.format(name=SCRATCH))
        if create:
            await conn.execute(f'CREATE DATABASE "{SCRATCH}"')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'ideation.sqlite3'}"
        return
    base = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    if not base.startswith(("postgresql", "postgres://")):
        pytest.skip("TOWNHALL_TEST_DATABASE_URL is not PostgreSQL")
    admin, scratch = _pg_admin(normalise_database_url(base))
    scratch = scratch.rsplit("/", 1)[0] + f"/{SCRATCH}"
    try:
        asyncio.run(_recreate(admin, True))
    except Exception as exc:  # no server, no right to create databases...
        pytest.skip(f"cannot create the scratch database {SCRATCH}: {exc}")
    yield scratch
    asyncio.run(_recreate(admin, False))


def _ideation(registry: Registry) -> Any:
    return next(lineage for lineage in registry.lineages if lineage.name == "ideation")


def _migrate(url: str, registry: Registry, revision: str, *, down: bool = False) -> None:
    config = migrate.alembic_config(_ideation(registry), url)
    step = command.downgrade if down else command.upgrade
    migrate.run_blocking(lambda: step(config, revision))


OLD_ROWS = [
    # two ideas with counters as the old code kept them
    "INSERT INTO ideation_idea (id, tenant_id, phase_id, author_id, anonymous, title, body, language, status, hidden,"
    " offline, like_count, dislike_count, comment_count, report_count, created_at, updated_at) VALUES"
    " (1, :t, :ph, :a, false, 'Trees', 'Shade', 'en', 'accepted', false, false, 1, 1, 2, 1, :now, :now),"
    " (2, :t, :ph, :b, false, 'Benches', 'Sit', 'en', 'proposed', false, false, 0, 0, 0, 0, :now, :now)",
    # a thread: comment 7 with reply 9 on idea 1, comment 8 deleted
    "INSERT INTO ideation_comment (id, tenant_id, idea_id, parent_id, author_id, anonymous, body, language, hidden,"
    " like_count, dislike_count, report_count, created_at) VALUES"
    " (7, :t, 1, NULL, :b, false, 'Yes please', 'en', false, 1, 0, 1, :now),"
    " (8, :t, 1, NULL, :a, true, '', 'en', false, 0, 0, 0, :now),"
    " (9, :t, 1, 7, :a, false, 'Thanks', 'nl', false, 0, 0, 0, :now)",
    "UPDATE ideation_comment SET deleted_at = :now WHERE id = 8",
    "INSERT INTO ideation_idea_reaction (tenant_id, idea_id, user_id, phase_id, kind, created_at) VALUES"
    " (:t, 1, :b, :ph, 'like', :now), (:t, 1, :c, :ph, 'dislike', :now)",
    "INSERT INTO ideation_comment_reaction (tenant_id, comment_id, user_id, phase_id, kind, created_at) VALUES"
    " (:t, 7, :a, :ph, 'like', :now)",
    "INSERT INTO ideation_follow (tenant_id, idea_id, user_id, created_at) VALUES"
    " (:t, 1, :a, :now), (:t, 1, :b, :now), (:t, 2, :b, :now)",
    "INSERT INTO ideation_report (tenant_id, phase_id, target_type, target_id, reporter_id, reason, note, created_at)"
    " VALUES (:t, :ph, 'idea', 1, :c, 'spam', 'Advert', :now), (:t, :ph, 'comment', 7, :c, 'offensive', '', :now)",
]


async def _scene(url: str) -> dict[str, Any]:
    db = Database(url, pooled=False)
    try:
        factory = Factory(SimpleNamespace(db=db, registry=SimpleNamespace(methods={"ideation": None})))
        tenant = await factory.tenant(enabled_methods=["ideation"])
        a, b, c, staff = [await factory.user(tenant) for _ in range(4)]
        project = await factory.project(tenant)
        phase = await factory.phase(project, "ideation")
        ids = {"t": tenant.id, "ph": phase.id, "a": a.id, "b": b.id, "c": c.id, "s": staff.id, "pr": project.id}
        async with db.engine.begin() as conn:
            now = phase.starts_at
            for sql in OLD_ROWS:
                await conn.execute(text(sql), {**ids, "now": now})
            feedback = text(
                "INSERT INTO ideation_feedback (tenant_id, idea_id, author_id, text, status, created_at)"
                " VALUES (:t, 1, :s, :text, 'accepted', :now)"
            ).bindparams(bindparam("text", type_=JsonDoc()))
            answer = {"en": "We plant in spring", "nl": "In het voorjaar"}
            await conn.execute(feedback, {**ids, "now": now, "text": answer})
        return ids
    finally:
        await db.dispose()


async def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    db = Database(url, pooled=False)
    try:
        async with db.engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
    finally:
        await db.dispose()


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    return asyncio.run(_rows(url, sql))


def test_upgrade_moves_everything_and_downgrade_restores_it(database: str) -> None:
    registry = Registry.gather(build_plugin_manager([]))
    migrate.run_blocking(lambda: command.upgrade(migrate.alembic_config(migrate.core_lineage(), database), "heads"))
    _migrate(database, registry, "0001_ideation")
    ids = asyncio.run(_scene(database))
    a, b, c, s = ids["a"], ids["b"], ids["c"], ids["s"]
    before = {
        table: rows(database, f"SELECT * FROM {table} ORDER BY id")
        for table in ("ideation_comment", "ideation_idea_reaction", "ideation_comment_reaction", "ideation_follow")
    }
    counters = "SELECT id, like_count, dislike_count, comment_count, report_count FROM ideation_idea ORDER BY id"
    counted = rows(database, counters)

    _migrate(database, registry, "heads")
    assert "ideation_comment" not in tables(database)
    moved = "SELECT id, item_kind, item_id, parent_id, author_id, body, deleted_at FROM comment ORDER BY id"
    comments = [(*r[:6], r[6] is not None) for r in rows(database, moved)]
    assert comments == [
        (7, "ideation.idea", 1, None, b, "Yes please", False),
        (8, "ideation.idea", 1, None, a, "", True),
        (9, "ideation.idea", 1, 7, a, "Thanks", False),
    ]
    reactions = rows(database, "SELECT item_kind, item_id, user_id, kind FROM reaction ORDER BY id")
    assert reactions == [
        ("ideation.idea", 1, b, "like"),
        ("ideation.idea", 1, c, "dislike"),
        ("core.comment", 7, a, "like"),
    ]
    follows = rows(database, "SELECT item_kind, item_id, user_id FROM follow ORDER BY id")
    assert follows == [("ideation.idea", 1, a), ("ideation.idea", 1, b), ("ideation.idea", 2, b)]
    reports = rows(database, "SELECT item_kind, item_id, project_id, reporter_id, reason, note FROM report ORDER BY id")
    assert reports == [
        ("ideation.idea", 1, ids["pr"], c, "spam", "Advert"),
        ("core.comment", 7, ids["pr"], c, "offensive", ""),
    ]
    history = rows(database, "SELECT item_kind, item_id, author_id, status FROM status_change")
    assert history == [("ideation.idea", 1, s, "accepted")]
    # A new comment gets the next id after the kept ones (PostgreSQL's sequence was moved on).
    execute(
        database,
        "INSERT INTO comment (tenant_id, item_kind, item_id, phase_id, anonymous, body, language, hidden, created_at)"
        f" VALUES ({ids['t']}, 'dummy.phase', 1, {ids['ph']}, false, 'New', 'en', false, CURRENT_TIMESTAMP)",
    )
    assert rows(database, "SELECT id FROM comment WHERE body = 'New'") == [(10,)]
    execute(database, "DELETE FROM comment WHERE body = 'New'")

    _migrate(database, registry, "0001_ideation", down=True)
    for table, old in before.items():
        restored = rows(database, f"SELECT * FROM {table} ORDER BY id")
        if table == "ideation_comment":
            assert restored == old  # same ids, texts, dates, and the counters recomputed to what they were
        else:  # new ids, same content (``id`` and ``tenant_id`` are the last two columns)
            assert [r[:-2] for r in restored] == [r[:-2] for r in old], table
    assert rows(database, counters) == counted
    feedback = rows(database, "SELECT idea_id, author_id, status FROM ideation_feedback")
    assert feedback == [(1, s, "accepted")]
    assert rows(database, "SELECT COUNT(*) FROM comment")[0][0] == 0
    assert rows(database, "SELECT COUNT(*) FROM reaction")[0][0] == 0
