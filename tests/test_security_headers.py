"""Security headers on every kind of response, CSRF refusals that write nothing, unknown hosts, Vary."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import get, post
from litestar.testing import AsyncTestClient

from core import Ctx, hookimpl
from core.app import create_app
from core.db.engine import Database
from core.models import Topic
from core.security import CSP
from core.testing import HTMX_HEADERS
from tests.dummy_method.models import DummySupport

EXPECTED = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def assert_secure(response: Any) -> None:
    where = f"{response.request.url} ({response.status_code})"
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{name} on {where}"
    content_type = response.headers.get("content-type", "")
    assert content_type.count("charset") <= 1, f"content-type {content_type!r} on {where}"
    if "/static/" not in response.request.url.path:
        assert response.headers.get("cache-control") == "no-store", f"cache-control on {where}"


def assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "javascript:" not in html


def test_the_policy_allows_no_inline_code_and_no_framing() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in CSP


async def test_pages_carry_the_headers_and_no_inline_code(client, factory, tenant) -> None:
    project = await factory.project(tenant, slug="safe")
    phase = await factory.phase(project, "dummy")
    for path in ("/", "/projects", "/projects/safe", f"/projects/safe/phases/{phase.id}", "/ar/projects/safe"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert_secure(response)
        assert "HX-Request" in response.headers.get("vary", ""), path
        assert_no_inline_code(response.text)
    assert "strict-transport-security" not in response.headers  # only behind TLS (secure_cookies)


async def test_not_found_pages_carry_the_headers(client, tenant) -> None:
    for path in ("/nowhere", "/projects/nope", "/p/999999/dummy/count", "/nl/projects/nope"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert_secure(response)
        assert "HX-Request" in response.headers.get("vary", "")
        assert_no_inline_code(response.text)


async def test_unknown_host_is_a_404_with_headers(client, tenant) -> None:
    for path in ("/", "/projects", "/p/1/dummy/count"):
        response = await client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 404
        assert_secure(response)
        assert "City" not in response.text


async def test_static_files_and_json_carry_the_headers(client, tenant) -> None:
    for path in ("/static/core/app.css", "/static/dummy/dummy.css", "/healthz"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert_secure(response)


async def test_htmx_errors_are_fragments_for_the_flash_area(client, tenant) -> None:
    response = await client.get("/projects/nope", headers=HTMX_HEADERS)
    assert response.status_code == 404
    assert response.headers["hx-retarget"] == "#flash"
    assert "<html" not in response.text
    assert_secure(response)


# --- CSRF ---------------------------------------------------------------------------------------------------------


@pytest.fixture
async def signed_in_phase(client, factory, tenant) -> Any:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "dummy")
    await factory.login(client, await factory.user(tenant))
    await client.get("/")  # the CSRF cookie exists, only the token is missing from the request
    return phase


async def test_a_post_without_csrf_token_is_refused_and_writes_nothing(
    client, factory, tenant, signed_in_phase
) -> None:
    response = await client.post(f"/p/{signed_in_phase.id}/dummy/support")
    assert response.status_code == 403
    assert "Your form may have expired" in response.text
    assert 'lang="en"' in response.text
    assert_secure(response)
    assert await factory.count(DummySupport, tenant.id) == 0


async def test_a_post_with_a_forged_token_is_refused(client, factory, tenant, signed_in_phase) -> None:
    for headers, data in (({"x-csrftoken": "forged"}, None), ({}, {"_csrf_token": "forged"})):
        response = await client.post(f"/p/{signed_in_phase.id}/dummy/support", headers=headers, data=data)
        assert response.status_code == 403
    assert await factory.count(DummySupport, tenant.id) == 0


async def test_the_csrf_refusal_speaks_the_url_language(client, signed_in_phase) -> None:
    response = await client.post(f"/ar/p/{signed_in_phase.id}/dummy/support")
    assert response.status_code == 403
    assert '<html lang="ar" dir="rtl">' in response.text


async def test_the_form_token_field_is_accepted(client, factory, tenant, signed_in_phase) -> None:
    token = client.cookies["csrftoken"]
    response = await client.post(
        f"/p/{signed_in_phase.id}/dummy/support", data={"_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert await factory.count(DummySupport, tenant.id) == 1


# --- server errors ------------------------------------------------------------------------------------------------


class Exploding:
    """A plugin whose handlers fail after writing, to see the error page and the rollback."""

    @hookimpl
    def register_routes(self) -> list[Any]:
        @get("/boom")
        async def boom_get(ctx: Ctx) -> str:
            raise RuntimeError("secret internal detail")

        @post("/boom")
        async def boom_post(ctx: Ctx) -> str:
            ctx.session.add(Topic(name={"en": "half written"}))
            await ctx.session.flush()
            raise RuntimeError("secret internal detail")

        return [boom_get, boom_post]


@pytest.fixture
async def exploding_client(townhall_settings: Any, tenant: Any) -> AsyncIterator[Any]:
    settings = msgspec.structs.replace(
        townhall_settings, plugins=[*townhall_settings.plugins, Exploding()], secure_cookies=True
    )
    exploding = create_app(settings)
    await exploding.state.townhall.db.dispose()
    exploding.state.townhall.db = Database(settings.database_url, pooled=False)
    async with AsyncTestClient(app=exploding, base_url="https://city.test", raise_server_exceptions=False) as c:
        yield c
    await exploding.state.townhall.db.dispose()


async def test_a_server_error_is_a_page_with_headers_and_no_traceback(exploding_client) -> None:
    response = await exploding_client.get("/boom")
    assert response.status_code == 500
    assert_secure(response)
    assert "Something went wrong on our side" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_a_server_error_rolls_back_what_the_request_wrote(exploding_client, factory, tenant) -> None:
    await exploding_client.get("/")
    token = exploding_client.cookies.get("__Host-csrftoken")  # secure cookies: the prefix no subdomain can set
    response = await exploding_client.post("/boom", headers={"x-csrftoken": token})
    assert response.status_code == 500
    assert await factory.count(Topic, tenant.id) == 0
