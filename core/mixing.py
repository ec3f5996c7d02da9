"""Mixing rows so that where and when they were written says nothing: for ballots, anonymous responses and the
records that say who took part.

A table with no user, no timestamp and random ids can still give a secret away on PostgreSQL: the heap keeps rows
in the order they were written (``SELECT *`` without ``ORDER BY``, ``pg_dump`` and ``ctid`` show it) and every row
carries the id of the transaction that wrote it (``xmin``). A ballot written in the same transaction as the voter's
roll mark shares its ``xmin`` with it; the ballots' heap order zips with the roll marks' heap order.

Two tools, both dialect-neutral (on SQLite they only cost a rewrite):

- ``rewrite_shuffled(session, table, where, add=rows)`` deletes the rows that match and inserts them again
  (same ids, same values) together with ``add`` in a random order, in the caller's transaction. Afterwards the
  rewritten rows share that transaction's ``xmin`` and sit in the heap in a random order. A **mix** is this over a
  whole phase's rows (by a scheduled job, and at the close); a **cover** is this over a few random other rows
  together with the new one, in the very transaction that writes the new one, so even before the next mix the
  new row is one of ``k + 1`` rows with its ``xmin``, in a random order. On PostgreSQL a rewrite without new
  rows (a mix, a cover of existing rows) is one ``DELETE ... RETURNING`` / ``INSERT ... SELECT`` statement ordered
  by a one-time secret key: the rows do not travel to Python and back (issue 16: the close of 100,000 ballots);
  on SQLite such a rewrite takes and puts back the driver's raw rows, shuffled by ``SystemRandom``.
- ``sample(session, column, where, k)`` picks up to ``k`` random values of ``column`` (a primary key) among the
  rows that match, locking them (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a row another transaction is covering
  or mixing is skipped, never waited for, so covers cannot deadlock each other).

What this does not hide: anyone who sees the database at two moments (two backups, a replica, the write-ahead log,
the data files) sees which rows are new between them. The methods' docs pages state that residual risk.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, Table, Text, cast, delete, func, insert, literal, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

_rng = random.SystemRandom()

COVER = 8  # rows rewritten with each new secret row: the anonymity set before the next mix is COVER + 1


def _table(table: Any) -> Table:
    return table if isinstance(table, Table) else table.__table__


async def sample(
    session: Any, column: Any, where: ColumnElement[bool], k: int = COVER, *, pivot: Any = None
) -> list[Any]:
    """Up to ``k`` random values of ``column`` among the rows matching ``where``, locked for this transaction.

    With a ``pivot`` (a random value of the column's type, e.g. ``secrets.token_hex(16)`` for random hex ids) the
    sample is the next ``k`` values from the pivot on (wrapping around), an index walk; without one, ``ORDER BY
    random()``, which reads every matching row (fine for a few thousand, slow for a 100,000-ballot box)."""
    if k <= 0:
        return []
    locking = session.get_bind().dialect.name == "postgresql"

    async def take(stmt: Any) -> list[Any]:
        stmt = stmt.with_for_update(skip_locked=True) if locking else stmt
        return list((await session.scalars(stmt)).all())

    if pivot is None:
        return await take(select(column).where(where).order_by(func.random()).limit(k))
    found = await take(select(column).where(where & (column >= pivot)).order_by(column).limit(k))
    if len(found) < k:
        found += await take(select(column).where(where & (column < pivot)).order_by(column).limit(k - len(found)))
    return found


async def rewrite_shuffled(
    session: Any, table: Any, where: ColumnElement[bool] | None, add: Iterable[Mapping[str, Any]] = ()
) -> int:
    """Delete the rows of ``table`` matching ``where`` and insert them again with ``add``, all in a random order.

    The rows are taken by ``DELETE ... RETURNING``: exactly what was deleted is put back (a row another
    transaction writes meanwhile is neither lost nor doubled). Returns how many rows were written. Call it after
    the session's pending ORM changes to these rows are flushed; ORM objects of the rewritten rows keep their
    values (the rows are the same), but the caller should not rely on their state afterwards.
    """
    tbl = _table(table)
    add = list(add)
    dialect = session.get_bind().dialect.name
    if where is not None and not add and dialect == "postgresql":
        return await _move_in_server(session, tbl, where)
    if where is not None and not add and dialect == "sqlite":
        return await _move_raw(session, tbl, where)
    rows: list[dict[str, Any]] = []
    if where is not None:
        deleted = await session.execute(
            delete(tbl).where(where).returning(*tbl.c).execution_options(synchronize_session=False)
        )
        rows = [dict(r) for r in deleted.mappings().all()]
    rows += [dict(r) for r in add]
    if not rows:
        return 0
    _rng.shuffle(rows)
    keys = {k for r in rows for k in r}
    rows = [{k: r.get(k) for k in keys} if set(r) != keys else r for r in rows]
    for start in range(0, len(rows), 1000):
        await session.execute(insert(tbl), rows[start : start + 1000])
    return len(rows)


async def _move_in_server(session: Any, tbl: Table, where: ColumnElement[bool]) -> int:
    """``rewrite_shuffled`` without new rows, as one PostgreSQL statement (a whole phase's mix): ``WITH moved AS
    (DELETE ... RETURNING *) INSERT ... SELECT * FROM moved ORDER BY md5(key || primary key)``. The rows never
    travel to Python and back (the 100,000 ballots of a close: seconds instead of tens of seconds); the order is a
    permutation drawn by a fresh 128-bit secret key that is used once and never stored, as random to anyone
    without it as ``SystemRandom.shuffle``."""
    moved = delete(tbl).where(where).returning(*tbl.c).cte("moved")
    key = literal(secrets.token_hex(16), type_=Text)
    ident = [cast(moved.c[c.name], Text) for c in (tbl.primary_key.columns or tbl.c)]
    shuffled = select(*[moved.c[c.name] for c in tbl.c]).order_by(func.md5(func.concat(key, *ident)))
    result = await session.execute(
        insert(tbl).from_select([c.name for c in tbl.c], shuffled).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def _move_raw(session: Any, tbl: Table, where: ColumnElement[bool]) -> int:
    """``rewrite_shuffled`` without new rows on SQLite: the rows come back as the driver stores them (every column
    typed as plain text for the RETURNING: JSON stays its text, dates their ISO strings, no decoding) and go in
    again through the driver's own ``executemany`` in a ``SystemRandom`` order, with no per-row work in SQLAlchemy
    (the close of 100,000 ballots: most of its time was decoding and re-encoding every row)."""
    raw = [type_coerce(c, String).label(c.name) for c in tbl.c]
    deleted = await session.execute(
        delete(tbl).where(where).returning(*raw).execution_options(synchronize_session=False)
    )
    rows = [tuple(r) for r in deleted.all()]
    if not rows:
        return 0
    _rng.shuffle(rows)
    names = ", ".join(f'"{c.name}"' for c in tbl.c)
    marks = ", ".join("?" for _ in tbl.c)
    connection = await session.connection()
    await connection.exec_driver_sql(f'INSERT INTO "{tbl.name}" ({names}) VALUES ({marks})', rows)
    return len(rows)


async def cover(
    session: Any,
    table: Any,
    pk: Any,
    scope: ColumnElement[bool],
    *,
    own: Iterable[Any] = (),
    add: Iterable[Mapping[str, Any]] = (),
    k: int = COVER,
    pivot: Any = None,
) -> int:
    """Rewrite ``own`` rows (keys already locked by this transaction, e.g. just updated; ``pk`` must identify them
    alone) and ``add`` (new rows) together with up to ``k`` random other rows within ``scope`` (``pk`` need only be
    unique within it), in a random order. ``pivot``: see ``sample``."""
    own = list(own)
    others = await sample(session, pk, scope & pk.not_in(own) if own else scope, k, pivot=pivot)
    where = None
    if others:
        where = scope & pk.in_(others)
    if own:
        where = pk.in_(own) if where is None else where | pk.in_(own)
    return await rewrite_shuffled(session, table, where, add=add)
