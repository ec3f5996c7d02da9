"""A bare ASGI app for tests/test_serving.py: answers each request with the pid of the worker, after a short wait.

The wait keeps every connection of a burst open at once, so the test sees where the kernel put each of them.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any


async def app(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await asyncio.sleep(0.2)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(os.getpid()).encode()})
