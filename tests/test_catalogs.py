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
