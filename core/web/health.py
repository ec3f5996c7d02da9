"""Liveness and readiness for operators and load balancers."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response
from sqlalchemy import text

from core.context import request_context
from core.db.lineages import revision_status


@get("/healthz", opt={"tenantless": True})
async def healthz(request: Request) -> Response[dict]:
    state = request_context(request).app
    body: dict[str, object] = {"plugins": sorted(state.registry.methods)}
    try:
        async with state.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        body["database"] = "ok"
        lineages = await revision_status(state.db.engine, state.registry)
        body["schema"] = {s.name: ("current" if s.ok else "outdated") for s in lineages}
        healthy = all(s.ok for s in lineages)
    except Exception as exc:
        body["database"] = f"error: {type(exc).__name__}"
        healthy = False
    body["status"] = "ok" if healthy else "degraded"
    return Response(body, status_code=200 if healthy else 503)


routes = [healthz]
