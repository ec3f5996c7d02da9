"""Multilingual admin-written text: picking a language with fallback, rendering it safely, cleaning input."""

from __future__ import annotations

import pytest

from core.multiloc import Localised, clean, pick, render


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        ({"en": "Park", "nl": "Park NL"}, "nl", Localised("Park NL", "nl", False)),
        ({"en": "Park", "nl": "Park NL"}, "fr", Localised("Park", "en", True)),  # tenant default next
        ({"nl": "Park NL", "de": "Park DE"}, "fr", Localised("Park DE", "de", True)),  # then any, stable order
        ({"en": "", "nl": "Park NL"}, "en", Localised("Park NL", "nl", True)),  # blank counts as missing
        ({"fr": "", "en": ""}, "fr", Localised("", None, False)),
        ({}, "en", Localised("", None, False)),
        (None, "en", Localised("", None, False)),
    ],
)
def test_pick(value: dict | None, locale: str, expected: Localised) -> None:
    assert pick(value, locale, "en") == expected


def test_render_in_the_requested_language_has_no_marker() -> None:
    assert str(render({"nl": "Groen <plein>"}, "nl", "en", marker_label="in ")) == "Groen &lt;plein&gt;"


def test_render_marks_a_fallback_with_its_language() -> None:
    html = str(render({"en": "Green <square>"}, "nl", "en", marker_label="in "))
    assert html == '<bdi lang="en">Green &lt;square&gt;</bdi> <span class="fallback-marker">(in Engels)</span>'


def test_render_names_the_language_in_the_readers_language() -> None:
    html = str(render({"ar": "حديقة"}, "en", "en"))
    assert '<bdi lang="ar">حديقة</bdi>' in html and "(Arabic)" in html and "العربية" not in html
    assert "(الإنجليزية)" in str(render({"en": "Park"}, "ar", "en"))


def test_render_escapes_the_marker_label_too() -> None:
    assert "&lt;b&gt;" in str(render({"en": "x"}, "nl", "en", marker_label="<b>"))


def test_clean_keeps_enabled_locales_and_strips() -> None:
    assert clean({"en": "  Park ", "nl": "   ", "fr": "Parc"}, ["en", "nl", "fr"]) == {"en": "Park", "fr": "Parc"}
    assert clean(None, ["en"]) == {}


def test_clean_refuses_a_locale_the_municipality_has_not_enabled() -> None:
    with pytest.raises(ValueError, match="not enabled"):
        clean({"en": "Park", "ar": "حديقة"}, ["en", "nl"])


@pytest.mark.parametrize("text", ["Park\x00", "\x00", "a\x00b"])
def test_clean_refuses_nul_characters(text: str) -> None:
    with pytest.raises(ValueError, match="NUL"):
        clean({"en": text}, ["en"])


def test_clean_refuses_non_text() -> None:
    with pytest.raises(ValueError, match="text expected"):
        clean({"en": ["Park"]}, ["en"])


def test_clean_requires_the_required_locale() -> None:
    assert clean({"nl": "Park"}, ["en", "nl"], required_locale="nl") == {"nl": "Park"}
    with pytest.raises(ValueError, match="required"):
        clean({"en": "Park", "nl": " "}, ["en", "nl"], required_locale="nl")


async def test_a_fallback_is_marked_on_the_page(client, factory, tenant) -> None:
    await factory.project(tenant, slug="only-english", title={"en": "Only in English"})
    page = await client.get("/nl/projects/only-english")
    assert page.status_code == 200
    assert '<bdi lang="en">Only in English</bdi>' in page.text
    assert '<span class="fallback-marker">(taal: Engels)</span>' in page.text
    assert 'class="fallback-marker"' in page.text
    english = await client.get("/en/projects/only-english")
    assert "Only in English" in english.text and 'class="fallback-marker"' not in english.text
