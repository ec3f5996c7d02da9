"""core.realtime in one process (memory backend): channel rules, the notifications stream, keep-alive, clean-up.

The Litestar test client buffers whole responses, so streams are read from a real uvicorn server started inside
the test's event loop on the test database.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import msgspec
import pytest

from core.realtime import ChannelError, channel_tenant, hub, notify_user, publish, tenant_channel, user_channel
from tests.scale.conftest import HOOKS
from tests.scale.sse import open_stream


@pytest.fixture
def townhall_plugins(townhall_all_plugins: list[Any]) -> list[Any]:
    return [*townhall_all_plugins, HOOKS]


@pytest.fixture
def townhall_settings(townhall_settings: Any) -> Any:
    return msgspec.structs.replace(townhall_settings, sse_keepalive_seconds=0.3)


def test_channel_names_are_scoped_and_validated() -> None:
    assert tenant_channel(3, "workshop:12") == "tenant:3:workshop:12"
    assert user_channel(3, 7) == "tenant:3:user:7"
    assert channel_tenant("tenant:3:workshop:12") == 3
    for bad in ["", "a b", "x" * 81, "a:b:c:d:e:f", "workshop:12\nevent: x", "../x"]:
        with pytest.raises(ChannelError):
            tenant_channel(3, bad)
    with pytest.raises(ChannelError):
        tenant_channel(3, "user:7")  # private channels only through user_channel
    for tid in [0, -1, True, "3"]:
        with pytest.raises(ChannelError):
            tenant_channel(tid, "x")  # type: ignore[arg-type]
    with pytest.raises(ChannelError):
        channel_tenant("workshop:12")


async def test_notifications_stream_needs_sign_in(client: Any, tenant: Any) -> None:
    response = await client.get("/events/notifications", headers={"Accept": "text/event-stream"})
    assert response.status_code == 401


async def test_streams_of_another_tenant_or_user_are_refused(
    client: Any, tenant: Any, other_tenant: Any, factory: Any
) -> None:
    me, other = await factory.user(tenant), await factory.user(tenant)
    await factory.login(client, me)
    assert (await client.get(f"/_scale/foreign/{other_tenant.id}/live")).status_code == 403
    assert (await client.get(f"/_scale/user/{other.id}")).status_code == 403


async def test_publish_refuses_non_tenant_channels(app: Any) -> None:
    with pytest.raises(ChannelError):
        await publish(app.state.townhall, "global", {"x": 1})


async def test_notifications_reach_only_their_user_and_streams_clean_up(
    live: str, app: Any, tenant: Any, factory: Any
) -> None:
    from contextlib import AsyncExitStack

    state = app.state.townhall
    alice, bob = await factory.user(tenant), await factory.user(tenant)
    async with AsyncExitStack() as stack:
        clients = {}
        for user in (alice, bob):
            c = await stack.enter_async_context(httpx.AsyncClient(base_url=live, headers={"Host": "city.test"}))
            await factory.login(c, user)
            clients[user.id] = c
        a = await open_stream(clients[alice.id], "/events/notifications", stack)
        b = await open_stream(clients[bob.id], "/events/notifications", stack)
        assert await notify_user(state, tenant.id, alice.id, {"kind": "hello", "text": "für Alice <3"})
        got = await a.next_event()
        assert got["event"] == "notification"
        assert json.loads(got["data"]) == {"kind": "hello", "text": "für Alice <3"}
        assert await notify_user(state, tenant.id, bob.id, {"kind": "second"})
        got = await b.next_event()  # Bob's first event is his own: Alice's never reached him
        assert json.loads(got["data"]) == {"kind": "second"}
        # Idle streams get keep-alive comments (interval set to 0.3 s for this test).
        block = await a.next_block(timeout=3)
        assert block["comments"] == ["keep-alive"] and "data" not in block
        wire = hub(state).wire_name(user_channel(tenant.id, alice.id))
        assert hub(state).plugin._channels.get(wire)
        await clients[alice.id].aclose()  # the browser goes away
        async with asyncio.timeout(5):
            while hub(state).plugin._channels.get(wire):
                await asyncio.sleep(0.02)
        assert not hub(state).plugin._channels.get(wire)  # subscription released on disconnect


async def test_plugin_channel_with_html_and_event_override(live: str, app: Any, tenant: Any, factory: Any) -> None:
    from contextlib import AsyncExitStack

    async with AsyncExitStack() as stack:
        c = await stack.enter_async_context(httpx.AsyncClient(base_url=live, headers={"Host": "city.test"}))
        s = await open_stream(c, "/_scale/stream/board", stack)
        channel = tenant_channel(tenant.id, "board")
        await publish(app.state.townhall, channel, {"n": 1})
        got = await s.next_event()
        assert got["event"] == "ping" and json.loads(got["data"]) == {"n": 1}
        await publish(app.state.townhall, channel, {"n": 2}, event="count", html='<span id="n">2</span>\n<b>x</b>')
        got = await s.next_event()
        assert got["event"] == "count" and got["data"] == '<span id="n">2</span>\n<b>x</b>'
        with pytest.raises(ChannelError):
            await publish(app.state.townhall, channel, {}, event="bad\nevent")


async def test_a_new_notification_is_pushed_to_its_user(live: str, app: Any, tenant: Any, factory: Any) -> None:
    """core.notifications delivers after the commit; that delivery also publishes on the user's channel."""
    from contextlib import AsyncExitStack

    from core import notifications

    state = app.state.townhall
    alice = await factory.user(tenant)
    async with AsyncExitStack() as stack:
        c = await stack.enter_async_context(httpx.AsyncClient(base_url=live, headers={"Host": "city.test"}))
        await factory.login(c, alice)
        s = await open_stream(c, "/events/notifications", stack)
        async with state.db.session(tenant.id, write=True) as session:
            (row,) = await notifications.notify(session, [alice.id], "test.kind", notifications.message("Hi"), "/x")
        await notifications.send_immediate(state, tenant.id, [row.id])
        got = await s.next_event()
        assert got["event"] == "notification"
        assert json.loads(got["data"]) == {"id": row.id, "kind": "test.kind", "url": "/x"}


def test_several_workers_need_a_shared_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker would otherwise invent its own key and refuse the CSRF tokens the other one issued."""
    from click.testing import CliRunner

    from core.cli import cli

    monkeypatch.delenv("TOWNHALL_SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli, ["run", "--workers", "2", "--port", "9"])
    assert result.exit_code == 2, result.output
    assert "TOWNHALL_SECRET_KEY" in result.output
