"""The hourly ``core.digests`` job mails each municipality's pending digests once, even with two runners."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from core.db.base import utcnow
from core.jobs.runner import run_periodic
from core.models import User
from core.notifications import message, notify
from tests import smtp


@pytest.fixture
def smtp_server() -> Iterator[tuple[Any, smtp.Inbox]]:
    yield from smtp.run_server()


@pytest.fixture
def townhall_settings(townhall_settings: Any, smtp_server: Any) -> Any:
    return smtp.pointed_at(townhall_settings, smtp_server[0])


async def _digest_reader(factory: Any, tenant: Any, email: str) -> User:
    user = await factory.user(tenant, email=email)
    async with factory.db.session(tenant.id, write=True) as session:
        row = await session.get(User, user.id)
        row.notification_prefs = {"email": True, "digest": True}
    return user


async def _notify(factory: Any, tenant: Any, user: User, title: str) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        data = message("The status of “%(title)s” is now %(status)s.", title=title, status="accepted")
        await notify(session, [user.id], "ideation.status", data, url="/p/1/ideation/ideas/1")


async def test_the_digest_job_mails_once_per_hour_and_tenant(
    state: Any, second_state: Any, factory: Any, tenant: Any, other_tenant: Any, smtp_server: Any
) -> None:
    _controller, inbox = smtp_server
    here = await _digest_reader(factory, tenant, "digest@example.org")
    there = await _digest_reader(factory, other_tenant, "there@example.org")
    await _notify(factory, tenant, here, "Benches on the square")
    await _notify(factory, other_tenant, there, "Other town's idea")
    spec = state.registry.jobs["core.digests"]
    assert spec.cron == "0 * * * *" and spec.per_tenant

    now = utcnow()
    await asyncio.gather(run_periodic(state, spec, now), run_periodic(second_state, spec, now))
    assert len(inbox.to("digest@example.org")) == 1 and len(inbox.to("there@example.org")) == 1
    assert "Benches on the square" in inbox.body(inbox.to("digest@example.org")[0])

    # The next hour with nothing new sends nothing; a new notification goes out alone the hour after.
    await run_periodic(state, spec, now + timedelta(hours=1))
    assert len(inbox.messages) == 2
    await _notify(factory, tenant, here, "A third idea")
    await run_periodic(state, spec, now + timedelta(hours=2))
    mails = inbox.to("digest@example.org")
    assert len(mails) == 2 and "A third idea" in inbox.body(mails[1]) and "Benches" not in inbox.body(mails[1])
