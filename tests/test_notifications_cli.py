"""``townhall notifications send-digests``: every municipality's pending digests go out once, over real SMTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from core.db.base import utcnow
from core.models import Notification, User
from core.notifications import message, notify
from core.notifications_cli import notifications_group
from tests import smtp


@pytest.fixture
def smtp_server() -> Iterator[tuple[Any, smtp.Inbox]]:
    yield from smtp.run_server()


def run_cli(settings: Any, controller: Any, *args: str) -> Result:
    """The command as an operator runs it: settings from the environment, its own event loop."""
    env = {
        "DATABASE_URL": settings.database_url,
        "TOWNHALL_SECRET_KEY": settings.secret_key,
        "TOWNHALL_SMTP_HOST": "127.0.0.1",
        "TOWNHALL_SMTP_PORT": str(controller.port),
        "TOWNHALL_MAIL_FROM": "townhall@city.test",
        "TOWNHALL_UPLOAD_DIR": settings.upload_dir,
    }
    return CliRunner().invoke(notifications_group, ["send-digests", *args], env=env, catch_exceptions=False)


async def _user(factory: Any, tenant: Any, email: str, prefs: dict[str, bool]) -> User:
    user = await factory.user(tenant, email=email)
    async with factory.db.session(tenant.id, write=True) as session:
        row = await session.get(User, user.id)
        row.notification_prefs = prefs
    return user


async def _notify(factory: Any, tenant: Any, user: User, title: str, *, read: bool = False) -> int:
    async with factory.db.session(tenant.id, write=True) as session:
        data = message("The status of “%(title)s” is now %(status)s.", title=title, status="accepted")
        (row,) = await notify(session, [user.id], "ideation.status", data, url="/p/1/ideation/ideas/1")
        if read:
            row.read_at = utcnow()
        return row.id


async def _emailed(factory: Any, tenant: Any, ids: list[int]) -> dict[int, bool]:
    async with factory.db.session(tenant.id) as session:
        rows = await session.execute(select(Notification.id, Notification.emailed_at).where(Notification.id.in_(ids)))
        return {ident: emailed is not None for ident, emailed in rows.all()}


async def test_pending_digests_of_every_tenant_are_mailed_once(
    factory: Any, tenant: Any, other_tenant: Any, townhall_settings: Any, smtp_server: Any
) -> None:
    controller, inbox = smtp_server
    digest = await _user(factory, tenant, "digest@example.org", {"email": True, "digest": True})
    immediate = await _user(factory, tenant, "immediate@example.org", {"email": True, "digest": False})
    silent = await _user(factory, tenant, "silent@example.org", {"email": False, "digest": True})
    elsewhere = await _user(factory, other_tenant, "elsewhere@example.org", {"digest": True})
    pending = [
        await _notify(factory, tenant, digest, "Benches on the square"),
        await _notify(factory, tenant, digest, "A fountain by the school"),
    ]
    already_read = await _notify(factory, tenant, digest, "Read already", read=True)
    not_digest = await _notify(factory, tenant, immediate, "Immediate only")
    switched_off = await _notify(factory, tenant, silent, "Nobody mails this")
    other = await _notify(factory, other_tenant, elsewhere, "Other town's idea")

    result = await asyncio.to_thread(run_cli, townhall_settings, controller)
    assert result.exit_code == 0, result.output
    assert f"{tenant.slug}: 1 digest(s) sent" in result.stdout
    assert f"{other_tenant.slug}: 1 digest(s) sent" in result.stdout

    # One mail for the digest subscriber, holding both pending notifications and neither the read one.
    (mail,) = inbox.to("digest@example.org")
    assert "2 new notifications" in mail["Subject"]
    body = inbox.body(mail)
    assert "Benches on the square" in body and "A fountain by the school" in body
    assert "Read already" not in body
    assert "/p/1/ideation/ideas/1" in body
    # The other municipality's subscriber got theirs; nobody else got anything.
    (mail_elsewhere,) = inbox.to("elsewhere@example.org")
    assert "Other town's idea" in inbox.body(mail_elsewhere)
    assert inbox.to("immediate@example.org") == [] and inbox.to("silent@example.org") == []
    assert len(inbox.messages) == 2
    assert await _emailed(factory, tenant, [*pending, already_read, not_digest, switched_off]) == {
        pending[0]: True,
        pending[1]: True,
        already_read: False,
        not_digest: False,
        switched_off: False,
    }
    assert await _emailed(factory, other_tenant, [other]) == {other: True}

    # Run again (tomorrow's cron with nothing new): nothing is sent twice.
    again = await asyncio.to_thread(run_cli, townhall_settings, controller)
    assert again.exit_code == 0, again.output
    assert f"{tenant.slug}: 0 digest(s) sent" in again.stdout
    assert len(inbox.messages) == 2

    # A new notification goes out in the next run, alone.
    newer = await _notify(factory, tenant, digest, "A third idea")
    third = await asyncio.to_thread(run_cli, townhall_settings, controller, "--tenant", tenant.slug)
    assert third.exit_code == 0, third.output
    assert third.stdout.strip() == f"{tenant.slug}: 1 digest(s) sent"
    mails = inbox.to("digest@example.org")
    assert len(mails) == 2
    assert "A third idea" in inbox.body(mails[1]) and "Benches" not in inbox.body(mails[1])
    assert await _emailed(factory, tenant, [newer]) == {newer: True}


async def test_unknown_tenant_is_refused(townhall_settings: Any, smtp_server: Any) -> None:
    controller, inbox = smtp_server
    result = await asyncio.to_thread(run_cli, townhall_settings, controller, "--tenant", "nowhere")
    assert result.exit_code == 2
    assert "no municipality 'nowhere'" in result.stderr
    assert inbox.messages == []
