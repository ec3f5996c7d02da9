"""Translations, locale negotiation and Babel formatting.

All gettext domains (core and one per plugin) are merged into one Translations object per locale, so templates
and code use a single ``_``. The active locale lives in a context variable set once per request; lazy strings
declared at import time resolve against it when rendered. Catalogs load from compiled ``.mo`` files when they are
current and are compiled in memory from the ``.po`` otherwise, so a forgotten compile step can never silently turn
the UI English.
"""

from __future__ import annotations

import functools
import io
import re
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.support import LazyProxy, NullTranslations, Translations

from core.settings import RTL_LOCALES
from core.specs import TranslationDomain


def core_locale_dir() -> Path:
    """The core's catalogs: the checkout's top-level ``i18n/`` (what translators edit), else the copy an installed
    wheel carries as ``core/_i18n`` (setup.py puts it there at build time; see tests/test_wheel.py)."""
    package = Path(__file__).resolve().parent
    checkout = package.parent
    if (checkout / "pyproject.toml").exists() and (checkout / "i18n" / "core.pot").exists():
        return checkout / "i18n"
    return package / "_i18n"


CORE_LOCALE_DIR = core_locale_dir()
CORE_DOMAIN = TranslationDomain("core", CORE_LOCALE_DIR, (Path(__file__).resolve().parent,))

_active_locale: ContextVar[str] = ContextVar("townhall_locale", default="en")
_active_translations: ContextVar[NullTranslations | None] = ContextVar("townhall_translations", default=None)

# Each language's own name (Babel's display name in that language, capitalised), written out rather than asked of
# Babel at import: that would load every supported locale's CLDR data (about 8 MiB) into every worker, where only
# the locales actually served need it. tests/test_i18n.py checks the table against Babel.
LOCALE_NAMES: dict[str, str] = {
    "en": "English",
    "nl": "Nederlands",
    "fr": "Français",
    "de": "Deutsch",
    "nb": "Norsk bokmål",
    "ar": "العربية",
}


@functools.cache
def language_name(code: str, reader: str) -> str:
    """The language ``code`` named in the ``reader``'s language ("Engels" for a Dutch reader of English text).

    ``LOCALE_NAMES`` are endonyms, right for a language switch (you look for your own language) but not for
    telling a reader which language a text is in: a Dutch reader does not know what "العربية" says.
    """
    try:
        return Locale.parse(reader).languages.get(code) or Locale.parse(code).get_display_name(reader) or code
    except (ValueError, TypeError):
        return code


def load_catalog(locale_dir: Path, locale: str, domain: str) -> Translations | None:
    base = locale_dir / locale / "LC_MESSAGES"
    po, mo = base / f"{domain}.po", base / f"{domain}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=domain)
    if po.exists():
        from babel.messages.mofile import write_mo  # only for a catalog whose .mo is missing or stale
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=domain)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        return Translations(buf, domain=domain)
    return None


class Catalogs:
    """Merged translations for every locale, built once per app from the registered domains."""

    def __init__(self, domains: list[TranslationDomain]) -> None:
        self.domains = [CORE_DOMAIN, *domains]
        self._cache: dict[str, NullTranslations] = {}

    def get(self, locale: str) -> NullTranslations:
        if locale not in self._cache:
            merged: Translations | None = None
            for domain in self.domains:
                found = load_catalog(domain.locale_dir, locale, domain.domain)
                if found is None:
                    continue
                if merged is None:
                    merged = found
                else:
                    merged.merge(found)
            self._cache[locale] = merged if merged is not None else NullTranslations()
        return self._cache[locale]


def activate(locale: str, translations: NullTranslations) -> None:
    _active_locale.set(locale)
    _active_translations.set(translations)


def current_locale() -> str:
    return _active_locale.get()


def gettext(message: str, **variables: object) -> str:
    translations = _active_translations.get()
    text = translations.ugettext(message) if translations is not None else message
    return text % variables if variables else text


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    translations = _active_translations.get()
    if translations is None:
        return singular if n == 1 else plural
    return translations.ungettext(singular, plural, n)


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    translations = _active_translations.get()
    text = translations.ungettext(singular, plural, n) if translations is not None else (singular if n == 1 else plural)
    variables.setdefault("num", n)
    return text % variables


def lazy_gettext(message: str) -> LazyProxy:
    """A string resolved in the reader's language at the moment it is shown."""
    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext


def is_rtl(locale: str) -> bool:
    return locale in RTL_LOCALES


def negotiate(accept_language: str | None, available: list[str]) -> str | None:
    """Pick the best of ``available`` for an Accept-Language header (q-values honoured, region ignored)."""
    if not accept_language:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        piece = part.strip()
        if not piece:
            continue
        lang, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((-quality, index, lang.strip().lower()))
    for quality, _index, lang in sorted(choices):
        if quality == 0:
            continue
        primary = lang.split("-")[0]
        if primary in ("no", "nn"):
            primary = "nb"
        if primary in available:
            return primary
    return None


def babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


def format_datetime(value: datetime, tz: str, locale: str, fmt: str = "medium") -> str:
    return dates.format_datetime(value, fmt, tzinfo=ZoneInfo(tz), locale=locale)


def format_date(value: datetime, tz: str, locale: str, fmt: str = "long") -> str:
    return dates.format_date(value.astimezone(ZoneInfo(tz)).date(), fmt, locale=locale)


def format_duration(seconds: int, locale: str | None = None) -> str:
    """A wait in words ("3 minutes", "3 Minuten"), rounded up to whole seconds, minutes, hours or days, so a
    resident told when to try again is never told too early."""
    seconds = max(1, int(seconds))
    for size in (86400, 3600, 60):  # Babel switches to a unit once the value reaches two of it (threshold=2)
        if seconds >= 2 * size:
            seconds = -(-seconds // size) * size
            break
    return dates.format_timedelta(
        timedelta(seconds=seconds), threshold=2, add_direction=False, locale=locale or current_locale()
    )


def format_number(value: int | float | Decimal, locale: str) -> str:
    return numbers.format_decimal(value, locale=locale)


def format_percent(value: float, locale: str) -> str:
    """A share (0.125 → "12.5%") in the locale's pattern, with at most one decimal: 2/3 is "66.7%", not
    "66.66666666666667%"; whole numbers stay whole ("30%")."""
    return numbers.format_percent(round(value, 3), locale=locale, decimal_quantization=False)


def currency_digits(currency: str) -> int:
    return numbers.get_currency_precision(currency)


def format_money(minor_units: int, currency: str, locale: str) -> str:
    """Money is stored in integer minor units; Babel knows each currency's digits and each locale's pattern.

    A whole amount is written without cents ("€200,000", not "€200,000.00"): budgets and costs are round numbers
    and the zeros make them harder to read and compare. Any other amount keeps the currency's digits."""
    digits = currency_digits(currency)
    amount = Decimal(minor_units).scaleb(-digits)
    if digits and minor_units % 10**digits == 0:
        return numbers.format_currency(
            amount, currency, format=_whole_pattern(locale), locale=locale, currency_digits=False
        )
    return numbers.format_currency(amount, currency, locale=locale)


@functools.lru_cache(maxsize=64)
def _whole_pattern(locale: str) -> str:
    """The locale's own currency pattern without its fraction part ("¤#,##0.00" → "¤#,##0")."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return re.sub(r"\.[0#]+", "", pattern)
