"""Offline input for every method: CSV/XLSX upload → preview → column mapping → per-row errors → confirmation.

A method declares an :class:`ImportSpec` (its row schema and a write function) through the ``register_imports()``
hook; the core serves the pages (``core.imports.web``), keeps the uploaded table in ``import_batch`` until staff
confirm (``core.imports.service``) and writes nothing before. Modules: ``reading`` (files → text table),
``spec`` (what a method declares), ``checking`` (mapping and per-row checks), ``service`` (batches), ``web``.
docs/imports.md is the guide for plugin authors.
"""

from core.imports.checking import RowResult, check_rows, guess_mapping, read_mapping
from core.imports.reading import MAX_BYTES, MAX_ROWS, ImportFileError, Table, read_table
from core.imports.spec import ImportColumn, ImportContext, ImportSpec, RowError


def import_path(phase_id: int, key: str) -> str:
    """Where staff start an import of a phase (without locale prefix): link to it from the method's staff pages."""
    return f"/p/{phase_id}/import/{key}"


__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "ImportColumn",
    "ImportContext",
    "ImportFileError",
    "ImportSpec",
    "RowError",
    "RowResult",
    "Table",
    "check_rows",
    "guess_mapping",
    "import_path",
    "read_mapping",
    "read_table",
]
