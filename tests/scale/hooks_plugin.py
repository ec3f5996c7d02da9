"""Test-only plugin for the scale tests, loaded into the servers with ``TOWNHALL_PLUGINS=tests.scale.hooks_plugin``.

It uses only the public real-time API a method plugin would use, and reports the worker's pid so tests can see
which process answered (production code carries no such evidence).
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Response, ServerSentEvent

from core import Ctx, hookimpl, notify_user, publish, signed_in, sse_response, tenant_channel
from core.realtime import user_channel

PID = {"X-Worker-Pid": str(os.getpid())}


@post("/_scale/publish/{name:str}", guards=[signed_in])
async def publish_event(ctx: Ctx, name: FromPath[str]) -> Response[dict]:
    ok = await publish(ctx, tenant_channel(ctx.tenant_id, name), {"from": os.getpid(), "name": name})
    return Response({"pid": os.getpid(), "published": ok}, status_code=200, headers=PID)


@post("/_scale/notify/{user_id:int}", guards=[signed_in])
async def notify(ctx: Ctx, user_id: FromPath[int]) -> Response[dict]:
    ok = await notify_user(ctx.app, ctx.tenant_id, user_id, {"from": os.getpid(), "kind": "test"})
    return Response({"pid": os.getpid(), "published": ok}, status_code=200, headers=PID)


@get("/_scale/stream/{name:str}", cache=False)
async def stream(request: Request, ctx: Ctx, name: FromPath[str]) -> ServerSentEvent:
    return sse_response(request, tenant_channel(ctx.tenant_id, name), event_name="ping", headers=PID)


@get("/_scale/foreign/{tenant_id:int}/{name:str}", cache=False)
async def foreign_stream(request: Request, tenant_id: FromPath[int], name: FromPath[str]) -> ServerSentEvent:
    """Tries to listen to another municipality's channel: must be refused."""
    return sse_response(request, tenant_channel(tenant_id, name), event_name="ping")


@get("/_scale/user/{user_id:int}", cache=False)
async def other_user_stream(request: Request, ctx: Ctx, user_id: FromPath[int]) -> ServerSentEvent:
    """Tries to listen to a user's private channel: allowed only for that user."""
    return sse_response(request, user_channel(ctx.tenant_id, user_id), event_name="notification")


@get("/_scale/pid", opt={"tenantless": True})
async def pid() -> dict[str, Any]:
    return {"pid": os.getpid()}


@hookimpl
def register_routes() -> list[Any]:
    return [publish_event, notify, stream, foreign_stream, other_user_stream, pid]
