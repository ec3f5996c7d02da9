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


class Trips:
    """Counts the hand-offs to the driver's thread of every connection of the engine."""

    def __init__(self, monkeypatch) -> None:
        import aiosqlite

        self.sent: list[str] = []
        original = aiosqlite.Connection._execute

        async def counted(connection, fn, *args, **kwargs):
            self.sent.append(args[1].split()[0].upper() if fn.__name__ == "_run" else fn.__name__)
            return await original(connection, fn, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)


async def test_a_read_transaction_costs_its_statements_and_one_commit(db, monkeypatch):
    async with db.engine.connect() as conn:  # a pooled connection that has been used once before
        await conn.execute(text("SELECT 1"))
        await conn.commit()
    trips = Trips(monkeypatch)
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT count(*) FROM t"))
        await conn.execute(text("SELECT count(*) FROM t"))
        await conn.commit()
    # BEGIN travels with the first statement; the pool's rollback of a committed connection sends nothing
    assert trips.sent == ["SELECT", "SELECT", "commit"]


async def test_an_empty_transaction_sends_nothing(db, monkeypatch):
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        await conn.commit()
    trips = Trips(monkeypatch)
    async with db.engine.begin():
        pass
    assert trips.sent == []


async def test_the_deferred_begin_opens_a_real_transaction(db):
    async with db.engine.connect() as warm:  # so the next BEGIN is deferred (the connection is known idle)
        await warm.execute(text("SELECT 1"))
        await warm.commit()
    async with db.engine.connect() as writer:
        await writer.execute(text("INSERT INTO t (name) VALUES ('pending')"))
        async with db.engine.connect() as reader:  # another connection does not see an uncommitted row
            assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        await writer.rollback()
        assert (await writer.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        await writer.execute(text("INSERT INTO t (name) VALUES ('kept')"))
        await writer.commit()
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT name FROM t"))).scalars().all() == ["kept"]


async def test_an_error_right_after_a_deferred_begin_rolls_back(db):
    async with db.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('y')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    async with db.engine.begin() as conn:  # the same pooled connection, usable, its failed transaction undone
        assert (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all() == ["x"]
        savepoint = await conn.begin_nested()
        await conn.execute(text("INSERT INTO t (name) VALUES ('z')"))
        await savepoint.rollback()
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all() == ["x"]


async def test_a_streamed_first_statement_runs_inside_the_transaction(db):
    """A server-side cursor (``stream``) is the stock adapter's: the deferred BEGIN must still come before it, so
    what the stream read and what follows see one snapshot."""
    async with db.engine.connect() as warm:
        await warm.execute(text("SELECT 1"))
        await warm.commit()
    async with db.engine.connect() as reader:
        streamed = await reader.stream(text("SELECT count(*) FROM t"))
        assert [tuple(row) async for row in streamed] == [(0,)]
        async with db.engine.begin() as writer:
            await writer.execute(text("INSERT INTO t (name) VALUES ('later')"))
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0  # still the stream's snapshot
        await reader.commit()
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 1
