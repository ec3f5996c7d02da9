"""``core.serving``: several workers each accept their own connections, so a burst of connections spreads over them.

With uvicorn's shared socket, asyncio accepts every waiting connection in whichever worker wakes first: a burst of
keep-alive connections lands on one worker (measured: 84 % busy against 1 %). These tests start real workers.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from core.serving import reuse_port_socket

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, workers: int) -> subprocess.Popen:
    code = (
        "from core.serving import serve; "
        f"serve('tests.serving_pid_app:app', host='127.0.0.1', port={port}, workers={workers}, log_level='warning')"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE, text=True
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def wait_for_workers(port: int, workers: int) -> None:
    """Until ``workers`` distinct pids have answered (each worker binds its socket when it has started)."""
    seen: set[str] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(seen) < workers:
        try:
            seen.add(httpx.get(f"http://127.0.0.1:{port}/", headers={"Connection": "close"}, timeout=5).text)
        except httpx.HTTPError:
            time.sleep(0.05)
    assert len(seen) == workers, f"{len(seen)} of {workers} workers answered"


async def burst(port: int, connections: int) -> Counter:
    """``connections`` requests at once, each on a new connection; how many each worker answered."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
        answers = await asyncio.gather(*(client.get("/") for _ in range(connections)))
    assert all(answer.status_code == 200 for answer in answers)
    return Counter(answer.text for answer in answers)


def test_a_burst_of_connections_spreads_over_both_workers() -> None:
    port = free_port()
    proc = start(port, 2)
    try:
        wait_for_workers(port, 2)
        per_worker = asyncio.run(burst(port, 30))
    finally:
        stop(proc)
    # The kernel hashes each connection to a worker: 30 connections split about evenly (fewer than 5 on one worker
    # happens once in about 16,000 bursts); every connection was answered, none went to the supervisor's socket.
    assert sum(per_worker.values()) == 30
    assert len(per_worker) == 2 and min(per_worker.values()) >= 5, per_worker


def test_a_taken_port_is_refused_once_with_a_message() -> None:
    with socket.socket() as other_program:  # a listener without SO_REUSEPORT, as another program would hold
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        proc = start(port, 2)
        try:
            _, err = proc.communicate(timeout=30)
        finally:
            stop(proc)
    assert proc.returncode == 3
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_reuse_port_sockets_share_an_address() -> None:
    with reuse_port_socket("127.0.0.1", 0) as first:
        port = first.getsockname()[1]
        first.listen()
        with reuse_port_socket("127.0.0.1", port) as second:
            second.listen()
            assert second.getsockname() == first.getsockname()
