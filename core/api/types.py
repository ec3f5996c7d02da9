"""What a method hands the public JSON API about one of its phases (the ``public_api`` hook).

The core owns the envelope (project, phase, pagination, ETag, CORS, languages); a method fills ``ApiPage`` with
the public part of its data: rows anyone may read, in the language asked for, never hidden, draft, withdrawn or
embargoed ones and never who wrote what. ``ApiQuery.cursor`` is the method's own opaque position (the ``next_cursor``
it returned on the previous page); ``after_id`` reads it when the method pages by ascending id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

MAX_PAGE = 100


class ApiQuery(msgspec.Struct, frozen=True):
    """One request for a page of a phase's public data."""

    locale: str
    default_locale: str
    limit: int = 25
    cursor: str | None = None

    @property
    def after_id(self) -> int:
        """The id after which the next page starts (0 for the first page; a malformed cursor reads as 0)."""
        try:
            return max(0, int(self.cursor or 0))
        except ValueError:
            return 0


class ApiPage(msgspec.Struct, frozen=True):
    """A page of a phase's public data: ``items`` (JSON-able dicts of one ``kind``, e.g. ``"idea"``), a ``summary``
    (counts, results once public), and ``next_cursor`` (None on the last page)."""

    kind: str
    items: list[dict[str, Any]] = msgspec.field(default_factory=list)
    summary: dict[str, Any] = msgspec.field(default_factory=dict)
    next_cursor: str | None = None


def id_page(
    kind: str,
    rows: list[Any],
    query: ApiQuery,
    to_json: Callable[[Any], dict[str, Any]],
    summary: dict[str, Any] | None = None,
    row_id: Callable[[Any], int] = lambda row: row.id,
) -> ApiPage:
    """An ``ApiPage`` from rows fetched in ascending id order with ``limit + 1`` (the extra row says there is more);
    ``row_id`` finds the id in a row that is not itself a model (e.g. ``lambda row: row[0].id`` for a tuple)."""
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    cursor = str(row_id(rows[-1])) if more and rows else None
    return ApiPage(kind=kind, items=[to_json(row) for row in rows], summary=summary or {}, next_cursor=cursor)
