"""Offline input: ideas collected on paper or at a meeting, imported from CSV or XLSX through the core's import.

This module is only the row schema (``IDEAS``, registered by ``register_imports``): how each column is read and
checked, and how the valid rows become ideas marked offline with their source. Upload, preview, column mapping and
the once-only confirmation are the core's (docs/imports.md).
"""

from __future__ import annotations

from typing import Any

from core import ImportColumn, ImportContext, ImportSpec, RowError, lazy_gettext, ngettext, utcnow
from core import gettext as _
from plugins.ideation import services
from plugins.ideation.models import Idea, IdeaTopic
from plugins.ideation.schemas import BODY_MAX, TITLE_MAX, in_bounds
from plugins.ideation.spec import KEY


def _lookup(names: dict[int, dict], wanted: str) -> int | None:
    """The id whose multilingual name, in any language, equals ``wanted`` (case-insensitive)."""
    key = wanted.strip().casefold()
    for ident, multiloc in names.items():
        if any(key == (text or "").strip().casefold() for text in multiloc.values()):
            return ident
    return None


async def prepare(session: Any, ictx: ImportContext) -> None:
    topics, areas = await services.taxonomy(session)
    ictx.data["topics"] = {t.id: t.name for t in topics}
    ictx.data["areas"] = {a.id: a.name for a in areas}


def parse_title(text: str, ictx: ImportContext) -> str:
    title = " ".join(text.split())
    if len(title) > TITLE_MAX:
        raise RowError(_("The title can be at most %(n)d characters long.", n=TITLE_MAX))
    return title


def parse_body(text: str, ictx: ImportContext) -> str:
    if len(text) > BODY_MAX:
        raise RowError(_("The description can be at most %(n)d characters long.", n=BODY_MAX))
    return text


def parse_topics(text: str, ictx: ImportContext) -> list[int]:
    found: list[int] = []
    for name in [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]:
        ident = _lookup(ictx.data["topics"], name)
        if ident is None:
            raise RowError(_("Unknown topic “%(name)s”.", name=name))
        if ident not in found:
            found.append(ident)
    return found


def parse_area(text: str, ictx: ImportContext) -> int | None:
    if not text:
        return None
    ident = _lookup(ictx.data["areas"], text)
    if ident is None:
        raise RowError(_("Unknown area “%(name)s”.", name=text))
    return ident


def parse_language(text: str, ictx: ImportContext) -> str:
    language = text.lower() or ictx.tenant.default_locale
    if language not in ictx.tenant.locales:
        raise RowError(_("Unknown language “%(name)s”.", name=language))
    return language


def check_location(values: dict[str, Any], ictx: ImportContext) -> list[RowError]:
    """Latitude and longitude come as a pair of numbers inside the municipality, or not at all."""
    raw_lat, raw_lon = values.pop("lat"), values.pop("lon")
    values["lat"] = values["lon"] = None
    if not raw_lat and not raw_lon:
        return []
    try:
        lat, lon = float(raw_lat.replace(",", ".")), float(raw_lon.replace(",", "."))
    except ValueError:
        return [RowError(_("The location is not a pair of numbers."), "lat")]
    if not in_bounds(ictx.tenant.bounds, lat, lon):
        return [RowError(_("This location is outside the municipality."), "lat")]
    values["lat"], values["lon"] = lat, lon
    return []


async def write(session: Any, phase: Any, rows: list[dict[str, Any]], source: str, actor: Any) -> int:
    """Each valid row becomes an idea without author, marked offline with its source, with its topics."""
    for values in rows:
        idea = Idea(
            phase_id=phase.id,
            author_id=None,
            anonymous=False,
            title=values["title"],
            body=values["body"],
            language=values["language"],
            area_id=values["area"],
            lat=values["lat"],
            lon=values["lon"],
            offline=True,
            offline_source=source[:200],
            created_at=utcnow(),
        )
        session.add(idea)
        await session.flush()
        for topic_id in values["topics"]:
            session.add(IdeaTopic(idea_id=idea.id, topic_id=topic_id))
    await session.flush()
    return len(rows)


IDEAS = ImportSpec(
    key=f"{KEY}.ideas",
    label=lazy_gettext("Import offline ideas"),
    description=lazy_gettext("Ideas collected on paper or at a meeting, one idea per row."),
    columns=(
        ImportColumn(
            "title", lazy_gettext("Title"), required=True, parse=parse_title,
            missing=lazy_gettext("The title is missing."),
            aliases=("titel", "titre", "tittel", "name", "idea", "idee", "idée", "العنوان"),
        ),
        ImportColumn(
            "body", lazy_gettext("Description"), parse=parse_body,
            aliases=("description", "beschrijving", "beschreibung", "beskrivelse", "text", "tekst", "texte", "الوصف"),
        ),
        ImportColumn(
            "topics", lazy_gettext("Topics"), parse=parse_topics,
            aliases=("topic", "thema", "themes", "thème", "themen", "tema", "onderwerp"),
            hint=lazy_gettext("Topic names, separated by semicolons."),
        ),
        ImportColumn(
            "area", lazy_gettext("Area"), parse=parse_area, aliases=("wijk", "quartier", "bezirk", "område", "district")
        ),
        ImportColumn("lat", lazy_gettext("Latitude"), aliases=("latitude", "breedtegraad")),
        ImportColumn("lon", lazy_gettext("Longitude"), aliases=("lng", "longitude", "lengtegraad")),
        ImportColumn(
            "language", lazy_gettext("Language"), parse=parse_language,
            aliases=("lang", "taal", "langue", "sprache", "språk"),
        ),
    ),
    prepare=prepare,
    check_row=check_location,
    write=write,
    summary="title",
    count=lambda n: ngettext("%(num)d idea", "%(num)d ideas", n),
    done_url=lambda phase: f"/p/{phase.id}/{KEY}",
)  # fmt: skip
