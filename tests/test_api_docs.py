"""docs/api.md runs: every ``http`` example is sent to a municipality seeded like the one the page describes, and
the ``json`` answer printed under it must have exactly the fields the real answer has (recursively, first list item)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from core.api import limits

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
BLOCK = re.compile(r"```(http|json)\n(.*?)```", re.S)


def examples() -> list[tuple[str, int, Any]]:
    """(path, expected status, documented JSON or None) for each ``http`` block of the page."""
    blocks = BLOCK.findall(DOC.read_text())
    out = []
    for index, (kind, text) in enumerate(blocks):
        if kind != "http":
            continue
        request_line = text.strip().splitlines()[0]
        method, path = request_line.split()[:2]
        assert method == "GET", request_line
        status = re.search(r"^# answers (\d{3})", text, re.M)
        documented = None
        if index + 1 < len(blocks) and blocks[index + 1][0] == "json":
            documented = json.loads(blocks[index + 1][1])
        out.append((path, int(status.group(1)) if status else 200, documented))
    return out


def shape(value: Any) -> Any:
    """Field names all the way down (first item of lists), the thing docs and answers must agree on."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


FREE_MAPS = ("_i18n", ".permissions", ".votes")  # keyed by language, action or option: any keys


def same_shape(documented: Any, real: Any, where: str = "") -> None:
    if where.endswith(FREE_MAPS):
        return
    if isinstance(documented, dict) and isinstance(real, dict):
        assert set(documented) == set(real), f"{where}: documented {sorted(documented)} != real {sorted(real)}"
        for key in documented:
            same_shape(documented[key], real[key], f"{where}.{key}")
    elif isinstance(documented, list) and isinstance(real, list) and documented and real:
        same_shape(documented[0], real[0], f"{where}[0]")


@pytest.fixture
async def described(factory, tenant, client) -> dict[str, Any]:
    """The municipality of docs/api.md: a published project ``park`` with an ideation phase and one idea."""
    limits.forget_all()
    project = await factory.project(
        tenant, slug="park", title={"en": "A greener park"}, description={"en": "Tell us what the park needs."}
    )
    phase = await factory.phase(project, "ideation", title={"en": "Your ideas"})
    author = await factory.user(tenant, verified=True)
    await factory.login(client, author)
    await client.get("/")
    posted = await client.post(
        f"/p/{phase.id}/ideation/new",
        data={"title": "More benches", "body": "Benches in the shade."},
        headers={"x-csrftoken": client.cookies.get("csrftoken", "")},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    client.cookies.clear()
    return {"phase": phase}


async def test_every_example_of_the_api_page_answers_as_documented(client, described) -> None:
    found = examples()
    assert len(found) >= 4, "docs/api.md lost its examples"
    etag = None
    for path, status, documented in found:
        path = re.sub(r"/phases/\d+", f"/phases/{described['phase'].id}", path)
        headers = {"If-None-Match": etag} if status == 304 else {}
        response = await client.get(path, headers=headers)
        assert response.status_code == status, (path, response.status_code, response.text[:300])
        etag = response.headers.get("etag", etag)
        if documented is not None:
            same_shape(shape(documented), shape(response.json()), path)
