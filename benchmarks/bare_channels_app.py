"""The baseline for the workshop board benchmark: a bare Litestar app whose only work is a Redis channels broadcast.

``GET /sse`` streams the channel ``bench`` as server-sent events, ``POST /publish`` publishes one event to it,
``GET /pid`` names the worker. No database, no sessions, no templates: what a board update costs on top of this is
Townhall's own (tests/scale/test_workshop_bench.py runs both in the same run). Needs ``BENCH_REDIS_URL``.

    uvicorn --app-dir benchmarks bare_channels_app:app --workers 2
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from litestar import Litestar, get, post
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.response import ServerSentEvent, ServerSentEventMessage
from redis.asyncio import Redis

CHANNEL = os.environ.get("BENCH_CHANNEL", "bench")
channels = ChannelsPlugin(
    RedisChannelsPubSubBackend(redis=Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))),
    channels=[CHANNEL],
)


@get("/sse", cache=False)
async def sse() -> ServerSentEvent:
    async def stream() -> AsyncIterator[ServerSentEventMessage]:
        async with channels.start_subscription([CHANNEL]) as subscriber:
            yield ServerSentEventMessage(data=None, comment="connected")
            async for message in subscriber.iter_events():
                yield ServerSentEventMessage(event="board", data=message.decode())

    return ServerSentEvent(stream())


@post("/publish", status_code=200)
async def publish() -> dict[str, int]:
    await channels.wait_published(b'{"what":"card"}', CHANNEL)
    return {"pid": os.getpid()}


@get("/pid")
async def pid() -> dict[str, int]:
    return {"pid": os.getpid()}


app = Litestar([sse, publish, pid], plugins=[channels])
