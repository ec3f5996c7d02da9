"""Multilingual content fields ("multiloc"): ``{locale: text}`` maps written by admins."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from core.i18n import language_name


@dataclass(frozen=True)
class Localised:
    """A text in the best language available, and the language it is in when that is not the one asked for."""

    text: str
    locale: str | None
    fallback: bool


def pick(value: dict | None, locale: str, default_locale: str) -> Localised:
    """Requested locale, then the tenant default, then any non-empty text."""
    if not value:
        return Localised("", None, False)
    if value.get(locale):
        return Localised(value[locale], locale, False)
    if value.get(default_locale):
        return Localised(value[default_locale], default_locale, True)
    for other, text in sorted(value.items()):
        if text:
            return Localised(text, other, True)
    return Localised("", None, False)


def render(value: dict | None, locale: str, default_locale: str, *, marker_label: str = "") -> Markup:
    """Escaped text; a fallback is marked with the name of its language in the reader's language.

    The foreign text is a ``<bdi lang>``: its own direction (Arabic in a Dutch page or the reverse) must not reorder
    the marker and punctuation around it, and a screen reader switches voice for it.
    """
    found = pick(value, locale, default_locale)
    if not found.fallback or found.locale is None:
        return escape(found.text)
    name = language_name(found.locale, locale)
    # A translated label carries the language name as a placeholder, since word order differs between languages.
    marker = marker_label % {"language": name} if "%(language)s" in marker_label else marker_label + name
    return Markup('<bdi lang="{lang}">{text}</bdi> <span class="fallback-marker">({marker})</span>').format(
        lang=found.locale, text=found.text, marker=marker
    )


def clean(value: dict | None, allowed_locales: list[str], *, required_locale: str | None = None) -> dict[str, str]:
    """Keep only the tenant's locales and non-blank texts; raise ValueError when the required one is missing."""
    result: dict[str, str] = {}
    for locale, text in (value or {}).items():
        if locale not in allowed_locales:
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
