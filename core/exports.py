"""Tabular downloads (CSV and XLSX) that a spreadsheet cannot turn into formulas, and the response that sends them.

A cell whose text starts with ``= + - @``, a tab or a carriage return is a formula to Excel, LibreOffice and Google
Sheets (OWASP "CSV injection"); such text gets a leading apostrophe. Numbers, dates and booleans are written as
values and left alone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from litestar import Response

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet will evaluate; non-text values are returned unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_rows(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[list[Any]]:
    yield [neutralise(h) for h in header]
    for row in rows:
        yield [neutralise(v) for v in row]


def to_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM so Excel detects the encoding of non-ASCII text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in safe_rows(header, rows):
        writer.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet: str = "export") -> bytes:
    # openpyxl is imported here, not at the top: it costs a fifth of a second at every start of every command and
    # worker, and most never write a spreadsheet.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31] or "export")
    for row in safe_rows(header, rows):
        # Control characters are illegal in XLSX XML; drop them rather than fail the whole export.
        worksheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def safe_filename(name: str) -> str:
    cleaned = _SAFE_NAME.sub("-", name).strip("-.")
    return cleaned or "export"


def download(data: bytes, filename: str, media_type: str) -> Response[bytes]:
    """An attachment response: never rendered inline, never sniffed, never cached by shared caches."""
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe_filename(filename)}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def table_download(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, basename: str, fmt: str) -> Response[bytes]:
    """CSV or XLSX download of a table; ``fmt`` must be one of FORMATS."""
    if fmt == "csv":
        return download(to_csv(header, rows), f"{basename}.csv", CSV_MEDIA_TYPE)
    if fmt == "xlsx":
        return download(to_xlsx(header, rows, sheet=basename), f"{basename}.xlsx", XLSX_MEDIA_TYPE)
    raise ValueError(f"unknown export format {fmt!r}")
