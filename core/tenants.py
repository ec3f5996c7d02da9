"""Creating and configuring municipalities (used by the CLI, the demo and the admin back office)."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

from babel.numbers import list_currencies
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Tenant, TenantHost
from core.settings import SUPPORTED_LOCALES
from core.tenancy import normalise_host

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class TenantSettingsError(ValueError):
    """Raised with the name of the offending field so forms can show it next to that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def validate_settings(
    *,
    locales: list[str],
    default_locale: str,
    timezone: str,
    currency: str,
    primary_color: str | None = None,
    accent_color: str | None = None,
    population: int | None = None,
    bounds: dict[str, float] | None = None,
    logo_url: str | None = None,
) -> None:
    if not locales or any(code not in SUPPORTED_LOCALES for code in locales):
        raise TenantSettingsError("locales", "unsupported locale")
    if default_locale not in locales:
        raise TenantSettingsError("default_locale", "the default language must be one of the enabled ones")
    if timezone not in available_timezones():
        raise TenantSettingsError("timezone", "unknown time zone")
    if not re.fullmatch(r"[A-Z]{3}", currency) or currency not in list_currencies():
        raise TenantSettingsError("currency", "currency must be a three-letter ISO code")
    for field, colour in (("primary_color", primary_color), ("accent_color", accent_color)):
        if colour is not None and not COLOUR_RE.match(colour):
            raise TenantSettingsError(field, "colour must look like #1d4ed8")
    if population is not None and population < 0:
        raise TenantSettingsError("population", "population cannot be negative")
    if bounds is not None:
        validate_bounds(bounds)
    if logo_url is not None and not LOGO_URL_RE.match(logo_url):
        raise TenantSettingsError("logo_url", "the logo must be an https:// address or a path starting with /")


LOGO_URL_RE = re.compile(r"^(https://[^\s\"'<>]{1,490}|/[^/\s\"'<>][^\s\"'<>]{0,498})$")
BOUND_LIMITS = {"south": 90.0, "north": 90.0, "west": 180.0, "east": 180.0}


def validate_bounds(bounds: dict[str, float]) -> None:
    """Geographic bounds for located input: latitudes within ±90, longitudes within ±180, south < north, west < east."""
    for key, limit in BOUND_LIMITS.items():
        value = bounds.get(key)
        if not isinstance(value, int | float) or value != value or not -limit <= value <= limit:
            raise TenantSettingsError(key, "coordinate out of range")
    if bounds["south"] >= bounds["north"]:
        raise TenantSettingsError("north", "north must be greater than south")
    if bounds["west"] >= bounds["east"]:
        raise TenantSettingsError("east", "east must be greater than west")


async def create_tenant(
    session: AsyncSession,
    *,
    slug: str,
    name: dict[str, str],
    hosts: list[str],
    locales: list[str] | None = None,
    default_locale: str = "en",
    timezone: str = "UTC",
    currency: str = "EUR",
    population: int | None = None,
    enabled_methods: list[str] | None = None,
) -> Tenant:
    if not SLUG_RE.match(slug):
        raise TenantSettingsError("slug", "slug must be lower-case letters, digits and dashes")
    locales = locales or [default_locale]
    validate_settings(
        locales=locales, default_locale=default_locale, timezone=timezone, currency=currency, population=population
    )
    clean_hosts = [normalise_host(h) for h in hosts]
    taken = await session.scalar(select(TenantHost.host).where(TenantHost.host.in_(clean_hosts)))
    if taken:
        raise TenantSettingsError("hosts", f"host {taken} already belongs to a municipality")
    tenant = Tenant(
        slug=slug,
        name=name,
        locales=locales,
        default_locale=default_locale,
        timezone=timezone,
        currency=currency,
        population=population,
        enabled_methods=enabled_methods or [],
    )
    tenant.hosts = [TenantHost(host=h) for h in clean_hosts]
    session.add(tenant)
    await session.flush()
    return tenant
