"""Validated inputs: what a submitted form becomes before a service acts on it."""

from __future__ import annotations

from typing import Any

import msgspec

from core import Form, FormErrors
from core import gettext as _

TITLE_MIN, TITLE_MAX = 5, 150
BODY_MAX = 10000
MAX_IMAGES = 3


class IdeaInput(msgspec.Struct, kw_only=True):
    title: str
    body: str
    topic_ids: list[int] = msgspec.field(default_factory=list)
    area_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    anonymous: bool = False
    language: str = "en"


class ListQuery(msgspec.Struct, kw_only=True):
    topic: int | None = None
    area: int | None = None
    status: str | None = None
    q: str = ""
    sort: str = "random"
    page: int = 1

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query parameters for a link to this listing with some values changed (empty ones dropped)."""
        values = {f: getattr(self, f) for f in self.__struct_fields__} | changes
        return {k: v for k, v in values.items() if v is not None and v != "" and not (k == "page" and v == 1)}


def _float(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def in_bounds(bounds: dict | None, lat: float, lon: float) -> bool:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return False
    if not bounds:
        return True
    try:
        return float(bounds["south"]) <= lat <= float(bounds["north"]) and float(bounds["west"]) <= lon <= float(
            bounds["east"]
        )
    except (KeyError, TypeError, ValueError):
        return True


def parse_idea(
    form: Form,
    *,
    config: Any,
    tenant: Any,
    topic_ids: set[int],
    area_ids: set[int],
    locale: str,
    errors: FormErrors,
    has_images: bool = False,
) -> IdeaInput:
    """Read and check an idea form against the phase config; problems go to ``errors`` per field."""
    title = " ".join(form.get("title").split())
    body = form.get("body")
    if len(title) < TITLE_MIN:
        errors.add("title", _("Give your idea a title of at least %(n)d characters.", n=TITLE_MIN))
    elif len(title) > TITLE_MAX:
        errors.add("title", _("The title can be at most %(n)d characters long.", n=TITLE_MAX))
    if not body:
        errors.add("body", _("Describe your idea."))
    elif len(body) > BODY_MAX:
        errors.add("body", _("The description can be at most %(n)d characters long.", n=BODY_MAX))
    chosen_topics: list[int] = []
    for raw in form.getlist("topics"):
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value not in topic_ids:
            errors.add("topics", _("Choose topics from the list."))
        elif value not in chosen_topics:
            chosen_topics.append(value)
    if config.require_topic and not chosen_topics:
        errors.add("topics", _("Choose at least one topic."))
    area_id = form.int("area")
    if form.get("area") and (area_id is None or area_id not in area_ids):
        errors.add("area", _("Choose an area from the list."))
        area_id = None
    if config.require_area and area_id is None:
        errors.add("area", _("Choose an area."))
    lat = lon = None
    if config.collect_location and (form.get("lat") or form.get("lon")):
        lat, lon = _float(form.get("lat")), _float(form.get("lon"))
        if lat is None or lon is None:
            errors.add("lat", _("Enter the location as latitude and longitude, for example 52.37 and 4.89."))
            lat = lon = None
        elif not in_bounds(getattr(tenant, "bounds", None), lat, lon):
            errors.add("lat", _("This location is outside the municipality."))
            lat = lon = None
    if config.collect_location and config.require_location and lat is None and "lat" not in errors:
        errors.add("lat", _("Give the location of your idea."))
    if config.require_image and not has_images:
        errors.add("images", _("Add at least one image."))
    anonymous = form.flag("anonymous")
    if anonymous and not config.anonymous_allowed:
        errors.add("anonymous", _("Anonymous posting is not allowed in this phase."))
    return IdeaInput(
        title=title,
        body=body,
        topic_ids=chosen_topics,
        area_id=area_id,
        lat=lat,
        lon=lon,
        anonymous=anonymous,
        language=locale,
    )
