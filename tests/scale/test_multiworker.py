"""Two uvicorn workers (``townhall run --workers 2``) on PostgreSQL: what must hold when a deployment scales out.

- real-time events published by either worker reach every SSE client on both workers (Redis pub/sub), while the
  memory backend demonstrably reaches only its own worker;
- a stream never crosses municipalities;
- SSE streams do not hold up a graceful shutdown;
- the login rate limit is one count shared by all workers;
- a one-per-person action stays one row under parallel requests spread over the workers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from contextlib import AsyncExitStack

import httpx
import pytest
import redis.asyncio as aioredis

from tests.scale.conftest import (
    LOGIN_LIMIT,
    PASSWORD,
    WORKERS,
    Pinned,
    Seed,
    Server,
    csrf_header,
    new_client,
    on_every_worker,
)
from tests.scale.sse import Stream, open_stream

pytestmark = pytest.mark.redis

DELIVERY_BOUND = 3.0  # seconds within which every client must have the event (measured: a few ms)


async def streams_on_every_worker(
    server: Server, path: str, per_worker: int, stack: AsyncExitStack, **client: str
) -> list[Stream]:
    async def open_one(p: Pinned) -> Stream:
        stream = await open_stream(p.client, path, stack, p.pid)
        if "x-worker-pid" in stream.response.headers:  # the test plugin's streams say who serves them
            assert stream.response.headers["x-worker-pid"] == str(p.pid)
        return stream

    return await on_every_worker(server.base, per_worker, open_one, stack, **client)


async def publish_once(server: Server, path: str, token: str, host: str | None = None) -> int:
    """POST a publish request on a fresh connection; returns the pid of the worker that published."""
    async with new_client(server.base, token=token, host=host) as client:
        p = Pinned(client, 0)
        response = await client.post(path, headers=await csrf_header(p))
    assert response.status_code == 200, response.text
    assert response.json()["published"] is True
    return response.json()["pid"]


async def publish_from_each_worker(server: Server, path: str, token: str, streams: list[Stream]) -> list[float]:
    """Publish until both workers have published; every stream must get every event, in order. Latencies."""
    publishers: set[int] = set()
    latencies = []
    for _ in range(40):
        started = time.monotonic()
        pid = await publish_once(server, path, token)
        for stream in streams:
            event = await stream.next_event(timeout=DELIVERY_BOUND)
            assert json.loads(event["data"])["from"] == pid, (stream.pid, event)
        latencies.append(time.monotonic() - started)
        publishers.add(pid)
        if len(publishers) == WORKERS:
            return latencies
    pytest.fail(f"publish requests did not reach {WORKERS} workers")


async def test_notifications_reach_every_stream_on_every_worker(redis_server: Server, scale_db: Seed) -> None:
    user = scale_db.users[0]
    async with AsyncExitStack() as stack:
        streams = await streams_on_every_worker(redis_server, "/events/notifications", 4, stack, token=user["token"])
        assert len(streams) == 8
        for stream in streams:
            assert stream.response.headers["cache-control"] == "no-store"
        # Redis itself confirms both worker processes listen on the user's channel.
        wire = f"{redis_server.prefix}:tenant:{scale_db.tenant_id}:user:{user['id']}"
        client = aioredis.Redis.from_url(redis_server.redis_url)
        try:
            [(_, listeners)] = await client.pubsub_numsub(wire)
        finally:
            await client.aclose()
        assert listeners == WORKERS
        path = f"/_scale/notify/{user['id']}"
        latencies = await publish_from_each_worker(redis_server, path, scale_db.users[1]["token"], streams)
        assert max(latencies) < DELIVERY_BOUND


async def test_plugin_channels_fan_out_and_stay_within_their_tenant(redis_server: Server, scale_db: Seed) -> None:
    other_host = f"localhost:{redis_server.port}"  # the other municipality
    async with AsyncExitStack() as stack:
        streams = await streams_on_every_worker(redis_server, "/_scale/stream/board", 3, stack)
        foreign = await streams_on_every_worker(redis_server, "/_scale/stream/board", 1, stack, host=other_host)
        await publish_from_each_worker(redis_server, "/_scale/publish/board", scale_db.users[2]["token"], streams)
        # The other municipality's "board" is another channel: its streams got nothing of the above. Prove it by
        # publishing there; the first event each of its streams sees must be that one.
        pid = await publish_once(redis_server, "/_scale/publish/board", scale_db.other_users[0]["token"], other_host)
        for stream in foreign:
            event = await stream.next_event(timeout=DELIVERY_BOUND)
            assert json.loads(event["data"])["from"] == pid


async def test_login_rate_limit_is_shared_by_the_workers(redis_server: Server, scale_db: Seed) -> None:
    email = scale_db.users[3]["email"]
    attempts: list[tuple[int, int]] = []

    async def login(p: Pinned, password: str) -> int:
        response = await p.client.post(
            "/login", data={"email": email, "password": password}, headers=await csrf_header(p)
        )
        attempts.append((p.pid, response.status_code))
        return response.status_code

    async with AsyncExitStack() as stack:
        # Half the allowed failures on each worker: neither worker alone has reached the limit...
        per_worker = LOGIN_LIMIT // WORKERS
        await on_every_worker(redis_server.base, per_worker, lambda p: login(p, "wrong password!"), stack)
        assert [status for _, status in attempts] == [401] * LOGIN_LIMIT, attempts
        per_pid = Counter(pid for pid, _ in attempts)
        assert len(per_pid) == WORKERS and set(per_pid.values()) == {per_worker}, per_pid
        # ...but together they have: the next attempt is refused on either worker, even with the right password.
        refused = await on_every_worker(redis_server.base, 1, lambda p: login(p, PASSWORD), stack)
        assert refused == [429] * WORKERS, attempts


async def test_parallel_wrong_passwords_on_both_workers_are_checked_at_most_limit_times(
    redis_server: Server, scale_db: Seed
) -> None:
    """Each attempt is counted, atomically, before the password is checked: 30 at once over both workers → 4 checked.

    In the other municipality, whose buckets (per address and per client IP) no other test fills.
    """
    email = scale_db.other_users[0]["email"]
    other_host = f"localhost:{redis_server.port}"

    async def keep(p: Pinned) -> Pinned:
        await csrf_header(p)  # the CSRF cookie first, so the burst below is only logins
        return p

    async def login(p: Pinned) -> int:
        response = await p.client.post(
            "/login", data={"email": email, "password": "wrong password!"}, headers=await csrf_header(p)
        )
        return response.status_code

    async with AsyncExitStack() as stack:
        pinned = await on_every_worker(redis_server.base, 15, keep, stack, host=other_host)
        codes = await asyncio.gather(*(login(p) for p in pinned))
    assert Counter(codes) == {401: LOGIN_LIMIT, 429: len(pinned) - LOGIN_LIMIT}, Counter(codes)


async def test_one_support_per_person_under_parallel_posts_on_both_workers(
    redis_server: Server, scale_db: Seed
) -> None:
    """The dummy method's support is UNIQUE per user: 16 simultaneous POSTs over both workers store one row."""
    if scale_db.phase_id is None:
        pytest.fail("the dummy method (tests.dummy_method.plugin) is not installed")
    from sqlalchemy import func, select

    from core.db.engine import Database
    from core.models import AuditEntry
    from core.settings import normalise_database_url
    from tests.dummy_method.models import DummySupport

    user = scale_db.users[1]
    path = f"/p/{scale_db.phase_id}/dummy/support"
    async with AsyncExitStack() as stack:

        async def ready(p: Pinned) -> tuple[Pinned, dict[str, str]]:
            return p, await csrf_header(p)

        clients = await on_every_worker(redis_server.base, 8, ready, stack, token=user["token"])
        pids = {await p.refresh() for p, _ in clients}  # where each connection is right before the burst
        responses = await asyncio.gather(*(p.client.post(path, headers=h) for p, h in clients))
    assert len(pids) == WORKERS
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] + [409] * (len(clients) - 1), statuses
    db = Database(normalise_database_url(scale_db.database_url))
    try:
        async with db.session(scale_db.tenant_id) as session:
            rows = await session.scalar(
                select(func.count())
                .select_from(DummySupport)
                .where(DummySupport.phase_id == scale_db.phase_id, DummySupport.user_id == user["id"])
            )
            audits = await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "dummy.supported", AuditEntry.actor_id == user["id"])
            )
    finally:
        await db.dispose()
    assert rows == 1
    assert audits == 1  # only the winning request's event was dispatched (after its commit)


async def test_memory_backend_stays_in_its_worker_and_streams_do_not_block_shutdown(
    memory_server: Server, scale_db: Seed
) -> None:
    """The negative control: without Redis, an event reaches only the publishing worker's clients."""
    token = scale_db.users[2]["token"]
    async with AsyncExitStack() as stack:
        streams = await streams_on_every_worker(memory_server, "/_scale/stream/board", 2, stack)
        first = await publish_once(memory_server, "/_scale/publish/board", token)
        for stream in streams:
            if stream.pid == first:
                assert json.loads((await stream.next_event())["data"])["from"] == first
        for _ in range(40):  # publish until the other worker does; its streams must not have seen the first event
            pid = await publish_once(memory_server, "/_scale/publish/board", token)
            for stream in streams:
                if stream.pid == pid:
                    assert json.loads((await stream.next_event())["data"])["from"] == pid
            if pid != first:
                break
        else:
            pytest.fail("publish requests did not reach the second worker")
        # SIGTERM with 4 streams open: uvicorn gives them 3 s (--timeout-graceful-shutdown) instead of waiting.
        took = memory_server.stop()
        assert memory_server.proc.returncode == 0, memory_server.log_tail()
        assert took < 10, took
        for stream in streams:  # and each stream ended (not a timeout)
            with pytest.raises((StopAsyncIteration, httpx.RemoteProtocolError, httpx.ReadError)):
                await stream.next_event(timeout=5)
