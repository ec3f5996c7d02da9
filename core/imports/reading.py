"""Reading an uploaded CSV or XLSX file into a header and rows of text, within size and row limits.

Everything comes back as stripped text: the method's column parsers decide what a cell means. CSV files are decoded
as UTF-8 (with or without BOM), then Windows-1252, then Latin-1, and their delimiter (comma, semicolon, tab or pipe)
is sniffed from the first lines. XLSX files are read in openpyxl's read-only mode (constant memory) from the first
sheet; a formula cell comes back as its formula text (``=SUM(A1:A3)``), never evaluated.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from core.i18n import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_CELL = 10_000
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = ",;\t|"


class ImportFileError(ValueError):
    """The file cannot be used; the message is translated and meant for the person who uploaded it."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


def read_table(filename: str, data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Header and rows of a CSV or XLSX file, every row as wide as the header.

    Empty rows before the header and after the last row are dropped; empty rows in between are kept (and skipped
    by the checks) so that row numbers in the preview match the spreadsheet's.
    """
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > max_bytes:
        raise ImportFileError(_("The file is too large."))
    if data[:4] == ZIP_MAGIC:
        raw = _read_xlsx(data, max_rows)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("This file could not be read as a spreadsheet."))
    else:
        raw = _read_csv(data, max_rows)
    filled = [i for i, r in enumerate(raw) if any(cell for cell in r)]
    rows = raw[filled[0] : filled[-1] + 1] if filled else []
    if len(filled) < 2:
        raise ImportFileError(_("The file needs a header row and at least one row of data."))
    if len(filled) - 1 > max_rows:
        raise ImportFileError(_("A file can hold at most %(n)d rows.", n=max_rows))
    if len(rows[0]) > MAX_COLUMNS:
        raise ImportFileError(_("A file can have at most %(n)d columns.", n=MAX_COLUMNS))
    header = [h or f"#{i + 1}" for i, h in enumerate(rows[0])]
    width = len(header)
    return Table(header, [(r + [""] * width)[:width] for r in rows[1:]])


def _clean(value: object) -> str:
    """A cell as text PostgreSQL accepts (no NUL), trimmed and bounded."""
    text = "" if value is None else str(value)
    return text.replace("\x00", "").strip()[:MAX_CELL]


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: the most frequent candidate on the header line (outside quotes), where cells
    hold plain column names; csv.Sniffer over the sample when the header has none (a one-column file)."""
    first = re.sub(r'"[^"]*"', "", sample.split("\n", 1)[0])
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _read_csv(data: bytes, max_rows: int) -> list[list[str]]:
    text = decode(data)
    if "\x00" in text:
        raise ImportFileError(_("This file could not be read as a spreadsheet."))
    delimiter = sniff_delimiter(text[:8192])
    try:
        return _collect(
            ([_clean(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)),
            max_rows,
        )
    except csv.Error as exc:
        raise ImportFileError(_("This file could not be read as a spreadsheet.")) from exc


def _read_xlsx(data: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise ImportFileError(_("This file could not be read as a spreadsheet.")) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return _collect(([_clean(_cell_text(v)) for v in row[: MAX_COLUMNS + 1]] for row in rows), max_rows)
    except Exception as exc:  # no sheet, or broken sheet XML found while streaming the rows
        raise ImportFileError(_("This file could not be read as a spreadsheet.")) from exc
    finally:
        workbook.close()


def _collect(rows: Iterator[list[str]], max_rows: int) -> list[list[str]]:
    """The rows, read until the file has shown more filled rows than a header and ``max_rows`` (it will be
    refused then, so the rest need not be read)."""
    out: list[list[str]] = []
    filled = 0
    for row in rows:
        out.append(row)
        filled += 1 if any(row) else 0
        if filled > max_rows + 1:
            break
    return out


def _cell_text(value: object) -> object:
    """Whole numbers typed in a spreadsheet (a ballot number 17) read as ``17``, not ``17.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
