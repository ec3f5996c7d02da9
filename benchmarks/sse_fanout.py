"""SSE fan-out through core.realtime: the Redis pub/sub backend against the in-memory backend (baseline).

One process, N subscribers on one tenant channel (each one the generator an SSE response would stream, messages
encoded to bytes as on the wire), M events published one at a time, the next once every subscriber has the last.
Prints the fan-out latency (publish until the last subscriber has it) and deliveries per second for each backend,
then the ratio Redis / memory. Cross-worker delivery is what the Redis backend is for; that it happens at all is
tested in tests/scale, this measures what it costs. Numbers are noisy on a busy machine: run it twice.

    .venv/bin/python benchmarks/sse_fanout.py --clients 200 --events 200 [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.realtime import Realtime, tenant_channel
from core.settings import Settings


async def measure(settings: Settings, clients: int, events: int) -> dict[str, float]:
    """Publish one event at a time and time until the last subscriber has it (the fan-out latency)."""
    hub = Realtime(settings)
    channel = tenant_channel(1, "bench")
    fanout: list[float] = []
    received = 0
    all_in = asyncio.Event()
    async with hub.plugin:
        streams = [hub.events(channel, event_name="tick", keepalive=3600) for _ in range(clients)]
        for stream in streams:
            await anext(stream)  # "connected": subscribed
        await asyncio.sleep(0.2)  # let Redis register the SUBSCRIBE before the first PUBLISH

        async def consume(stream: Any) -> None:
            nonlocal received
            for _ in range(events):
                (await anext(stream)).encode()
                received += 1
                if received == clients:
                    all_in.set()

        tasks = [asyncio.create_task(consume(s)) for s in streams]
        started = time.perf_counter()
        for _ in range(events):
            received = 0
            all_in.clear()
            sent = time.perf_counter()
            await hub.publish(channel, {"n": 1})
            await asyncio.wait_for(all_in.wait(), 30)
            fanout.append(time.perf_counter() - sent)
        elapsed = time.perf_counter() - started
        await asyncio.gather(*tasks)
        for stream in streams:
            await stream.aclose()
    fanout.sort()
    return {
        "p50_ms": statistics.median(fanout) * 1000,
        "p95_ms": fanout[max(0, int(len(fanout) * 0.95) - 1)] * 1000,
        "deliveries_per_s": clients * events / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    baseline = asyncio.run(measure(Settings(realtime_prefix=prefix), args.clients, args.events))
    print(f"clients={args.clients} events={args.events}")
    print(
        f"baseline memory backend: p50 {baseline['p50_ms']:.2f} ms, p95 {baseline['p95_ms']:.2f} ms, "
        f"{baseline['deliveries_per_s']:.0f} deliveries/s"
    )
    try:
        redis = asyncio.run(
            measure(Settings(redis_url=args.redis_url, realtime_prefix=prefix), args.clients, args.events)
        )
    except Exception as exc:
        print(f"redis backend: unavailable ({type(exc).__name__}: {exc})")
        return
    print(
        f"redis pub/sub backend:   p50 {redis['p50_ms']:.2f} ms, p95 {redis['p95_ms']:.2f} ms, "
        f"{redis['deliveries_per_s']:.0f} deliveries/s"
    )
    print(
        f"ratio redis/memory: p50 x{redis['p50_ms'] / baseline['p50_ms']:.2f}, "
        f"p95 x{redis['p95_ms'] / baseline['p95_ms']:.2f}, "
        f"throughput x{redis['deliveries_per_s'] / baseline['deliveries_per_s']:.2f}"
    )


if __name__ == "__main__":
    main()
