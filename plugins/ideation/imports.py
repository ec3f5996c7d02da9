"""Offline input: ideas collected on paper or at a meeting, imported from CSV or XLSX.

Upload → the table is stored in an ImportBatch (nothing imported) → the preview shows each row checked against the
chosen column mapping, with its errors → on confirmation the valid rows become ideas marked offline with their
source. A batch can be confirmed once (a conditional UPDATE guards against double submission).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from core import audit, lazy_gettext, utcnow
from core import gettext as _
from core.web.errors import UserFacingError
from plugins.ideation.models import Idea, IdeaTopic, ImportBatch
from plugins.ideation.schemas import BODY_MAX, TITLE_MAX, in_bounds

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
FIELDS: dict[str, Any] = {
    "title": lazy_gettext("Title"),
    "body": lazy_gettext("Description"),
    "topics": lazy_gettext("Topics"),
    "area": lazy_gettext("Area"),
    "lat": lazy_gettext("Latitude"),
    "lon": lazy_gettext("Longitude"),
    "language": lazy_gettext("Language"),
}
GUESSES = {
    "title": ("title", "titel", "titre", "tittel", "name", "idea", "idee", "idée", "العنوان"),
    "body": ("body", "description", "beschrijving", "beschreibung", "beskrivelse", "text", "tekst", "texte", "الوصف"),
    "topics": ("topics", "topic", "thema", "themes", "thème", "themen", "tema", "onderwerp"),
    "area": ("area", "wijk", "quartier", "bezirk", "område", "district"),
    "lat": ("lat", "latitude", "breedtegraad"),
    "lon": ("lon", "lng", "longitude", "lengtegraad"),
    "language": ("language", "lang", "taal", "langue", "sprache", "språk"),
}


class ImportFileError(ValueError):
    pass


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV (comma or semicolon, UTF-8 or Latin-1) or XLSX file, as text."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is too large."))
    if data[:4] == b"PK\x03\x04":
        rows = _read_xlsx(data)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("This file could not be read as a spreadsheet."))
    else:
        rows = _read_csv(data)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise ImportFileError(_("The file needs a header row and at least one row of ideas."))
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(_("A file can hold at most %(n)d ideas.", n=MAX_ROWS))
    header = [h.strip() or f"#{i + 1}" for i, h in enumerate(rows[0])]
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    return header, body


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "\x00" in text:
        raise ImportFileError(_("This file could not be read as a spreadsheet."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise ImportFileError(_("This file could not be read as a spreadsheet.")) from exc
    sheet = workbook.worksheets[0]
    out = []
    for index, row in enumerate(sheet.iter_rows(values_only=True)):
        if index > MAX_ROWS + 1:
            break
        out.append(["" if v is None else str(v).replace("\x00", "").strip() for v in row])
    workbook.close()
    return out


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    lowered = [h.strip().casefold() for h in header]
    mapping: dict[str, int | None] = {}
    for name, words in GUESSES.items():
        mapping[name] = next((i for i, h in enumerate(lowered) if h in words), None)
    return mapping


@dataclass
class RowResult:
    number: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _lookup(names: dict[int, dict], wanted: str) -> int | None:
    key = wanted.strip().casefold()
    for ident, multiloc in names.items():
        if any(key == (text or "").strip().casefold() for text in multiloc.values()):
            return ident
    return None


def check_rows(
    header: list[str],
    rows: list[list[str]],
    mapping: dict[str, int | None],
    *,
    topics: dict[int, dict],
    areas: dict[int, dict],
    bounds: dict | None,
    locales: list[str],
    default_locale: str,
) -> list[RowResult]:
    """Each row under the mapping, with its problems (translated) listed per row."""

    def cell(row: list[str], name: str) -> str:
        index = mapping.get(name)
        return row[index].strip() if index is not None and 0 <= index < len(row) else ""

    results = []
    for number, row in enumerate(rows, start=2):
        res = RowResult(number, {})
        title = " ".join(cell(row, "title").split())
        if not title:
            res.errors.append(_("The title is missing."))
        elif len(title) > TITLE_MAX:
            res.errors.append(_("The title can be at most %(n)d characters long.", n=TITLE_MAX))
        body = cell(row, "body")
        if len(body) > BODY_MAX:
            res.errors.append(_("The description can be at most %(n)d characters long.", n=BODY_MAX))
        topic_ids = []
        for name in [p for p in cell(row, "topics").replace(",", ";").split(";") if p.strip()]:
            found = _lookup(topics, name)
            if found is None:
                res.errors.append(_("Unknown topic “%(name)s”.", name=name.strip()))
            elif found not in topic_ids:
                topic_ids.append(found)
        area_id = None
        if cell(row, "area"):
            area_id = _lookup(areas, cell(row, "area"))
            if area_id is None:
                res.errors.append(_("Unknown area “%(name)s”.", name=cell(row, "area")))
        lat = lon = None
        if cell(row, "lat") or cell(row, "lon"):
            try:
                lat, lon = float(cell(row, "lat").replace(",", ".")), float(cell(row, "lon").replace(",", "."))
            except ValueError:
                res.errors.append(_("The location is not a pair of numbers."))
            else:
                if not in_bounds(bounds, lat, lon):
                    res.errors.append(_("This location is outside the municipality."))
        language = cell(row, "language").lower() or default_locale
        if language not in locales:
            res.errors.append(_("Unknown language “%(name)s”.", name=language))
        res.values = {
            "title": title,
            "body": body,
            "topic_ids": topic_ids,
            "area_id": area_id,
            "lat": lat,
            "lon": lon,
            "language": language,
        }
        results.append(res)
    return results


async def confirm(pctx: Any, batch: ImportBatch, results: list[RowResult]) -> int:
    """Import the valid rows once; a second confirmation of the same batch is refused."""
    claimed = await pctx.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == "pending")
        .values(status="confirmed")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise UserFacingError(detail=_("This import has already been confirmed."), status_code=409)
    count = 0
    for res in results:
        if not res.ok:
            continue
        v = res.values
        idea = Idea(
            phase_id=pctx.phase.id,
            author_id=None,
            anonymous=False,
            title=v["title"],
            body=v["body"],
            language=v["language"],
            area_id=v["area_id"],
            lat=v["lat"],
            lon=v["lon"],
            offline=True,
            offline_source=batch.source[:200],
            created_at=utcnow(),
        )
        pctx.session.add(idea)
        await pctx.session.flush()
        for topic_id in v["topic_ids"]:
            pctx.session.add(IdeaTopic(idea_id=idea.id, topic_id=topic_id))
        count += 1
    await pctx.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id)
        .values(imported=count)
        .execution_options(synchronize_session=False)
    )
    audit.record(pctx.session, pctx.user, "ideation.ideas_imported", batch, {"count": count, "source": batch.source})
    await pctx.session.flush()
    return count
