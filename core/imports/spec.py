"""What a method declares to accept offline input: an ImportSpec with its columns, checks and write function.

A method returns ImportSpecs from the ``register_imports()`` hook. The core does the rest (upload, preview, column
mapping, per-row errors, confirmation, audit); docs/imports.md walks through it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# ``<method key>.<name>``: the method key rule of core.plugins, then a lowercase name.
SPEC_KEY = re.compile(r"^(?P<method>[a-z][a-z0-9]{1,39})\.(?P<name>[a-z][a-z0-9_]{0,39})$")


class RowError(Exception):
    """One problem of one row: a translated ``message``, and the ``column`` key it is about (None: the whole row).

    Column parsers raise it; ``ImportSpec.check_row`` returns a list of them.
    """

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.column = column


@dataclass
class ImportContext:
    """What the checks of one file may use: the phase, its decoded config, the tenant and who imports.

    ``data`` is the method's own scratch space: ``ImportSpec.prepare`` preloads it once per check (options, known
    references...) so column parsers and ``check_row`` stay synchronous; ``check_row`` may also remember rows seen
    so far in it (a reference used twice in the same file). A fresh context is built for the preview and again for
    the confirmation, so nothing leaks between them.
    """

    phase: Any
    config: Any
    tenant: Any
    actor: Any
    locale: str
    data: dict[str, Any] = field(default_factory=dict)
    # The app state (settings, registry), for a check that needs a deployment secret, e.g. a keyed hash of a
    # signer's identity (proposals' paper signatures). None when built outside a request.
    app: Any = None


@dataclass(frozen=True)
class ImportColumn:
    """One column of a method's row schema.

    ``parse(text, ictx)`` turns the cell's text (stripped; ``""`` when empty or unmapped) into a value, or raises
    ``RowError(message)``; without it the text itself is the value. A ``required`` column must be mapped before
    the import can be confirmed, and an empty cell in it is the row error ``missing`` (a lazy gettext string) or
    a generic one. ``aliases`` are header texts (any language, compared case-insensitively) that map a file's
    column to this one; the key and the translated label always count as aliases.
    """

    key: str
    label: Any
    required: bool = False
    aliases: tuple[str, ...] = ()
    parse: Callable[[str, ImportContext], Any] | None = None
    missing: Any = None
    hint: Any = None


@dataclass(frozen=True)
class ImportSpec:
    """An import a method offers for its phases (``ideation.ideas``, ``budgeting.paper``).

    ``write(session, phase, rows, source, actor)`` is awaited once, at confirmation, with the checked values of
    the valid rows only (one dict per row, keyed by column key, after ``check_row``) and the source staff typed
    ("Town meeting, 12 May"); it stores them marked as offline input with that source and returns how many items it
    wrote. It runs in the confirming request's transaction: raising ``UserFacingError`` writes nothing at all.

    ``prepare(session, ictx)`` (optional, async) preloads what the checks need into ``ictx.data``;
    ``check_row(values, ictx)`` (optional) checks a row as a whole after its cells parsed (a pair of coordinates, a
    ballot's rules), may add derived values to ``values`` and returns a list of RowError. ``summary`` is the column
    whose value names a row in the preview (default: the first column). ``count(n)`` says "n items" in the
    reader's language (``lambda n: ngettext("%(num)d idea", "%(num)d ideas", n)``); ``done_url(phase)`` is where the
    summary links to (default: the phase page). ``max_rows`` lowers the core's row limit for this import.
    """

    key: str
    label: Any
    columns: tuple[ImportColumn, ...]
    write: Callable[[Any, Any, list[dict[str, Any]], str, Any], Awaitable[int]]
    description: Any = None
    prepare: Callable[[Any, ImportContext], Awaitable[None]] | None = None
    check_row: Callable[[dict[str, Any], ImportContext], list[RowError]] | None = None
    summary: str | None = None
    count: Callable[[int], str] | None = None
    done_url: Callable[[Any], str] | None = None
    # False: the uploaded cells are dropped from ``import_batch`` once the batch is confirmed (personal data such as
    # signers' identities that the method stores only hashed); the counts, mapping and source stay.
    keep_rows: bool = True
    max_rows: int | None = None

    @property
    def method(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def summary_column(self) -> str:
        return self.summary or self.columns[0].key

    def column(self, key: str) -> ImportColumn | None:
        return next((c for c in self.columns if c.key == key), None)


def validate_spec(spec: ImportSpec) -> str | None:
    """Why a declared spec is unusable (checked at start-up), or None."""
    if not SPEC_KEY.match(spec.key):
        return f"import key {spec.key!r} must be '<method key>.<name>' ({SPEC_KEY.pattern})"
    if not spec.columns:
        return f"import {spec.key!r} declares no columns"
    keys = [c.key for c in spec.columns]
    if len(set(keys)) != len(keys):
        return f"import {spec.key!r} declares a column twice"
    if spec.summary is not None and spec.summary not in keys:
        return f"import {spec.key!r}: summary column {spec.summary!r} is not a column"
    return None
