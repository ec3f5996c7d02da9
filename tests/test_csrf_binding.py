"""CSRF tokens are bound to the municipality and to the signed-in session, and rotate on sign-in and sign-out."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.context import AUTH_COOKIE
from core.db.engine import Database
from core.models import AuthSession
from core.testing.factories import DEFAULT_PASSWORD


async def fresh_token(client: Any) -> str:
    await client.get("/")
    return client.cookies["csrftoken"]


def use_token(client: Any, token: str, name: str = "csrftoken") -> None:
    """Put ``token`` in the browser's cookie jar, as a copied (or planted) cookie would be."""
    client.cookies.delete(name)
    client.cookies.set(name, token, domain=client.base_url.host)


async def test_a_token_from_one_session_is_refused_in_another(app, client, factory, tenant) -> None:
    ada, bob = await factory.user(tenant, email="ada@example.org"), await factory.user(tenant, email="bob@example.org")
    await factory.login(client, ada)
    ada_token = await fresh_token(client)
    async with AsyncTestClient(app=app, base_url="http://city.test") as other:
        await factory.login(other, bob)
        bob_token = await fresh_token(other)
        assert bob_token != ada_token
        use_token(other, ada_token)  # the whole pair copied from Ada's browser
        refused = await other.post("/logout", headers={"x-csrftoken": ada_token}, follow_redirects=False)
        assert refused.status_code == 403 and "Your form may have expired" in refused.text
        assert await factory.count(AuthSession, tenant.id, AuthSession.user_id == bob.id) == 1
        use_token(other, bob_token)
        accepted = await other.post("/logout", headers={"x-csrftoken": bob_token}, follow_redirects=False)
        assert accepted.status_code == 303
        assert await factory.count(AuthSession, tenant.id, AuthSession.user_id == bob.id) == 0


async def test_a_token_from_one_municipality_is_refused_on_another(app, client, factory, tenant, other_tenant) -> None:
    city_token = await fresh_token(client)
    form = {"email": "someone@example.org", "password": "whatever it is", "_csrf_token": city_token}
    async with AsyncTestClient(app=app, base_url="http://other.test") as elsewhere:
        use_token(elsewhere, city_token)
        refused = await elsewhere.post("/login", data=form)
        assert refused.status_code == 403
        elsewhere.cookies.clear()
        own = await fresh_token(elsewhere)
        accepted = await elsewhere.post("/login", data={**form, "_csrf_token": own})
        assert accepted.status_code == 401  # past the CSRF check: the (unknown) credentials were looked at


async def test_signing_in_and_out_rotates_the_token(client, factory, tenant) -> None:
    await factory.user(tenant, email="me@example.org")
    anonymous = await fresh_token(client)
    signed_in = await client.post(
        "/login",
        data={"email": "me@example.org", "password": DEFAULT_PASSWORD, "_csrf_token": anonymous},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and AUTH_COOKIE in client.cookies
    session_token = client.cookies["csrftoken"]
    assert session_token != anonymous
    use_token(client, anonymous)
    assert (await client.post("/logout", headers={"x-csrftoken": anonymous}, follow_redirects=False)).status_code == 403
    use_token(client, session_token)
    signed_out = await client.post("/logout", headers={"x-csrftoken": session_token}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert client.cookies["csrftoken"] not in (anonymous, session_token)


async def test_page_forms_and_htmx_carry_the_cookie_token(client, tenant) -> None:
    page = await client.get("/login")
    token = client.cookies["csrftoken"]
    assert f'name="_csrf_token" value="{token}"' in page.text
    assert f'"x-csrftoken": "{token}"' in page.text


async def test_with_secure_cookies_the_cookie_has_the_host_prefix(townhall_settings, factory, tenant) -> None:
    app = create_app(msgspec.structs.replace(townhall_settings, secure_cookies=True))
    await app.state.townhall.db.dispose()
    app.state.townhall.db = Database(townhall_settings.database_url, pooled=False)
    async with AsyncTestClient(app=app, base_url="https://city.test") as secure:
        response = await secure.get("/")
        cookies = [c for c in response.headers.get_list("set-cookie") if "csrftoken" in c]
        assert len(cookies) == 1 and cookies[0].startswith("__Host-csrftoken=")
        assert "; Secure" in cookies[0] and "; Path=/" in cookies[0] and "domain" not in cookies[0].lower()
        token = secure.cookies["__Host-csrftoken"]
        secure.cookies.delete("__Host-csrftoken")
        use_token(secure, token)  # a cookie without the prefix (e.g. set by a subdomain) is ignored
        form = {"email": "a@example.org", "password": "x" * 12, "_csrf_token": token}
        refused = await secure.post("/login", data=form)
        assert refused.status_code == 403
    await app.state.townhall.db.dispose()


async def test_a_token_with_non_ascii_characters_is_a_403_not_a_500(client, tenant) -> None:
    await client.get("/")
    odd = "é" * 96  # the cookie keeps the real token: only the submitted one is odd
    response = await client.post("/login", data={"email": "a@example.org", "password": "x" * 12, "_csrf_token": odd})
    assert response.status_code == 403
