"""Benchmark (issue 12): a workshop board update delivered to 500 SSE clients spread over two workers (Redis),
against a bare Litestar channels broadcast (benchmarks/bare_channels_app.py, also two workers on the same Redis)
measured in the same run. Per round, one update is published and every client's delivery latency is taken from
the moment the publishing request was sent; the p50/p95 of all deliveries are printed for both, with their ratio.

Slow (opens 1000 streams): ``pytest -m slow tests/scale/test_workshop_bench.py -s`` with the scale-test
environment (PostgreSQL, Redis). It asserts only that every client got every update within the bound; the numbers
are for reading (noisy on a shared machine: run twice).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scale.conftest import Pinned, Seed, Server, csrf_header, free_port, new_client
from tests.scale.sse import Stream, open_stream
from tests.scale.test_workshop_board import _db, seed_session

pytestmark = [pytest.mark.redis, pytest.mark.slow]

CLIENTS = int(os.environ.get("TOWNHALL_BENCH_CLIENTS", "500"))
ROUNDS = int(os.environ.get("TOWNHALL_BENCH_ROUNDS", "10"))
PER_PERSON = 4  # streams per resident (the cap is 5 per person and worker)
BOUND = 15.0
ROOT = Path(__file__).resolve().parents[2]


async def seat_people(seed: Seed, session_id: int, count: int) -> list[str]:
    """``count`` residents with a seat and a signed-in session each; their auth tokens."""
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, User
    from core.passwords import new_token, token_hash
    from plugins.workshop.models import Registration

    db = _db(seed)
    tokens = []
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            people = [User(email=f"bench-{secrets.token_hex(6)}@example.org", password_hash="!", display_name=f"B{i}",
                           email_confirmed_at=utcnow()) for i in range(count)]  # fmt: skip
            session.add_all(people)
            await session.flush()
            for user in people:
                session.add(Registration(session_id=session_id, user_id=user.id, status="registered"))
                token = new_token()
                session.add(AuthSession(token_hash=token_hash(token), user_id=user.id,
                                        expires_at=utcnow() + SESSION_LIFETIME))  # fmt: skip
                tokens.append(token)
    finally:
        await db.dispose()
    return tokens


async def open_streams(base: str, path: str, tokens: list[str | None], pid_path: str, stack: AsyncExitStack) -> list:
    async def one(token: str | None) -> Stream:
        client = new_client(base, token=token)
        stack.push_async_callback(client.aclose)
        pid = (await client.get(pid_path)).json()["pid"]
        return await open_stream(client, path, stack, pid)

    streams = []
    for start in range(0, len(tokens), 50):  # in batches: a burst of 500 connects is not what we measure
        streams += await asyncio.gather(*(one(t) for t in tokens[start : start + 50]))
    return streams


async def rounds(streams: list[Stream], publish: Any) -> list[float]:
    latencies: list[float] = []
    for _ in range(ROUNDS):
        started = time.monotonic()

        async def heard(stream: Stream, since: float) -> float:
            event = await stream.next_event(timeout=BOUND)
            assert event["event"] == "board", event
            return time.monotonic() - since

        waiting = [asyncio.create_task(heard(s, started)) for s in streams]
        await publish()
        latencies += await asyncio.gather(*waiting)
        await asyncio.sleep(0.2)
    return latencies


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


@pytest.fixture
def bare_server(scale_services: Any, tmp_path: Path) -> Any:
    port = free_port()
    env = {**os.environ, "BENCH_REDIS_URL": scale_services.redis_url, "BENCH_CHANNEL": f"bench-{port}"}
    log = (tmp_path / "bare.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "benchmarks"),
                             "bare_channels_app:app", "--workers", "2", "--port", str(port), "--log-level", "warning",
                             "--timeout-graceful-shutdown", "3"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/pid", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(15)


async def test_board_update_to_500_clients_against_a_bare_broadcast(
    redis_server: Server, scale_db: Seed, bare_server: str
) -> None:
    phase_id, session_id = await seed_session(scale_db)
    base = f"/p/{phase_id}/workshop/{session_id}"
    people = await seat_people(scale_db, session_id, CLIENTS // PER_PERSON + 2)
    tokens = [people[i // PER_PERSON] for i in range(CLIENTS)]
    posters = people[-2:]
    results: dict[str, list[float]] = {}
    spread: dict[str, Counter] = {}
    async with AsyncExitStack() as stack:
        streams = await open_streams(redis_server.base, f"{base}/events", tokens, "/_scale/pid", stack)
        spread["townhall"] = Counter(s.pid for s in streams)
        n = 0

        async def post_card() -> None:
            nonlocal n
            n += 1
            async with new_client(redis_server.base, token=posters[n % 2]) as client:
                response = await client.post(f"{base}/cards", data={"kind": "note", "body": f"update {n}"},
                                             headers=await csrf_header(Pinned(client, 0)))  # fmt: skip
            assert response.status_code == 303, response.text

        results["townhall"] = await rounds(streams, post_card)
    async with AsyncExitStack() as stack:
        streams = await open_streams(bare_server, "/sse", [None] * CLIENTS, "/pid", stack)
        spread["bare"] = Counter(s.pid for s in streams)

        async def bare_publish() -> None:
            async with httpx.AsyncClient(base_url=bare_server) as client:
                assert (await client.post("/publish")).status_code == 200

        results["bare"] = await rounds(streams, bare_publish)

    lines = [f"{CLIENTS} SSE clients, {ROUNDS} updates each:"]
    for name, values in results.items():
        lines.append(f"  {name:9} p50 {p(values, 50) * 1000:7.1f} ms  p95 {p(values, 95) * 1000:7.1f} ms  "
                     f"max {max(values) * 1000:7.1f} ms  workers {dict(spread[name])}")  # fmt: skip
    ratio = p(results["townhall"], 95) / max(p(results["bare"], 95), 1e-6)
    lines.append(f"  p95 ratio townhall / bare: {ratio:.2f}")
    print("\n".join(lines))
    for name in results:
        assert len(results[name]) == CLIENTS * ROUNDS
        assert len(spread[name]) == 2, f"{name}: the clients did not reach both workers: {spread[name]}"
