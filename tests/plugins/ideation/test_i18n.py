"""The ideation catalogs are complete in every supported language and actually used."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n_tools import check_domain
from core.settings import SUPPORTED_LOCALES
from core.specs import TranslationDomain

HERE = Path(__file__).resolve().parents[3] / "plugins" / "ideation"


def test_catalogs_complete() -> None:
    problems = check_domain(TranslationDomain("ideation", HERE / "locale", (HERE,)))
    assert problems == []
    assert all((HERE / "locale" / code / "LC_MESSAGES" / "ideation.po").exists() for code in SUPPORTED_LOCALES)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("nl", "Ideeën"), ("fr", "Idées"), ("de", "Ideen"), ("nb", "Ideer"), ("ar", "الأفكار"), ("en", "Ideas")],
)
async def test_pages_in_each_language(ideation, client, code, expected) -> None:
    phase = await ideation.phase(submission_enabled=False)
    page = await client.get(f"/{code}/p/{phase.id}/ideation")
    assert page.status_code == 200
    assert f"<h1>{expected}:" in page.text
    assert f'lang="{code}"' in page.text
    if code == "ar":
        assert 'dir="rtl"' in page.text
