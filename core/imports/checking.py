"""Mapping a file's columns to a method's row schema and checking every row, without writing anything.

The same functions serve the preview and the confirmation: the confirmation checks the stored rows again (the
database may have changed since the preview), so what it writes is exactly what a fresh preview would call valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.i18n import gettext as _
from core.imports.spec import ImportContext, ImportSpec, RowError

FIRST_DATA_ROW = 2  # row 1 of the file is the header; numbers match what a spreadsheet shows


def _norm(text: Any) -> str:
    return " ".join(str(text).replace("_", " ").split()).casefold()


def guess_mapping(spec: ImportSpec, header: list[str]) -> dict[str, int | None]:
    """For each column of the spec, the first header cell equal to its key, translated label or an alias."""
    cells = [_norm(h) for h in header]
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for column in spec.columns:
        names = {_norm(column.key), _norm(column.label), *(_norm(a) for a in column.aliases)}
        mapping[column.key] = next((i for i, h in enumerate(cells) if h in names and i not in taken), None)
        if mapping[column.key] is not None:
            taken.add(mapping[column.key])  # type: ignore[arg-type]
    return mapping


def read_mapping(spec: ImportSpec, header: list[str], source: Mapping[str, Any]) -> dict[str, int | None]:
    """The mapping chosen in the form (``map_<column key>`` = header index, empty = not in the file); columns the
    form does not mention keep their guess, so a first preview needs no form at all."""
    guessed = guess_mapping(spec, header)
    mapping: dict[str, int | None] = {}
    for column in spec.columns:
        raw = source.get(f"map_{column.key}")
        if raw is None:
            mapping[column.key] = guessed[column.key]
            continue
        try:
            index = int(raw) if str(raw).strip() != "" else None
        except ValueError:
            index = None
        mapping[column.key] = index if index is not None and 0 <= index < len(header) else None
    return mapping


def unmapped_required(spec: ImportSpec, mapping: Mapping[str, int | None]) -> list[Any]:
    """Labels of the required columns the mapping leaves out (the import cannot be confirmed then)."""
    return [c.label for c in spec.columns if c.required and mapping.get(c.key) is None]


@dataclass
class RowResult:
    """One data row after checking: its number in the file, cell texts and parsed values by column key, and its
    problems (translated)."""

    number: int
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    text: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_rows(
    spec: ImportSpec, ictx: ImportContext, rows: list[list[str]], mapping: Mapping[str, int | None]
) -> list[RowResult]:
    """Every row parsed column by column, then checked as a whole by the spec's ``check_row``."""
    results = []
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        if not any(cell.strip() for cell in row):
            continue  # a blank line between rows: kept for the numbering, never an error
        result = RowResult(number, {})
        for column in spec.columns:
            index = mapping.get(column.key)
            text = row[index].strip() if index is not None and 0 <= index < len(row) else ""
            result.text[column.key] = text
            if column.required and not text:
                message = column.missing or _("“%(column)s” is empty.", column=column.label)
                result.errors.append(RowError(str(message), column.key))
                result.values[column.key] = None
                continue
            try:
                result.values[column.key] = column.parse(text, ictx) if column.parse else text
            except RowError as exc:
                result.errors.append(RowError(exc.message, exc.column or column.key))
                result.values[column.key] = None
        if result.ok and spec.check_row is not None:
            result.errors.extend(spec.check_row(result.values, ictx))
        results.append(result)
    return results
