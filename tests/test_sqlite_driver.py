"""The one-trip SQLite driver (core/db/sqlite_driver.py) behaves as the stock aiosqlite adapter for what the app
uses: rows, row counts, last row ids, executemany, errors, transactions, and it is the one the app's engine uses."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.db.engine import Database
from core.db.sqlite_driver import OneTripCursor, OneTripDBAPI


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield database
    await database.dispose()


async def test_the_engine_uses_one_trip_cursors(db):
    assert isinstance(db.engine.dialect.dbapi, OneTripDBAPI)
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)


async def test_rows_counts_and_last_row_ids(db):
    async with db.engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])  # executemany
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b!"), (3, "c!")]
        first = (await conn.execute(text("SELECT name FROM t ORDER BY id"))).first()
        assert first == ("a",)


async def test_errors_map_and_roll_back(db):
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
