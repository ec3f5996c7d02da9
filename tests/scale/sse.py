"""A small reader for text/event-stream responses, used by the real-time tests."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx


class Stream:
    """One open event stream, parsed into blocks (``event``, ``data``, ``comments``) as it arrives."""

    def __init__(self, response: httpx.Response, pid: int | None = None) -> None:
        self.response = response
        self.lines = response.aiter_lines()
        self.pid = pid

    async def next_block(self, timeout: float = 5.0) -> dict[str, Any]:
        block: dict[str, Any] = {"comments": []}
        async with asyncio.timeout(timeout):
            while True:
                line = await anext(self.lines)
                if line == "":
                    if len(block) > 1 or block["comments"]:
                        return block
                    continue
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "":
                    block["comments"].append(value)
                else:
                    block[name] = block[name] + "\n" + value if name in block else value

    async def next_event(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next block that carries data (keep-alive comments are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                block = await self.next_block(timeout)
                if "data" in block:
                    return block


async def open_stream(client: httpx.AsyncClient, path: str, stack: AsyncExitStack, pid: int | None = None) -> Stream:
    response = await stack.enter_async_context(client.stream("GET", path, headers={"Accept": "text/event-stream"}))
    assert response.status_code == 200, response.status_code
    assert response.headers["content-type"].startswith("text/event-stream")
    stream = Stream(response, pid)
    hello = await stream.next_block()
    assert hello["comments"] == ["connected"] and "data" not in hello, hello  # sent once subscribed
    return stream
