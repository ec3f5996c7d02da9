"""The Redis backend in one process: a Redis outage does not leave open streams deaf, publishing never raises."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from core.realtime import Realtime, publish, tenant_channel
from core.settings import Settings
from tests.scale.conftest import HOOKS, _redis_ping, free_port, unavailable
from tests.scale.sse import open_stream

pytestmark = pytest.mark.redis


class PrivateRedis:
    """A redis-server of our own on a free port, which the test may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.binary = str(binary)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _redis_ping(self.url):
            assert time.monotonic() < deadline and self.proc.poll() is None, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def townhall_plugins(townhall_all_plugins: list[Any]) -> list[Any]:
    return [*townhall_all_plugins, HOOKS]


@pytest.fixture
def townhall_settings(townhall_settings: Settings, private_redis: PrivateRedis) -> Settings:
    return msgspec.structs.replace(townhall_settings, redis_url=private_redis.url, realtime_prefix="resilience")


async def test_publishing_to_an_unreachable_redis_returns_false() -> None:
    hub = Realtime(Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    async with hub.plugin:
        assert await hub.publish(tenant_channel(1, "x"), {"a": 1}) is False


async def test_open_streams_hear_again_after_redis_restarts(
    live: str,
    app: Any,
    tenant: Any,
    private_redis: PrivateRedis,
) -> None:
    state = app.state.townhall
    assert state.realtime.backend_name == "redis"
    channel = tenant_channel(tenant.id, "board")
    async with AsyncExitStack() as stack:
        c = await stack.enter_async_context(httpx.AsyncClient(base_url=live, headers={"Host": "city.test"}))
        stream = await open_stream(c, "/_scale/stream/board", stack)
        assert await publish(state, channel, {"n": 1})
        assert json.loads((await stream.next_event())["data"]) == {"n": 1}

        private_redis.stop()
        assert await publish(state, channel, {"n": 2}) is False  # refused quietly while Redis is down
        private_redis.start()

        # The stream itself stayed open; once the backend has re-subscribed, events flow again. Publish until one
        # arrives (pub/sub keeps nothing for a subscriber that is still reconnecting).
        async def keep_publishing() -> None:
            while True:
                await publish(state, channel, {"n": 3})
                await asyncio.sleep(0.2)

        publisher = asyncio.create_task(keep_publishing())
        try:
            event = await stream.next_event(timeout=15)
        finally:
            publisher.cancel()
        assert json.loads(event["data"]) == {"n": 3}


async def test_a_stream_opened_while_redis_is_down_asks_to_retry_and_the_channel_recovers(
    live: str, app: Any, tenant: Any, private_redis: PrivateRedis
) -> None:
    state = app.state.townhall
    channel = tenant_channel(tenant.id, "board")
    private_redis.stop()
    async with AsyncExitStack() as stack:
        c = await stack.enter_async_context(httpx.AsyncClient(base_url=live, headers={"Host": "city.test"}))
        async with c.stream("GET", "/_scale/stream/board") as response:
            assert response.status_code == 200
            body = (await response.aread()).decode()  # the stream ends by itself
        assert body.replace("\r\n", "\n") == ": unavailable\nretry: 5000\n\n"
        private_redis.start()
        stream = await open_stream(c, "/_scale/stream/board", stack)  # what the browser's retry does
        assert await publish(state, channel, {"n": 1})
        assert json.loads((await stream.next_event())["data"]) == {"n": 1}
