"""Languages: which one a page is in, how links keep it, RTL, and money in each locale's conventions."""

from __future__ import annotations

import re

import pytest

from core.i18n import format_money, negotiate

NBSP, NNBSP, RLM = "\xa0", "\u202f", "\u200f"


def lang_of(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)" dir="(ltr|rtl)">', html)
    assert match, "no <html lang dir>"
    return match.group(1)


@pytest.fixture
async def dorp(factory):
    """A municipality with Dutch (default) and English only."""
    return await factory.tenant("dorp.test", locales=["nl", "en"], default_locale="nl")


DORP = {"Host": "dorp.test"}


# --- resolution order: URL prefix > user preference > Accept-Language > tenant default -----------------------


async def test_tenant_default_without_any_hint(client, dorp) -> None:
    assert lang_of((await client.get("/", headers=DORP)).text) == "nl"


async def test_accept_language_beats_the_tenant_default(client, dorp) -> None:
    page = await client.get("/", headers={**DORP, "Accept-Language": "fr;q=1, en;q=0.8"})
    assert lang_of(page.text) == "en"  # fr is not enabled in Dorp: the next acceptable one


async def test_user_preference_beats_accept_language(client, factory, dorp) -> None:
    await factory.login(client, await factory.user(dorp, locale="en"))
    page = await client.get("/", headers={**DORP, "Accept-Language": "nl"})
    assert lang_of(page.text) == "en"


async def test_url_prefix_beats_user_preference(client, factory, dorp) -> None:
    await factory.login(client, await factory.user(dorp, locale="en"))
    page = await client.get("/nl/", headers={**DORP, "Accept-Language": "en"})
    assert lang_of(page.text) == "nl"


async def test_a_preference_for_a_locale_the_tenant_lacks_is_ignored(client, factory, dorp) -> None:
    await factory.login(client, await factory.user(dorp, locale="de"))
    page = await client.get("/", headers={**DORP, "Accept-Language": "en"})
    assert lang_of(page.text) == "en"


async def test_a_prefix_for_a_locale_the_tenant_lacks_is_not_used(client, dorp) -> None:
    page = await client.get("/ar/projects", headers=DORP)
    assert page.status_code == 200
    assert lang_of(page.text) == "nl"
    assert 'dir="rtl"' not in page.text
    assert 'href="/ar/' not in page.text  # links do not carry the refused prefix


async def test_an_unsupported_prefix_is_just_a_path(client, tenant) -> None:
    assert (await client.get("/es/projects")).status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-BE,nl;q=0.9,en;q=0.5", "nl"),
        ("de;q=0.5, fr;q=0.9", "fr"),
        ("no", "nb"),
        ("nn-NO", "nb"),
        ("es, it;q=0.5", None),
        ("fr;q=0, en;q=0.1", "en"),
        ("*", None),
        ("en;q=abc, nl", "nl"),
        ("", None),
        (None, None),
    ],
)
def test_negotiate(header: str | None, expected: str | None) -> None:
    assert negotiate(header, ["en", "nl", "fr", "de", "nb", "ar"]) == expected


# --- links and the language switch ----------------------------------------------------------------------------


async def test_language_switch_keeps_the_current_page(client, factory, tenant) -> None:
    project = await factory.project(tenant, slug="riverside")
    page = await client.get(f"/fr/projects/{project.slug}")
    assert lang_of(page.text) == "fr"
    for code in ("en", "nl", "de", "nb", "ar"):
        assert f'href="/{code}/projects/riverside" lang="{code}" hreflang="{code}"' in page.text
    assert 'href="/fr/projects/riverside" lang="fr" hreflang="fr" aria-current="true"' in page.text


async def test_internal_links_keep_the_url_language(client, tenant) -> None:
    page = await client.get("/de/")
    assert 'href="/de/projects"' in page.text
    assert 'href="/de/login"' in page.text
    assert 'href="/static/core/app.css"' in page.text  # static files are not prefixed


async def test_redirects_keep_the_url_language(client, factory, tenant, csrf) -> None:
    project = await factory.project(tenant, slug="keep")
    phase = await factory.phase(project, "dummy")
    await factory.login(client, await factory.user(tenant))
    response = await client.post(f"/nb/p/{phase.id}/dummy/support", headers=await csrf(client), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/nb/projects/keep/phases/{phase.id}"


# --- translations and direction -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "nl", "fr", "de", "nb", "ar"])
async def test_every_locale_renders_with_its_direction(client, factory, tenant, locale: str) -> None:
    project = await factory.project(tenant, slug="dir")
    phase = await factory.phase(project, "dummy")
    page = await client.get(f"/{locale}/projects/dir/phases/{phase.id}")
    assert page.status_code == 200
    expected_dir = "rtl" if locale == "ar" else "ltr"
    assert f'<html lang="{locale}" dir="{expected_dir}">' in page.text


@pytest.mark.parametrize(
    ("locale", "heading"),
    [
        ("en", "Show your support"),
        ("nl", "Betuig je steun"),
        ("fr", "Montrez votre soutien"),
        ("de", "Zeigen Sie Ihre Unterstützung"),
        ("nb", "Vis din støtte"),
        ("ar", "أظهر تأييدك"),
    ],
)
async def test_plugin_strings_are_translated_on_the_page(client, factory, tenant, locale: str, heading: str) -> None:
    project = await factory.project(tenant, slug="tr")
    phase = await factory.phase(project, "dummy")
    page = await client.get(f"/{locale}/projects/tr/phases/{phase.id}")
    assert f"<h2>{heading}</h2>" in page.text


async def test_plural_forms_follow_the_language(client, factory, tenant, csrf) -> None:
    project = await factory.project(tenant, slug="plural")
    phase = await factory.phase(project, "dummy")
    path = f"/projects/plural/phases/{phase.id}"
    assert "0 inwoners steunen deze fase." in (await client.get(f"/nl{path}")).text
    await factory.login(client, await factory.user(tenant))
    await client.post(f"/p/{phase.id}/dummy/support", headers=await csrf(client))
    assert "1 inwoner steunt deze fase." in (await client.get(f"/nl{path}")).text
    assert "يؤيد هذه المرحلة ساكن واحد (1)." in (await client.get(f"/ar{path}")).text


# --- money ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "expected"),
    [
        (123456, "EUR", "en", "€1,234.56"),
        (123456, "EUR", "nl", f"€{NBSP}1.234,56"),
        (123456, "EUR", "de", f"1.234,56{NBSP}€"),
        (123456, "EUR", "fr", f"1{NNBSP}234,56{NBSP}€"),
        (123456, "EUR", "ar", f"{RLM}1,234.56{NBSP}€"),
        (5, "EUR", "en", "€0.05"),
        (-5, "EUR", "de", f"-0,05{NBSP}€"),
        (0, "EUR", "nl", f"€{NBSP}0"),
        # Whole amounts drop the cents in every locale's own pattern; any cents keep both digits.
        (20000000, "EUR", "en", "€200,000"),
        (20000000, "EUR", "nl", f"€{NBSP}200.000"),
        (20000000, "EUR", "fr", f"200{NNBSP}000{NBSP}€"),
        (20000000, "EUR", "ar", f"{RLM}200,000{NBSP}€"),
        (20000010, "EUR", "en", "€200,000.10"),
        (-100, "EUR", "de", f"-1{NBSP}€"),
        (123456, "JPY", "en", "¥123,456"),  # the yen has no minor unit: 123456 minor units are ¥123,456
        (123456, "JPY", "de", f"123.456{NBSP}¥"),
        (123456, "NOK", "nb", f"1{NBSP}234,56{NBSP}kr"),
        (123456, "NOK", "en", "NOK1,234.56"),
        (99, "NOK", "nb", f"0,99{NBSP}kr"),
    ],
)
def test_format_money(minor: int, currency: str, locale: str, expected: str) -> None:
    assert format_money(minor, currency, locale) == expected


@pytest.mark.parametrize(
    ("share", "locale", "expected"),
    [(2 / 3, "en", "66.7%"), (0.3, "en", "30%"), (0.125, "nl", "12,5%"), (1 / 3, "de", "33,3\xa0%")],
)
def test_format_percent_keeps_at_most_one_decimal(share: float, locale: str, expected: str) -> None:
    from core.i18n import format_percent

    assert format_percent(share, locale) == expected


def test_locale_names_are_babels_endonyms() -> None:
    from babel import Locale

    from core.i18n import LOCALE_NAMES
    from core.settings import SUPPORTED_LOCALES

    assert {code: Locale.parse(code).get_display_name(code).capitalize() for code in SUPPORTED_LOCALES} == LOCALE_NAMES
