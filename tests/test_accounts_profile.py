"""The signed-in side of accounts over HTTP: profile, password, address change, data export, deletion, notifications,
and the verification function admins and verification plugins use."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core import hookimpl
from core.context import AUTH_COOKIE
from core.db.base import utcnow
from core.i18n import Catalogs
from core.models import AuditEntry, AuthSession, EmailToken, Notification, User
from core.testing import HTMX_HEADERS
from core.testing.factories import DEFAULT_PASSWORD
from core.verification import VerificationRefused, set_verified
from tests import smtp
from tests.smtp import Inbox, form_post, login_as, path_of, use_session

NEW_PASSWORD = "another long passphrase"


class Probe:
    """A plugin keeping per-user data, to see that export and deletion reach every plugin."""

    __name__ = "accounts_probe"

    def __init__(self) -> None:
        self.forgotten: list[int] = []

    @hookimpl
    def user_data(self, user: Any) -> Any:
        async def collect(session: Any) -> dict:
            return {"user_id": user.id, "ideas": [f"idea of {user.display_name}"]}

        return collect

    @hookimpl
    def forget_user(self, user: Any) -> Any:
        async def forget(session: Any) -> None:
            self.forgotten.append(user.id)

        return forget


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def townhall_plugins(probe: Probe) -> list[Any]:
    return [probe]


@pytest.fixture
def smtp_server() -> Any:
    yield from smtp.run_server()


@pytest.fixture
def inbox(smtp_server: Any) -> Inbox:
    return smtp_server[1]


@pytest.fixture
def townhall_settings(townhall_settings: Any, smtp_server: Any) -> Any:
    return msgspec.structs.replace(smtp.pointed_at(townhall_settings, smtp_server[0]), load_entry_points=False)


@pytest.fixture
async def me(factory: Any, tenant: Any) -> User:
    return await factory.user(tenant, email="me@example.org", display_name="Me Myself")


@pytest.fixture
async def signed_in(factory: Any, client: Any, me: User) -> str:
    return await login_as(factory, client, me)


async def reload_user(factory: Any, user: User) -> User | None:
    return await factory.reload(User, user.id, user.tenant_id)


async def is_signed_in(client: Any) -> bool:
    response = await client.get("/account", follow_redirects=False)
    return response.status_code == 200


def profile(**changes: Any) -> dict[str, Any]:
    data = {"display_name": "New Name", "locale": "nl", "area_id": "", "email_notifications": "1", "digest": "off"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


async def test_account_pages_need_a_signed_in_user(client, tenant) -> None:
    for path in ("/account", "/account/notifications", "/account/data"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=%2Faccount")
    posted = await form_post(client, "/account/profile", profile())
    assert posted.status_code == 401


async def test_account_page_shows_the_profile_and_every_form(client, tenant, me, signed_in) -> None:
    page = await client.get("/account")
    assert page.status_code == 200
    for action in ("/account/profile", "/account/email", "/account/password", "/account/delete", "/account/data"):
        assert action in page.text
    assert 'value="Me Myself"' in page.text
    assert "me@example.org" in page.text
    dutch = await client.get("/nl/account")
    assert '<html lang="nl" dir="ltr">' in dutch.text and 'action="/nl/account/profile"' in dutch.text


async def test_profile_saves_without_javascript(client, tenant, factory, me, signed_in) -> None:
    response = await form_post(client, "/account/profile", profile(digest="weekly", email_notifications=None))
    assert response.status_code == 303 and response.headers["location"] == "/account?notice=profile_saved"
    user = await reload_user(factory, me)
    assert user is not None
    assert (user.display_name, user.locale) == ("New Name", "nl")
    assert user.notification_prefs == {"email": False, "digest": True, "digest_frequency": "weekly"}
    page = await client.get("/account?notice=profile_saved")
    assert '<html lang="nl"' in page.text  # the preferred language now applies
    assert Catalogs([]).get("nl").ugettext("Your profile is saved.") in page.text
    assert '<option value="weekly" selected>' in page.text

    await form_post(client, "/account/profile", profile(digest="off"))
    user = await reload_user(factory, me)
    assert user is not None and user.notification_prefs["digest"] is False and user.notification_prefs["email"]


async def test_profile_with_htmx_answers_with_the_section_only(client, tenant, factory, me, signed_in) -> None:
    headers = {**HTMX_HEADERS, "x-csrftoken": client.cookies.get("csrftoken") or ""}
    if not headers["x-csrftoken"]:
        await client.get("/account")
        headers["x-csrftoken"] = client.cookies.get("csrftoken")
    saved = await client.post("/account/profile", data=profile(display_name="Htmx Name"), headers=headers)
    assert saved.status_code == 200
    assert "<html" not in saved.text and 'id="profile"' in saved.text and "Your profile is saved." in saved.text
    bad = await client.post("/account/profile", data=profile(display_name=""), headers=headers)
    assert bad.status_code == 422
    assert "<html" not in bad.text and 'id="display_name-error"' in bad.text and "error-summary" in bad.text
    user = await reload_user(factory, me)
    assert user is not None and user.display_name == "Htmx Name"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 121}, "display_name"),
        ({"display_name": "bad\x00name"}, "display_name"),
        ({"locale": "xx"}, "locale"),
        ({"digest": "hourly"}, "digest"),
        ({"digest": None}, "digest"),
        ({"area_id": "12345"}, "area_id"),
    ],
)
async def test_bad_profile_input_gets_a_field_message_and_changes_nothing(
    client, tenant, factory, me, signed_in, changes: dict, field: str
) -> None:
    response = await form_post(client, "/account/profile", profile(**changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    user = await reload_user(factory, me)
    assert user is not None and (user.display_name, user.locale, user.notification_prefs) == ("Me Myself", None, {})


# --- password -----------------------------------------------------------------------------------------------------


async def test_password_change_rotates_this_session_and_ends_all_others(
    app, client, tenant, factory, me, signed_in, inbox: Inbox
) -> None:
    async with AsyncTestClient(app=app, base_url="http://city.test") as phone:
        await login_as(factory, phone, me)
        assert await is_signed_in(phone)

        wrong = await form_post(
            client,
            "/account/password",
            {"current_password": "not my password", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        )
        assert wrong.status_code == 422 and 'id="current_password-error"' in wrong.text
        assert await is_signed_in(phone)

        done = await form_post(
            client,
            "/account/password",
            {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        )
        assert done.status_code == 303 and done.headers["location"] == "/account?notice=password_changed"
        fresh = client.cookies[AUTH_COOKIE]
        assert fresh != signed_in
        assert await is_signed_in(client)
        assert not await is_signed_in(phone)
    assert await factory.count(AuthSession, tenant.id) == 1

    use_session(client, signed_in)
    assert not await is_signed_in(client)
    assert "was changed" in inbox.to("me@example.org")[-1]["Subject"]
    old = await form_post(client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    new = await form_post(client, "/login", {"email": "me@example.org", "password": NEW_PASSWORD})
    assert new.status_code == 303


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"current_password": "", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
            "current_password",
        ),
        (
            {"current_password": DEFAULT_PASSWORD, "new_password": "short", "new_password_confirm": "short"},
            "new_password",
        ),
        (
            {"current_password": DEFAULT_PASSWORD, "new_password": "qwertyuiop", "new_password_confirm": "qwertyuiop"},
            "new_password",
        ),
        (
            {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": "other"},
            "new_password_confirm",
        ),
        (
            {"current_password": DEFAULT_PASSWORD, "new_password": "x\x00" * 8, "new_password_confirm": "x\x00" * 8},
            "new_password",
        ),
    ],
)
async def test_bad_password_change_input(client, tenant, factory, me, signed_in, data: dict, field: str) -> None:
    response = await form_post(client, "/account/password", data)
    assert response.status_code == 422 and f'id="{field}-error"' in response.text
    user = await reload_user(factory, me)
    assert user is not None and user.password_hash == me.password_hash
    assert await is_signed_in(client)


async def test_guessing_the_current_password_is_rate_limited(
    client, tenant, factory, me, signed_in, townhall_settings
) -> None:
    for _ in range(townhall_settings.login_rate_limit):
        wrong = await form_post(client, "/account/delete", {"delete_password": "a wrong guess"})
        assert wrong.status_code == 422
    refused = await form_post(client, "/account/delete", {"delete_password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    assert await factory.count(User, tenant.id) == 1


# --- email address ------------------------------------------------------------------------------------------------


async def test_email_change_applies_only_when_the_new_address_confirms(
    client, tenant, factory, me, signed_in, inbox: Inbox
) -> None:
    response = await form_post(
        client, "/account/email", {"new_email": "New@Example.org", "email_password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 303 and response.headers["location"] == "/account?notice=email_change_sent"
    user = await reload_user(factory, me)
    assert user is not None and user.email == "me@example.org"
    [notice] = inbox.to("me@example.org")
    assert "new@example.org" in smtp.Inbox.body(notice)
    assert not any("/account/email/" in link for link in inbox.links(notice))
    link = inbox.link("new@example.org", "/account/email/")

    await form_post(client, "/logout", {})  # the link works in any browser: the token is the proof
    confirmed = await client.get(path_of(link))
    assert confirmed.status_code == 200 and "new@example.org" in confirmed.text
    user = await reload_user(factory, me)
    assert user is not None and user.email == "new@example.org" and user.email_confirmed_at is not None
    assert "was changed" in inbox.to("me@example.org")[-1]["Subject"]

    assert (await client.get(path_of(link))).status_code == 400
    assert (
        await form_post(client, "/login", {"email": "new@example.org", "password": DEFAULT_PASSWORD})
    ).status_code == 303


async def test_email_change_to_a_taken_address_tells_its_owner_and_changes_nothing(
    client, tenant, factory, me, signed_in, inbox: Inbox
) -> None:
    await factory.user(tenant, email="taken@example.org")
    free = await form_post(
        client, "/account/email", {"new_email": "free@example.org", "email_password": DEFAULT_PASSWORD}
    )
    taken = await form_post(
        client, "/account/email", {"new_email": "taken@example.org", "email_password": DEFAULT_PASSWORD}
    )
    assert (free.status_code, free.headers["location"]) == (taken.status_code, taken.headers["location"])
    [owner_notice] = inbox.to("taken@example.org")
    assert not any("/account/email/" in link for link in inbox.links(owner_notice))
    assert await factory.count(EmailToken, tenant.id, EmailToken.payload == "taken@example.org") == 0


async def test_email_change_link_fails_cleanly_when_the_address_was_taken_meanwhile(
    client, tenant, factory, me, signed_in, inbox: Inbox
) -> None:
    await form_post(client, "/account/email", {"new_email": "race@example.org", "email_password": DEFAULT_PASSWORD})
    link = inbox.link("race@example.org", "/account/email/")
    await factory.user(tenant, email="race@example.org")
    response = await client.get(path_of(link))
    assert response.status_code == 409 and "another account" in response.text
    user = await reload_user(factory, me)
    assert user is not None and user.email == "me@example.org"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"new_email": "not an address", "email_password": DEFAULT_PASSWORD}, "new_email"),
        ({"new_email": "", "email_password": DEFAULT_PASSWORD}, "new_email"),
        ({"new_email": "me@example.org", "email_password": DEFAULT_PASSWORD}, "new_email"),
        ({"new_email": "x\x00@example.org", "email_password": DEFAULT_PASSWORD}, "new_email"),
        ({"new_email": "new@example.org", "email_password": ""}, "email_password"),
        ({"new_email": "new@example.org", "email_password": "wrong password"}, "email_password"),
    ],
)
async def test_bad_email_change_input(
    client, tenant, factory, me, signed_in, inbox: Inbox, data: dict, field: str
) -> None:
    response = await form_post(client, "/account/email", data)
    assert response.status_code == 422 and f'id="{field}-error"' in response.text
    assert await factory.count(EmailToken, tenant.id) == 0
    assert inbox.messages == []


# --- data export and deletion -------------------------------------------------------------------------------------


async def add_notification(factory: Any, user: User, kind: str, minutes_ago: int = 0, **fields: Any) -> int:
    async with factory.db.session(user.tenant_id, write=True) as session:
        row = Notification(user_id=user.id, kind=kind, created_at=utcnow() - timedelta(minutes=minutes_ago), **fields)
        session.add(row)
        await session.flush()
        return row.id


async def test_data_export_holds_my_data_and_nobody_elses(client, tenant, factory, me, signed_in) -> None:
    other = await factory.user(tenant, email="other@example.org", display_name="Someone Else")
    await add_notification(factory, me, "mine.kind")
    await add_notification(factory, other, "theirs.kind")
    response = await client.get("/account/data")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["core"]["account"]["email"] == "me@example.org"
    assert data["core"]["account"]["display_name"] == "Me Myself"
    assert [n["kind"] for n in data["core"]["notifications"]] == ["mine.kind"]
    assert len(data["core"]["sessions"]) == 1
    assert data["plugins"]["accounts_probe"] == {"user_id": me.id, "ideas": ["idea of Me Myself"]}
    text = response.text
    assert "other@example.org" not in text and "Someone Else" not in text and "theirs.kind" not in text
    assert "argon2" not in text and "password" not in text


async def test_delete_account_removes_the_user_sessions_and_plugin_data(
    app, client, tenant, factory, me, signed_in, probe: Probe, inbox: Inbox
) -> None:
    other = await factory.user(tenant, email="other@example.org")
    await add_notification(factory, me, "mine")
    async with AsyncTestClient(app=app, base_url="http://city.test") as phone:
        await login_as(factory, phone, me)

        wrong = await form_post(client, "/account/delete", {"delete_password": "not it at all"})
        assert wrong.status_code == 422 and 'id="delete_password-error"' in wrong.text
        assert probe.forgotten == []
        assert await factory.count(User, tenant.id) == 2

        done = await form_post(client, "/account/delete", {"delete_password": DEFAULT_PASSWORD})
        assert done.status_code == 303 and done.headers["location"] == "/?notice=account_deleted"
        assert not await is_signed_in(phone)
    assert probe.forgotten == [me.id]
    assert await factory.reload(User, me.id, tenant.id) is None
    assert await factory.count(AuthSession, tenant.id) == 0
    assert await factory.count(Notification, tenant.id) == 0
    assert await factory.reload(User, other.id, tenant.id) is not None
    assert await factory.count(AuditEntry, tenant.id, AuditEntry.action == "account.deleted") == 1
    home = await client.get("/?notice=account_deleted")
    assert "Your account and its data have been deleted." in home.text
    assert not await is_signed_in(client)
    assert "was deleted" in inbox.to("me@example.org")[-1]["Subject"]
    again = await form_post(client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
    assert again.status_code == 401


async def test_the_only_admin_cannot_delete_their_account(client, tenant, factory) -> None:
    admin = await factory.user(tenant, role="admin")
    await login_as(factory, client, admin)
    response = await form_post(client, "/account/delete", {"delete_password": DEFAULT_PASSWORD})
    assert response.status_code == 422 and 'id="delete_password-error"' in response.text
    assert await factory.reload(User, admin.id, tenant.id) is not None


# --- notifications ------------------------------------------------------------------------------------------------


async def test_notifications_newest_first_mine_only_and_mark_read(client, tenant, factory, me, signed_in) -> None:
    other = await factory.user(tenant)
    older = await add_notification(
        factory, me, "k", minutes_ago=10, data={"text": "Older about %(x)s", "args": {"x": "parks"}}, url="/projects"
    )
    newer = await add_notification(
        factory, me, "k", minutes_ago=1, data={"text": "Newer one"}, url="https://evil.example/"
    )
    theirs = await add_notification(factory, other, "k", data={"text": "Not for me"})

    page = await client.get("/account/notifications")
    assert page.status_code == 200
    assert page.text.index("Newer one") < page.text.index("Older about parks")
    assert "Not for me" not in page.text
    assert "evil.example" not in page.text and 'href="/projects"' in page.text
    assert "2 unread notifications" in page.text

    plain = await form_post(client, f"/account/notifications/{older}/read", {})
    assert plain.status_code == 303 and plain.headers["location"] == "/account/notifications"
    headers = {**HTMX_HEADERS, "x-csrftoken": client.cookies.get("csrftoken")}
    fragment = await client.post(f"/account/notifications/{newer}/read", headers=headers)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and f'id="notification-{newer}"' in fragment.text
    assert "Mark as read" not in fragment.text

    foreign = await form_post(client, f"/account/notifications/{theirs}/read", {})
    assert foreign.status_code == 404
    async with factory.db.session(tenant.id) as session:
        read = dict((await session.execute(select(Notification.id, Notification.read_at))).all())
    assert read[older] is not None and read[newer] is not None and read[theirs] is None


async def test_mark_all_read_touches_only_my_notifications(client, tenant, factory, me, signed_in) -> None:
    other = await factory.user(tenant)
    await add_notification(factory, me, "a")
    await add_notification(factory, me, "b")
    theirs = await add_notification(factory, other, "c")
    response = await form_post(client, "/account/notifications/read-all", {})
    assert response.status_code == 303
    assert await factory.count(Notification, tenant.id, Notification.read_at.is_(None)) == 1
    still = await factory.reload(Notification, theirs, tenant.id)
    assert still.read_at is None
    page = await client.get("/ar/account/notifications")
    assert '<html lang="ar" dir="rtl">' in page.text and "Mark as read" not in page.text


# --- verification -------------------------------------------------------------------------------------------------


async def test_set_verified_records_who_did_it_and_refuses_non_admins(factory, tenant, other_tenant) -> None:
    admin = await factory.user(tenant, role="admin")
    resident = await factory.user(tenant)
    target = await factory.user(tenant)
    foreign_admin = await factory.user(other_tenant, role="admin")
    async with factory.db.session(tenant.id, write=True) as session:
        user = await session.get(User, target.id)
        entry = await set_verified(session, user, True, admin)
        assert (entry.action, entry.actor_id, entry.target_id) == ("user.verified", admin.id, target.id)
        assert entry.data == {"method": "admin", "previous": False}
        with pytest.raises(VerificationRefused):
            await set_verified(session, user, False, resident)
        with pytest.raises(VerificationRefused):
            await set_verified(session, user, False, foreign_admin)
    user = await factory.reload(User, target.id, tenant.id)
    assert user.verified is True

    async with factory.db.session(tenant.id, write=True) as session:  # a verification plugin: no human actor
        user = await session.get(User, target.id)
        entry = await set_verified(session, user, False, None, method="eid", evidence={"level": "substantial"})
        assert entry.data == {"method": "eid", "previous": True, "level": "substantial"}
    assert (await factory.reload(User, target.id, tenant.id)).verified is False
    assert await factory.count(AuditEntry, tenant.id, AuditEntry.target_id == target.id) == 2
