"""Multilingual content fields ("multiloc"): ``{locale: text}`` maps written by admins.

A text may also carry an **easy-read** (plain-language) variant per language, stored beside it under the BCP 47
private-use tag ``<locale>-x-easy`` (``{"en": "...", "en-x-easy": "..."}``): a valid language tag for API readers,
no schema change for any method, and every form and page that handles multiloc fields handles it too. Residents
who ask for easy read see the variant where one exists (``pick(..., easy=True)``) and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from core.i18n import language_name

EASY_SUFFIX = "-x-easy"


def easy_key(locale: str) -> str:
    """Where the easy-read variant of the ``locale`` text is kept."""
    return locale + EASY_SUFFIX


def is_easy_key(key: str) -> bool:
    return key.endswith(EASY_SUFFIX)


def content_keys(locales: list[str]) -> list[str]:
    """Every key a form may fill for these locales: each language, then each language's easy-read variant."""
    return [*locales, *(easy_key(code) for code in locales)]


def has_easy(value: dict | None, locale: str) -> bool:
    return bool(value) and bool(value.get(easy_key(locale)))  # type: ignore[union-attr]


@dataclass(frozen=True)
class Localised:
    """A text in the best language available, and the language it is in when that is not the one asked for."""

    text: str
    locale: str | None
    fallback: bool
    easy: bool = False


def pick(value: dict | None, locale: str, default_locale: str, *, easy: bool = False) -> Localised:
    """Requested locale (its easy-read variant first when asked for), then the tenant default, then any text.

    An easy-read variant never stands in for another language: a reader of Dutch who asks for easy read and finds
    only an English easy-read text gets the standard Dutch one.
    """
    if not value:
        return Localised("", None, False)
    if easy and value.get(easy_key(locale)):
        return Localised(value[easy_key(locale)], locale, False, True)
    if value.get(locale):
        return Localised(value[locale], locale, False)
    if value.get(default_locale):
        return Localised(value[default_locale], default_locale, True)
    for other, text in sorted(value.items()):
        if text and not is_easy_key(other):
            return Localised(text, other, True)
    return Localised("", None, False)


def render(
    value: dict | None,
    locale: str,
    default_locale: str,
    *,
    marker_label: str = "",
    easy: bool = False,
    easy_label: str = "",
) -> Markup:
    """Escaped text; a fallback is marked with the name of its language in the reader's language, an easy-read
    variant with ``easy_label`` (so the page says which text is being read).

    The foreign text is a ``<bdi lang>``: its own direction (Arabic in a Dutch page or the reverse) must not reorder
    the marker and punctuation around it, and a screen reader switches voice for it.
    """
    found = pick(value, locale, default_locale, easy=easy)
    if found.easy:
        return Markup('{text} <span class="easy-marker">{label}</span>').format(text=found.text, label=easy_label)
    if not found.fallback or found.locale is None:
        return escape(found.text)
    name = language_name(found.locale, locale)
    # A translated label carries the language name as a placeholder, since word order differs between languages.
    marker = marker_label % {"language": name} if "%(language)s" in marker_label else marker_label + name
    return Markup('<bdi lang="{lang}">{text}</bdi> <span class="fallback-marker">({marker})</span>').format(
        lang=found.locale, text=found.text, marker=marker
    )


def clean(value: dict | None, allowed_locales: list[str], *, required_locale: str | None = None) -> dict[str, str]:
    """Keep only the tenant's locales (and their easy-read variants) and non-blank texts; raise ValueError when the
    required one is missing."""
    result: dict[str, str] = {}
    for locale, text in (value or {}).items():
        if (locale[: -len(EASY_SUFFIX)] if is_easy_key(locale) else locale) not in allowed_locales:
            raise ValueError(f"locale {locale!r} is not enabled for this municipality")
        if not isinstance(text, str):
            raise ValueError("text expected")
        if "\x00" in text:
            raise ValueError("text contains a NUL character")
        stripped = text.strip()
        if stripped:
            result[locale] = stripped
    if required_locale and required_locale not in result:
        raise ValueError(f"a text in {required_locale!r} is required")
    return result
