"""Accounts over HTTP, with mail delivered to a real local SMTP server: register, confirm, sign in/out, reset.

Each test follows the links the way a resident would: from the mail the SMTP server received.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from core.context import AUTH_COOKIE
from core.db.base import utcnow
from core.i18n import Catalogs
from core.models import Area, AuditEntry, AuthSession, EmailToken, RateLimitHit, User
from core.testing.factories import DEFAULT_PASSWORD
from tests import smtp
from tests.smtp import Inbox, form_post, login_as, path_of, use_session

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def smtp_server() -> Any:
    yield from smtp.run_server()


@pytest.fixture
def inbox(smtp_server: Any) -> Inbox:
    return smtp_server[1]


@pytest.fixture
def townhall_settings(townhall_settings: Any, smtp_server: Any) -> Any:
    return msgspec.structs.replace(
        smtp.pointed_at(townhall_settings, smtp_server[0]),
        load_entry_points=False,  # the core's account pages alone; plugins get their own tests
    )


def registration(email: str = "ada@example.org", **overrides: Any) -> dict[str, Any]:
    data = {
        "display_name": "Ada",
        "email": email,
        "password": DEFAULT_PASSWORD,
        "password_confirm": DEFAULT_PASSWORD,
        "locale": "en",
        "area_id": "",
        "terms": "1",
    }
    data.update(overrides)
    return data


async def user_named(factory: Any, tenant: Any, email: str) -> User | None:
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        return await session.scalar(select(User).where(User.email == email))


async def authenticated_as(client: Any) -> bool:
    """Whether the client's cookie signs it in: /account answers 200, or redirects to the login page."""
    response = await client.get("/account", follow_redirects=False)
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


# --- registration and confirmation -------------------------------------------------------------------------------


async def test_register_mails_a_link_that_confirms_the_address_once(client, tenant, factory, inbox: Inbox) -> None:
    response = await form_post(client, "/register", registration())
    assert response.status_code == 303
    assert response.headers["location"] == "/register/sent"
    page = await client.get("/register/sent")
    assert page.status_code == 200 and "Check your mail" in page.text

    user = await user_named(factory, tenant, "ada@example.org")
    assert user is not None and user.email_confirmed_at is None and user.locale == "en"
    assert user.display_name == "Ada"
    assert AUTH_COOKIE not in client.cookies  # registering does not sign in: the answer must not differ

    [mail] = inbox.to("ada@example.org")
    assert "Confirm your email address" in mail["Subject"]
    link = inbox.link("ada@example.org", "/confirm/")
    assert link.startswith("http://city.test/en/confirm/")

    confirmed = await client.get(path_of(link))
    assert confirmed.status_code == 200
    assert "ada@example.org" in confirmed.text
    user = await user_named(factory, tenant, "ada@example.org")
    assert user is not None and user.email_confirmed_at is not None
    assert await factory.count(AuditEntry, tenant.id, AuditEntry.action == "account.terms_accepted") == 1

    again = await client.get(path_of(link))
    assert again.status_code == 400
    assert "This link cannot be used" in again.text


async def test_registering_from_a_page_leads_back_to_it_after_confirming(client, tenant, inbox: Inbox) -> None:
    """Sign in to take part -> Create an account -> mail -> confirmed -> Sign in -> the page it started on."""
    response = await form_post(client, "/register", {**registration(), "next": "/projects?page=2"})
    assert response.status_code == 303
    link = inbox.link("ada@example.org", "/confirm/")
    assert link.endswith("?next=%2Fprojects%3Fpage%3D2")
    confirmed = await client.get(path_of(link))
    assert 'href="/en/login?next=%2Fprojects%3Fpage%3D2"' in confirmed.text
    await form_post(client, "/register", {**registration("eve@example.org"), "next": "//evil.test"})
    assert "evil" not in inbox.link("eve@example.org", "/confirm/")


async def test_registering_a_known_address_looks_the_same_and_mails_the_owner(
    client, tenant, factory, inbox: Inbox
) -> None:
    owner = await factory.user(tenant, email="known@example.org", locale="nl")
    fresh = await form_post(client, "/register", registration("fresh@example.org"))
    dup = await form_post(client, "/register", registration("Known@Example.org", display_name="Mallory"))
    assert (dup.status_code, dup.headers["location"]) == (fresh.status_code, fresh.headers["location"])
    assert dup.text == fresh.text
    assert await factory.count(User, tenant.id) == 2
    owner_after = await user_named(factory, tenant, "known@example.org")
    assert owner_after is not None
    assert (owner_after.id, owner_after.display_name, owner_after.password_hash) == (
        owner.id,
        owner.display_name,
        owner.password_hash,
    )

    [notice] = inbox.to("known@example.org")
    # The owner prefers Dutch: the notice is composed in Dutch.
    dutch = Catalogs([]).get("nl").ugettext("Someone tried to register with your address at %(site)s")
    assert dutch != "Someone tried to register with your address at %(site)s"
    assert notice["Subject"].startswith(dutch.split("%(site)s")[0].strip())
    links = inbox.links(notice)
    assert not any("/confirm/" in link for link in links)
    # Composed in the owner's language (the link carries it), and the request's own language was restored.
    assert any(link.endswith("/nl/reset") for link in links)
    page = await client.get("/register/sent")
    assert 'lang="en"' in page.text


async def test_area_and_language_are_stored_and_checked_against_the_tenant(client, tenant, factory) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        area = Area(name={"en": "North"})
        session.add(area)
        await session.flush()
        area_id = area.id
    form = await client.get("/register")
    assert "North" in form.text
    bad = await form_post(client, "/register", registration(area_id="999999"))
    assert bad.status_code == 422 and 'id="area_id-error"' in bad.text
    ok = await form_post(client, "/register", registration(area_id=str(area_id), locale="fr"))
    assert ok.status_code == 303
    user = await user_named(factory, tenant, "ada@example.org")
    assert user is not None and (user.area_id, user.locale) == (area_id, "fr")


async def test_unconfirmed_accounts_sign_in_see_a_banner_and_can_ask_a_new_link(
    client, tenant, factory, inbox: Inbox
) -> None:
    await form_post(client, "/register", registration())
    first = inbox.link("ada@example.org", "/confirm/")
    response = await form_post(client, "/login", {"email": "ada@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    account = await client.get("/account")
    assert account.status_code == 200
    assert "confirm-banner" in account.text and "/confirm/resend" in account.text

    resent = await form_post(client, "/confirm/resend", {})
    assert resent.status_code == 303 and resent.headers["location"] == "/account?notice=confirmation_sent"
    second = inbox.link("ada@example.org", "/confirm/")
    assert second != first
    assert (await client.get(path_of(second))).status_code == 200
    assert (await client.get(path_of(first))).status_code == 400  # confirming spends the older link too
    assert "confirm-banner" not in (await client.get("/account")).text


# --- signing in and out -------------------------------------------------------------------------------------------


async def test_login_rotates_the_session_and_a_planted_cookie_stops_working(client, tenant, factory) -> None:
    someone = await factory.user(tenant)
    user = await factory.user(tenant, email="me@example.org")
    planted = await login_as(factory, client, someone)  # a session cookie present before this login (e.g. planted)
    assert await authenticated_as(client)

    response = await form_post(
        client, "/login", {"email": "ME@example.org ", "password": DEFAULT_PASSWORD, "next": "/projects"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/projects"
    fresh = client.cookies[AUTH_COOKIE]
    assert fresh and fresh != planted
    account = await client.get("/account")
    assert user.display_name in account.text

    use_session(client, planted)
    assert not await authenticated_as(client)
    assert await factory.count(AuthSession, tenant.id, AuthSession.user_id == someone.id) == 0


async def test_wrong_credentials_say_the_same_thing_for_unknown_address_and_wrong_password(
    client, tenant, factory
) -> None:
    await factory.user(tenant, email="me@example.org")
    wrong_password = await form_post(client, "/login", {"email": "me@example.org", "password": "not the password"})
    unknown = await form_post(client, "/login", {"email": "nobody@example.org", "password": "not the password"})
    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert "Email or password is wrong." in response.text
        assert AUTH_COOKIE not in client.cookies
    assert await factory.count(AuthSession, tenant.id) == 0


async def test_a_user_of_another_municipality_cannot_sign_in_here(client, tenant, other_tenant, factory) -> None:
    await factory.user(other_tenant, email="elsewhere@example.org")
    response = await form_post(client, "/login", {"email": "elsewhere@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 401


async def test_logout_ends_the_session_on_the_server(client, tenant, factory) -> None:
    await factory.user(tenant, email="me@example.org")
    await form_post(client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
    token = client.cookies[AUTH_COOKIE]
    assert await factory.count(AuthSession, tenant.id) == 1

    response = await form_post(client, "/logout", {})
    assert response.status_code == 303 and response.headers["location"] == "/?notice=signed_out"
    assert await factory.count(AuthSession, tenant.id) == 0
    home = await client.get("/?notice=signed_out")
    assert "You are signed out." in home.text

    use_session(client, token)  # replaying the old cookie
    assert not await authenticated_as(client)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "evil.example",
        "/ok\r\nLocation: https://evil.example",
        "/nl//evil.example",
        "/ar/\\evil.example",
        "/nl/https://evil.example",
        "/de//evil.example/nl/x",
    ],
)
async def test_next_never_leaves_the_site(client, tenant, factory, target: str) -> None:
    await factory.user(tenant, email="me@example.org")
    form = await client.get("/login", params={"next": target})
    assert "evil.example" not in form.text
    response = await form_post(
        client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location


async def test_next_keeps_the_locale_prefix_of_the_request(client, tenant, factory) -> None:
    await factory.user(tenant, email="me@example.org")
    protected = await client.get("/nl/account", follow_redirects=False)
    assert protected.status_code == 303
    assert protected.headers["location"] == "/nl/login?next=%2Faccount"
    form = await client.get("/nl/login?next=%2Faccount")
    assert 'name="next" value="/account"' in form.text
    response = await form_post(
        client, "/nl/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD, "next": "/nl/account"}
    )
    assert response.headers["location"] == "/nl/account"


# --- password reset -----------------------------------------------------------------------------------------------


async def test_reset_flow_sets_a_new_password_ends_other_sessions_and_signs_in(
    app, client, tenant, factory, inbox: Inbox
) -> None:
    user = await factory.user(tenant, email="me@example.org", confirmed=False)
    async with AsyncTestClient(app=app, base_url="http://city.test") as other_device:
        await login_as(factory, other_device, user)
        assert await authenticated_as(other_device)

        asked = await form_post(client, "/reset", {"email": "me@example.org"})
        assert asked.status_code == 303 and asked.headers["location"] == "/reset/sent"
        link = inbox.link("me@example.org", "/reset/")
        form = await client.get(path_of(link))
        assert form.status_code == 200 and 'type="password"' in form.text

        mismatch = await form_post(
            client, path_of(link), {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"}
        )
        assert mismatch.status_code == 422 and 'id="password_confirm-error"' in mismatch.text
        done = await form_post(client, path_of(link), {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert (
            done.status_code == 303 and done.headers["location"] == "/en/account?notice=password_reset"
        )  # the link carried /en
        assert await authenticated_as(client)
        assert not await authenticated_as(other_device)

    refreshed = await user_named(factory, tenant, "me@example.org")
    assert refreshed is not None and refreshed.email_confirmed_at is not None  # the mailbox is proven
    assert "was changed" in inbox.to("me@example.org")[-1]["Subject"]

    used = await form_post(client, path_of(link), {"password": "yet another password", "password_confirm": "x"})
    assert used.status_code == 400 and "This link cannot be used" in used.text
    assert (await client.get(path_of(link))).status_code == 400

    await form_post(client, "/logout", {})
    old = await form_post(client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    new = await form_post(client, "/login", {"email": "me@example.org", "password": NEW_PASSWORD})
    assert new.status_code == 303


async def test_reset_answers_the_same_for_unknown_addresses_and_mails_nobody(client, tenant, factory, inbox) -> None:
    await factory.user(tenant, email="me@example.org")
    known = await form_post(client, "/reset", {"email": "me@example.org"})
    unknown = await form_post(client, "/reset", {"email": "nobody@example.org"})
    assert (known.status_code, known.headers["location"]) == (unknown.status_code, unknown.headers["location"])
    assert len(inbox.to("me@example.org")) == 1
    assert inbox.to("nobody@example.org") == []
    assert await factory.count(EmailToken, tenant.id) == 1


async def test_expired_reset_link_is_refused_clearly(client, tenant, factory, inbox: Inbox) -> None:
    await factory.user(tenant, email="me@example.org")
    await form_post(client, "/reset", {"email": "me@example.org"})
    link = inbox.link("me@example.org", "/reset/")
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(EmailToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    page = await client.get(path_of(link))
    assert page.status_code == 400 and "This link cannot be used" in page.text and "/reset" in page.text
    post = await form_post(client, path_of(link), {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert post.status_code == 400
    assert AUTH_COOKIE not in client.cookies
    assert (await client.get("/reset/not-a-token")).status_code == 400


async def test_a_reset_link_cannot_confirm_an_address_and_vice_versa(client, tenant, factory, inbox: Inbox) -> None:
    await factory.user(tenant, email="me@example.org", confirmed=False)
    await form_post(client, "/reset", {"email": "me@example.org"})
    token = inbox.link("me@example.org", "/reset/").rsplit("/", 1)[1]
    assert (await client.get(f"/confirm/{token}")).status_code == 400
    assert (await client.get(f"/account/email/{token}")).status_code == 400


# --- rate limits --------------------------------------------------------------------------------------------------


async def test_login_is_rate_limited_per_address_and_counts_are_shared_between_workers(
    app, client, tenant, factory, townhall_settings
) -> None:
    from core.app import create_app

    await factory.user(tenant, email="me@example.org")
    limit = townhall_settings.login_rate_limit
    for _ in range(limit):
        response = await form_post(client, "/login", {"email": "me@example.org", "password": "wrong password!"})
        assert response.status_code == 401
    assert await factory.count(RateLimitHit) == 2 * limit  # per IP and per address

    second_worker = create_app(townhall_settings)  # another process would share only the database
    try:
        async with AsyncTestClient(app=second_worker, base_url="http://city.test") as other:
            refused = await form_post(other, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == str(townhall_settings.rate_limit_window_seconds)
            assert "Too many attempts" in refused.text
            assert AUTH_COOKIE not in other.cookies
            dutch = await form_post(other, "/nl/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
            assert dutch.status_code == 429 and 'lang="nl"' in dutch.text
    finally:
        await second_worker.state.townhall.db.dispose()

    async with factory.db.session(unscoped=True, write=True) as session:  # the window passes
        await session.execute(update(RateLimitHit).values(created_at=utcnow() - timedelta(hours=1)))
    ok = await form_post(client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
    assert ok.status_code == 303


async def test_successful_logins_do_not_use_up_the_limit(client, tenant, factory, townhall_settings) -> None:
    await factory.user(tenant, email="me@example.org")
    for _ in range(townhall_settings.login_rate_limit + 2):
        response = await form_post(client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
        assert response.status_code == 303
    assert await factory.count(RateLimitHit) == 0


async def test_reset_requests_are_rate_limited(client, tenant, factory, inbox: Inbox, townhall_settings) -> None:
    await factory.user(tenant, email="me@example.org")
    limit = townhall_settings.login_rate_limit
    for _ in range(limit):
        assert (await form_post(client, "/reset", {"email": "me@example.org"})).status_code == 303
    refused = await form_post(client, "/reset", {"email": "me@example.org"})
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    assert len(inbox.to("me@example.org")) == limit
    assert await factory.count(EmailToken, tenant.id) == limit


# --- CSRF, bad input, languages -----------------------------------------------------------------------------------


async def test_wrong_csrf_token_is_refused_and_nothing_is_written(client, tenant, factory, inbox: Inbox) -> None:
    await client.get("/register")
    data = {**registration(), "_csrf_token": "forged"}
    response = await client.post("/register", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "You may not do that" in response.text and "<html" in response.text
    assert await factory.count(User, tenant.id) == 0
    assert inbox.messages == []

    user = await factory.user(tenant, email="me@example.org")
    await login_as(factory, client, user)
    forged = await client.post("/account/delete", data={"delete_password": DEFAULT_PASSWORD, "_csrf_token": "x"})
    assert forged.status_code == 403
    assert await factory.count(User, tenant.id) == 1
    missing = await client.post("/logout", data={})
    assert missing.status_code == 403
    assert await authenticated_as(client)


LONG = "x" * 5000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "a" * 121}, "display_name"),
        ({"display_name": "Ada\x00"}, "display_name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "ada@example.org\x00"}, "email"),
        ({"email": LONG + "@example.org"}, "email"),
        ({"password": "short", "password_confirm": "short"}, "password"),
        ({"password": "", "password_confirm": ""}, "password"),
        ({"password": LONG, "password_confirm": LONG}, "password"),
        ({"password": DEFAULT_PASSWORD + "\x00", "password_confirm": DEFAULT_PASSWORD + "\x00"}, "password"),
        ({"password_confirm": "something else entirely"}, "password_confirm"),
        ({"terms": ""}, "terms"),
        ({"locale": "xx"}, "locale"),
        ({"locale": ""}, "locale"),
        ({"area_id": "abc"}, "area_id"),
    ],
)
async def test_bad_registrations_get_a_field_message_and_write_nothing(
    client, tenant, factory, inbox: Inbox, changes: dict, field: str
) -> None:
    response = await form_post(client, "/register", registration(**changes))
    assert response.status_code == 422, response.text[:300]
    assert f'id="{field}-error"' in response.text
    assert 'class="error-summary"' in response.text
    assert DEFAULT_PASSWORD not in response.text  # passwords are never echoed back
    assert await factory.count(User, tenant.id) == 0
    assert await factory.count(EmailToken, tenant.id) == 0
    assert inbox.messages == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "", "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "me@example.org", "password": ""}, "password"),
        ({"email": "me@example\x00.org", "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "me@example.org", "password": "x\x00" * 10}, "password"),
        ({"email": LONG, "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "me@example.org", "password": LONG}, "password"),
    ],
)
async def test_bad_login_input_gets_a_field_message(client, tenant, factory, data: dict, field: str) -> None:
    await factory.user(tenant, email="me@example.org")
    response = await form_post(client, "/login", data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert await factory.count(AuthSession, tenant.id) == 0


@pytest.mark.parametrize("email", ["", "nope", "x\x00@example.org", LONG])
async def test_bad_reset_input_gets_a_field_message(client, tenant, inbox: Inbox, email: str) -> None:
    response = await form_post(client, "/reset", {"email": email})
    assert response.status_code == 422 and 'id="email-error"' in response.text
    assert inbox.messages == []


async def test_bad_new_password_on_reset_keeps_the_link_usable(client, tenant, factory, inbox: Inbox) -> None:
    await factory.user(tenant, email="me@example.org")
    await form_post(client, "/reset", {"email": "me@example.org"})
    path = path_of(inbox.link("me@example.org", "/reset/"))
    for data in ({"password": "short", "password_confirm": "short"}, {"password": "", "password_confirm": ""}):
        response = await form_post(client, path, data)
        assert response.status_code == 422 and 'id="password-error"' in response.text
    assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize("path", ["/login", "/register", "/reset", "/register/sent", "/reset/sent"])
async def test_account_pages_render_in_the_language_of_the_url(client, tenant, path: str) -> None:
    response = await client.get(f"/nl{path}")
    assert response.status_code == 200
    assert '<html lang="nl" dir="ltr">' in response.text
    if path in ("/login", "/register", "/reset"):
        assert f'action="/nl{path}"' in response.text
        assert 'name="_csrf_token"' in response.text
    arabic = await client.get(f"/ar{path}")
    assert '<html lang="ar" dir="rtl">' in arabic.text


async def test_mail_links_use_the_recipients_language(client, tenant, factory, inbox: Inbox) -> None:
    await factory.user(tenant, email="me@example.org", locale="de")
    response = await form_post(client, "/nl/reset", {"email": "me@example.org"})
    assert response.headers["location"] == "/nl/reset/sent"
    assert inbox.link("me@example.org", "/reset/").startswith("http://city.test/de/reset/")


# --- common passwords ---------------------------------------------------------------------------------------------

COMMON_REASON = "This password is one of the most common ones, which attackers try first. Choose another one."


def in_dutch(message: str) -> str:
    from markupsafe import escape

    dutch = Catalogs([]).get("nl").ugettext(message)
    assert dutch != message
    return str(escape(dutch))


@pytest.mark.parametrize("password", ["qwertyuiop", "QwertyUiop", " 1234567890 "])
async def test_registration_refuses_a_common_password_and_says_why_in_dutch(
    client, tenant, factory, inbox: Inbox, password: str
) -> None:
    response = await form_post(client, "/nl/register", registration(password=password, password_confirm=password))
    assert response.status_code == 422 and 'id="password-error"' in response.text
    assert in_dutch(COMMON_REASON) in response.text
    assert await factory.count(User, tenant.id) == 0
    assert inbox.messages == []


async def test_password_reset_refuses_a_common_password(client, tenant, factory, inbox: Inbox) -> None:
    user = await factory.user(tenant, email="me@example.org")
    await form_post(client, "/reset", {"email": "me@example.org"})
    link = inbox.link("me@example.org", "/reset/")
    response = await form_post(
        client, path_of(link).replace("/en/", "/nl/", 1), {"password": "iloveyou123", "password_confirm": "iloveyou123"}
    )
    assert response.status_code == 422 and in_dutch(COMMON_REASON) in response.text
    assert (await factory.reload(User, user.id, tenant.id)).password_hash == user.password_hash


def test_the_common_password_list_is_read_on_first_use_only() -> None:
    import subprocess
    import sys

    probe = (
        "import core.app, core.cli, core.passwords as p; assert p.common_passwords.cache_info().currsize == 0; "
        "assert p.is_common_password('Qwertyuiop') and not p.is_common_password('a brand new passphrase'); "
        "assert len(p.common_passwords()) > 10000"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


async def test_after_confirming_the_optional_questions_are_offered_and_lead_on(
    client, tenant, factory, inbox: Inbox
) -> None:
    """Registration is where the profile questions are first asked: offered, skippable, and then on to the page."""
    from urllib.parse import quote

    from core.models import ProfileQuestion

    async with factory.db.session(tenant.id, write=True) as session:
        question = ProfileQuestion(kind="gender", label={"en": "Gender"}, purpose={"en": "Who takes part."})
        session.add(question)
    await form_post(client, "/register", {**registration(), "next": "/projects"})
    confirmed = await client.get(path_of(inbox.link("ada@example.org", "/confirm/")))
    about = "/en/account/about?next=%2Fprojects"
    assert f'href="/en/login?next={quote(about, safe="")}">Answer the questions</a>' in confirmed.text
    await form_post(client, "/login", {"email": "ada@example.org", "password": DEFAULT_PASSWORD})
    page = await client.get("/account/about?next=/projects")
    assert '<input type="hidden" name="next" value="/projects">' in page.text
    assert '<a href="/projects">Skip these questions</a>' in page.text
    saved = await form_post(client, "/account/about", {f"q{question.id}": "woman", "next": "/projects"})
    assert saved.status_code == 303 and saved.headers["location"] == "/projects"
    # from the account page (no way onward) it stays and says so; another site is never a way onward
    assert (await form_post(client, "/account/about", {"next": "//evil.test"})).headers["location"] == (
        "/account/about?saved=1"
    )


async def test_without_profile_questions_confirming_asks_nothing(client, tenant, inbox: Inbox) -> None:
    await form_post(client, "/register", registration())
    confirmed = await client.get(path_of(inbox.link("ada@example.org", "/confirm/")))
    assert confirmed.status_code == 200 and "Answer the questions" not in confirmed.text
