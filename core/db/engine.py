"""Engine and session factory built per app from settings (never at import time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from core.db.scoping import scoped_session, unscoped_session
from core.db.sqlite_driver import one_trip_module

# Sessions opened for writing take SQLite's write lock at BEGIN, so check-then-write sections cannot interleave.
WRITE_OPTION = "townhall_write"


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so check-then-write sections serialise instead of deadlocking."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The wait first: switching to (or confirming) WAL takes a lock, and under load another connection may
        # hold it for longer than the driver's default five seconds.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the engine and hands out sessions already scoped to a tenant (or explicitly unscoped)."""

    def __init__(
        self, url: str, *, echo: bool = False, pooled: bool = True, pool_size: int = 20, max_overflow: int = 10
    ) -> None:
        """``pooled=False`` opens a connection per session: needed when sessions run on several event loops (tests)."""
        self.url = url
        # JSON columns decode with msgspec (several times faster than json.loads: tallies read tens of thousands).
        kwargs: dict[str, object] = {"echo": echo, "json_deserializer": msgspec.json.decode}
        if not pooled or url in ("sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"):
            kwargs["poolclass"] = NullPool
        elif url.startswith("sqlite"):
            # Kept connections: opening one costs a thread, a file open and three PRAGMAs, more than a list page's SQL.
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=30)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=30)
        if url.startswith("postgresql+asyncpg"):
            # No JIT compilation: PostgreSQL compiles a statement it estimates as costly (a results page's count of
            # 400,000 votes) for about 14 ms, longer than the compiled code saves on a page's queries.
            kwargs["connect_args"] = {"server_settings": {"jit": "off"}}
        if url.startswith("sqlite+aiosqlite"):
            kwargs["module"] = one_trip_module()  # one hand-off to the driver thread per statement (sqlite_driver)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            _configure_sqlite(self.engine)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(
        self, tenant_id: int | None = None, *, unscoped: bool = False, write: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A session for one unit of work: commits on success, rolls back on any error.

        Without a tenant and without ``unscoped=True`` the session may only touch tenant-less tables.
        """
        async with self.sessionmaker() as session:
            if tenant_id is not None:
                scoped_session(session, tenant_id)
            elif unscoped:
                unscoped_session(session)
            if write and self.dialect == "sqlite":
                await session.connection(execution_options={WRITE_OPTION: True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
