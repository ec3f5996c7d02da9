"""Two uvicorn workers (``townhall run --workers 2``) on PostgreSQL: what must hold when a deployment scales out.

- real-time events published by either worker reach every SSE client on both workers (Redis pub/sub), while the
  memory backend demonstrably reaches only its own worker;
- a stream never crosses municipalities;
- SSE streams do not hold up a graceful shutdown;
- the login rate limit is one count shared by all workers.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import AsyncExitStack

import httpx
import pytest
import redis.asyncio as aioredis

from tests.scale.conftest import LOGIN_LIMIT, PASSWORD, Pinned, Seed, Server, csrf_header, pinned_clients
from tests.scale.sse import Stream, open_stream

pytestmark = pytest.mark.redis

DELIVERY_BOUND = 3.0  # seconds within which every client must have the event (measured: a few ms)


async def close_all(groups: dict[int, list[Pinned]]) -> None:
    for group in groups.values():
        for p in group:
            await p.client.aclose()


async def open_streams(groups: dict[int, list[Pinned]], path: str, stack: AsyncExitStack) -> list[Stream]:
    streams = []
    for pid, group in groups.items():
        for p in group:
            streams.append(await open_stream(p.client, path, stack, pid))
    return streams


async def publish_from_each_worker(
    publishers: dict[int, list[Pinned]], path: str, streams: list[Stream]
) -> list[float]:
    """Publish once from each worker; every stream must get both events, in order; returns the latencies."""
    latencies = []
    for pid, (p,) in publishers.items():
        started = time.monotonic()
        response = await p.client.post(path, headers=await csrf_header(p))
        assert response.status_code == 200, response.text
        assert response.json() == {"pid": pid, "published": True}
        for stream in streams:
            event = await stream.next_event(timeout=DELIVERY_BOUND)
            assert json.loads(event["data"])["from"] == pid, (stream.pid, event)
        latencies.append(time.monotonic() - started)
    return latencies


async def test_notifications_reach_every_stream_on_every_worker(redis_server: Server, scale_db: Seed) -> None:
    user = scale_db.users[0]
    readers = await pinned_clients(redis_server.base, 4, token=user["token"])
    publishers = await pinned_clients(redis_server.base, 1, token=scale_db.users[1]["token"])
    try:
        async with AsyncExitStack() as stack:
            streams = await open_streams(readers, "/events/notifications", stack)
            assert len({s.pid for s in streams}) == 2 and len(streams) == 8
            # Redis itself confirms both worker processes listen on the user's channel.
            wire = f"{redis_server.prefix}:tenant:{scale_db.tenant_id}:user:{user['id']}"
            client = aioredis.Redis.from_url(redis_server.redis_url)
            try:
                [(_, listeners)] = await client.pubsub_numsub(wire)
            finally:
                await client.aclose()
            assert listeners == 2
            latencies = await publish_from_each_worker(publishers, f"/_scale/notify/{user['id']}", streams)
            assert max(latencies) < DELIVERY_BOUND
            for stream in streams:
                assert stream.response.headers["cache-control"] == "no-store"
    finally:
        await close_all(readers)
        await close_all(publishers)


async def test_plugin_channels_fan_out_and_stay_within_their_tenant(redis_server: Server, scale_db: Seed) -> None:
    port = redis_server.port
    readers = await pinned_clients(redis_server.base, 3)
    outsiders = await pinned_clients(redis_server.base, 1, host=f"localhost:{port}")  # the other municipality
    publishers = await pinned_clients(redis_server.base, 1, token=scale_db.users[2]["token"])
    try:
        async with AsyncExitStack() as stack:
            streams = await open_streams(readers, "/_scale/stream/board", stack)
            foreign = await open_streams(outsiders, "/_scale/stream/board", stack)
            for stream in streams:
                assert stream.response.headers["x-worker-pid"] == str(stream.pid)
            await publish_from_each_worker(publishers, "/_scale/publish/board", streams)
            # The other municipality's "board" is another channel: its streams got nothing of the above. Prove it
            # by publishing there; the first event each of its streams sees must be that one.
            other_user = await _other_tenant_publisher(redis_server, scale_db, stack)
            response = await other_user.client.post("/_scale/publish/board", headers=await csrf_header(other_user))
            assert response.status_code == 200
            for stream in foreign:
                event = await stream.next_event(timeout=DELIVERY_BOUND)
                assert json.loads(event["data"])["from"] == other_user.pid
    finally:
        await close_all(readers)
        await close_all(outsiders)
        await close_all(publishers)


async def _other_tenant_publisher(server: Server, seed: Seed, stack: AsyncExitStack) -> Pinned:
    token = seed.other_users[0]["token"]
    groups = await pinned_clients(server.base, 1, token=token, host=f"localhost:{server.port}", workers=1)
    pinned = next(iter(groups.values()))[0]
    stack.push_async_callback(pinned.client.aclose)
    return pinned


async def test_login_rate_limit_is_shared_by_the_workers(redis_server: Server, scale_db: Seed) -> None:
    email = scale_db.users[3]["email"]
    groups = await pinned_clients(redis_server.base, 1)
    (a,), (b,) = groups.values()
    try:
        statuses = []
        for attempt in range(LOGIN_LIMIT + 1):
            p = (a, b)[attempt % 2]  # alternate: each worker alone sees fewer than the limit
            response = await p.client.post(
                "/login", data={"email": email, "password": "wrong password!"}, headers=await csrf_header(p)
            )
            statuses.append((p.pid, response.status_code))
            assert await p.current_pid() == p.pid  # still the same worker
        assert [s for _, s in statuses] == [401] * LOGIN_LIMIT + [429], statuses
        assert {pid for pid, _ in statuses} == set(groups)
        # Even the right password is refused now, on either worker.
        for p in (a, b):
            response = await p.client.post(
                "/login", data={"email": email, "password": PASSWORD}, headers=await csrf_header(p)
            )
            assert response.status_code == 429
    finally:
        await close_all(groups)


async def test_memory_backend_stays_in_its_worker_and_streams_do_not_block_shutdown(
    memory_server: Server, scale_db: Seed
) -> None:
    """The negative control: without Redis, an event reaches only the publishing worker's clients."""
    readers = await pinned_clients(memory_server.base, 2)
    publishers = await pinned_clients(memory_server.base, 1, token=scale_db.users[2]["token"])
    try:
        async with AsyncExitStack() as stack:
            streams = await open_streams(readers, "/_scale/stream/board", stack)
            (pid_a, (pa,)), (pid_b, (pb,)) = publishers.items()
            on_a = [s for s in streams if s.pid == pid_a]
            on_b = [s for s in streams if s.pid == pid_b]
            assert (await pa.client.post("/_scale/publish/board", headers=await csrf_header(pa))).status_code == 200
            for stream in on_a:
                assert json.loads((await stream.next_event())["data"])["from"] == pid_a
            assert (await pb.client.post("/_scale/publish/board", headers=await csrf_header(pb))).status_code == 200
            for stream in on_b:  # worker A's event never arrived here: the first event is B's own
                assert json.loads((await stream.next_event())["data"])["from"] == pid_b
            # SIGTERM with 4 streams open: uvicorn gives them 3 s (--timeout-graceful-shutdown) instead of waiting.
            took = memory_server.stop()
            assert memory_server.proc.returncode == 0, memory_server.log_tail()
            assert took < 10, took
            for stream in streams:  # and each stream ended (not a timeout)
                with pytest.raises((StopAsyncIteration, httpx.RemoteProtocolError, httpx.ReadError)):
                    await stream.next_event(timeout=5)
    finally:
        await close_all(readers)
        await close_all(publishers)


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
    groups = await pinned_clients(redis_server.base, 8, token=user["token"])
    clients = [p for group in groups.values() for p in group]
    try:
        headers = [await csrf_header(p) for p in clients]
        path = f"/p/{scale_db.phase_id}/dummy/support"
        posts = [p.client.post(path, headers=h) for p, h in zip(clients, headers, strict=True)]
        responses = await asyncio.gather(*posts)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303] + [409] * (len(clients) - 1), statuses
        assert {p.pid for p in clients} == set(groups) and len(groups) == 2
    finally:
        await close_all(groups)
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
