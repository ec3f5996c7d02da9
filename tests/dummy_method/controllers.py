"""HTTP routes of the method, under ``/p/{phase_id}/dummy``: plain form posts with redirects, htmx swaps the panel.

Every route starts with ``phase_context(ctx, phase_id, KEY)``: it answers 404 for a phase of another tenant (the
session is scoped to the request's tenant), of another method, or of a draft project the visitor may not see.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery

from core import (
    Ctx,
    PhaseContext,
    UserFacingError,
    Verdict,
    gettext,
    is_htmx,
    phase_context,
    redirect,
    render,
    table_download,
)
from tests.dummy_method import services
from tests.dummy_method.spec import KEY, SUPPORT, WITHDRAW

STATUS_FOR_REASON = {"not_signed_in": 401, "already_done": 409}


def refuse(verdict: Verdict) -> UserFacingError:
    """A refusal the resident reads in their language: the same reason the disabled button shows."""
    return UserFacingError(detail=verdict.message, status_code=STATUS_FOR_REASON.get(verdict.reason or "", 403))


def phase_path(pctx: PhaseContext) -> str:
    return f"/projects/{pctx.project.slug}/phases/{pctx.phase.id}"


async def panel_or_redirect(request: Request, pctx: PhaseContext) -> Response[str]:
    """htmx gets the refreshed panel; a plain form post is redirected back to the phase page (post/redirect/get)."""
    if is_htmx(request):
        return render(request, "dummy/_panel.html", **await services.panel_context(pctx))
    return redirect(request, phase_path(pctx))


class DummyController(Controller):
    path = "/p/{phase_id:int}/dummy"

    @get("/")
    async def index(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        return redirect(request, phase_path(pctx))

    @get("/count")
    async def count(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        return render(request, "dummy/_count.html", count=await services.count(pctx.session, pctx.phase))

    @post("/support")
    async def support(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        verdict = pctx.can(SUPPORT, await services.status(pctx.session, pctx.phase, pctx.user))
        if not verdict.allowed:
            raise refuse(verdict)
        assert pctx.user is not None  # SUPPORT needs an account: no level lets an anonymous visitor through
        await pctx.attempt(SUPPORT)  # counted before the work, against the limit SUPPORT declares
        if not await services.support(pctx.session, pctx.phase, pctx.user):
            raise refuse(Verdict(False, "already_done"))
        ctx.emit("dummy.supported", phase_id=pctx.phase.id)
        return await panel_or_redirect(request, pctx)

    @post("/withdraw")
    async def withdraw(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        current = await services.status(pctx.session, pctx.phase, pctx.user)
        verdict = pctx.can(WITHDRAW, current)
        if not verdict.allowed:
            raise refuse(verdict)
        if pctx.user is None or not current.supported:
            raise UserFacingError(detail=gettext("You do not support this phase."), status_code=409)
        await pctx.attempt(WITHDRAW)
        await services.withdraw(pctx.session, pctx.phase, pctx.user)
        ctx.emit("dummy.withdrawn", phase_id=pctx.phase.id)
        return await panel_or_redirect(request, pctx)

    @get("/export/{key:str}")
    async def export(
        self, ctx: Ctx, phase_id: FromPath[int], key: FromPath[str], format: FromQuery[str] = "csv"
    ) -> Response[bytes]:
        """A registered export of this phase as CSV or XLSX, for the project's moderators only."""
        pctx = await phase_context(ctx, phase_id, KEY)
        if not pctx.moderator:
            raise PermissionDeniedException()
        spec = next((e for e in ctx.app.registry.exports_for(KEY) if e.key == key), None)
        if spec is None or format not in ("csv", "xlsx"):
            raise NotFoundException()
        header, rows = await spec.rows(pctx.session, pctx.phase)
        return table_download(header, rows, basename=f"{KEY}-{key}-phase-{phase_id}", fmt=format)


routes = [DummyController]
