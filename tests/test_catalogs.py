"""Every catalog of every domain (core and each installed plugin) is complete in all six locales."""

from __future__ import annotations

import pytest

from core.i18n import CORE_DOMAIN, Catalogs
from core.i18n_tools import check_domain
from core.plugins import Registry, build_plugin_manager

DOMAINS = [CORE_DOMAIN, *Registry.gather(build_plugin_manager()).translations]


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.domain)
def test_catalog_has_no_missing_untranslated_or_fuzzy_message(domain) -> None:
    problems = check_domain(domain)
    assert not problems, "\n".join(str(p) for p in problems[:50])


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("nl", "Projecten"), ("de", "Projekte"), ("fr", "Projets"), ("nb", "Prosjekter"), ("ar", "المشاريع")],
)
def test_the_core_catalog_really_translates(locale: str, expected: str) -> None:
    translations = Catalogs([]).get(locale)
    assert translations.ugettext("Projects") == expected


async def test_pages_are_served_translated(client, tenant) -> None:
    response = await client.get("/nl/projects")
    assert response.status_code == 200
    assert "Projecten" in response.text
    assert 'lang="nl"' in response.text


@pytest.mark.parametrize("domain", [d for d in DOMAINS if d.sources], ids=lambda d: d.domain)
def test_template_is_current_with_the_sources(domain, tmp_path) -> None:
    """A message added to code or templates but never extracted would ship untranslated: re-extract and compare."""
    from babel.messages.pofile import read_po

    from core.i18n_tools import extract, pot_path
    from core.specs import TranslationDomain

    fresh = TranslationDomain(domain.domain, tmp_path, domain.sources)
    extract(fresh)
    with pot_path(fresh).open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with pot_path(domain).open("rb") as fh:
        committed = {m.id for m in read_po(fh) if m.id}
    missing = sorted(str(m) for m in wanted - committed)
    assert not missing, f"run `townhall i18n extract` and translate: {missing[:20]}"
