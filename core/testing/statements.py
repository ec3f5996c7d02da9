"""Counting the SQL statements a request sends, so a page's cost is asserted rather than guessed (issue 16: a page
costs a fixed number of statements, whatever its data). Used by the query-count tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs (a ``before_cursor_execute`` listener on the
    async ``engine``'s sync engine, removed on the way out)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def page_statements(app: Any, client: Any, path: str, expect: str) -> list[str]:
    """The statements of a second ``GET path`` (the first fills the worker's caches: catalogs, templates, tenant
    caches), checking it answers 200 with ``expect`` in the page."""
    warm = await client.get(path)
    assert warm.status_code == 200, warm.text
    with counting(app.state.townhall.db.engine) as seen:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    assert expect in response.text, expect
    return seen


def assert_constant_within(counts: dict[str, tuple[int, ...]], anonymous: int, signed_in: int) -> None:
    """``counts`` maps "anonymous" and "signed in" to the statements of a small and a large page (and maybe more):
    the two must cost the same, and the large one no more than the ceiling for that visitor."""
    for who, ceiling in (("anonymous", anonymous), ("signed in", signed_in)):
        small, large = counts[who][:2]
        assert small == large, (who, counts)
        assert large <= ceiling, (who, ceiling, counts)
