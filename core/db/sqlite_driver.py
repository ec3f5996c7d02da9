"""SQLite through aiosqlite with one trip to the driver's thread per statement instead of four.

SQLAlchemy's aiosqlite adapter opens a cursor, executes, fetches and closes as four separate hand-offs to the
connection's thread; each costs a queue put, a thread wake-up and a loop wake-up (about 0.2 ms of CPU), more than
most of a page's statements take in SQLite itself. Here the whole cursor round (execute, description, every row,
row count, last row id, close) runs as one function on that thread, and the adapter keeps the results, as the stock
one already does for a client-side cursor. Server-side cursors (after a due BEGIN) and errors are the stock adapter's.

Transactions cost no trip of their own where they need none. A plain (deferred) ``BEGIN`` takes no lock and reads
nothing until the next statement, so it runs in that statement's trip, just before it; a ``COMMIT`` or
``ROLLBACK`` when no transaction is open (the pool's rollback of a connection it gets back after a commit, or a
transaction in which nothing ran) does nothing in SQLite, so it is not sent. Whether one is open is what the
connection itself said at the end of the last trip; after an error it counts as open. A read-only request went
from six trips (BEGIN, three statements, COMMIT, the pool's ROLLBACK) to four. ``BEGIN IMMEDIATE`` (a write
session, core.db.engine) still runs at once: it waits for the write lock where the session starts.

Passed to ``create_async_engine(module=...)`` by ``core.db.engine`` for ``sqlite+aiosqlite`` URLs.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)
from sqlalchemy.util.concurrency import await_


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: bool = False
) -> tuple[Any, list, int, Any, bool]:
    """On the driver's thread: the whole life of one sqlite3 cursor (after a deferred ``BEGIN`` if one is due), and
    whether a transaction is open at the end."""
    if begin:
        connection.execute("BEGIN")
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid, connection.in_transaction
    finally:
        cursor.close()


def _is_deferred_begin(operation: Any, parameters: Any) -> bool:
    return not parameters and isinstance(operation, str) and operation.strip().upper() == "BEGIN"


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement, rows and counters come back from the thread in one hand-off."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # no driver cursor outlives a statement
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    async def _round(self, operation: Any, parameters: Any, many: bool) -> None:
        driver, adapted = self._connection, self._adapt_connection
        async with adapted._execute_mutex:
            begin, adapted._begin_due = adapted._begin_due, False
            adapted._open = True  # until the trip says otherwise (an error leaves it open)
            description, rows, rowcount, lastrowid, adapted._open = await driver._execute(
                _run, driver._conn, operation, parameters, many, begin
            )
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        if _is_deferred_begin(operation, parameters) and not self._adapt_connection._open:
            self._adapt_connection._begin_due = True  # sent with the next statement (module docstring)
            self._description, self._rowcount, self._lastrowid, self._rows = None, -1, None, collections.deque()
            return None
        try:
            return await_(self._round(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._round(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class StreamingCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """The stock server-side cursor (``stream``, ``yield_per``), after any BEGIN that is due: SQLAlchemy makes the
    cursor before it begins the transaction, so the BEGIN is sent when the statement runs, not when the cursor is
    made. Whether a transaction is open is then unknown, so COMMIT and ROLLBACK are sent."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._adapt_connection.send_due_begin()
        self._adapt_connection._open = True
        return super().execute(operation, parameters)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """The stock connection with one-trip cursors, a deferred ``BEGIN`` and no trip for an idle COMMIT or ROLLBACK."""

    __slots__ = ("_begin_due", "_open")
    _cursor_cls = OneTripCursor
    _ss_cursor_cls = StreamingCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin_due = False  # a deferred BEGIN waits for the next statement's trip
        self._open = True  # a transaction may be open (not known yet: the connection is new)

    def send_due_begin(self) -> None:
        """Send a deferred BEGIN now, for a statement that does not travel in a one-trip round."""
        if self._begin_due:
            self._begin_due = False
            await_(self._cursor_cls(self)._round("BEGIN", None, False))

    def _finish(self, stock: Any) -> None:
        if self._begin_due:  # nothing ran since BEGIN: there is no transaction to end
            self._begin_due = False
            return
        if not self._open:
            return
        stock()
        self._open = False

    def commit(self) -> None:
        self._finish(super().commit)

    def rollback(self) -> None:
        self._finish(super().rollback)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The stock aiosqlite DBAPI shim, handing out ``OneTripConnection``s."""

    def connect(self, *arg: Any, **kw: Any) -> Any:
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def one_trip_module() -> Any:
    """The ``module=`` for ``create_async_engine``; the stock shim if this aiosqlite lacks the hand-off it uses."""
    if not hasattr(aiosqlite.Connection, "_execute"):
        return AsyncAdapt_aiosqlite_dbapi(aiosqlite, sqlite3)
    return OneTripDBAPI(aiosqlite, sqlite3)
