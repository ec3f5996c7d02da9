"""HTTP routes under ``/p/{phase_id}/@@key``: form posts that redirect back, htmx swaps the panel in place.

Every route starts with ``phase_context(ctx, phase_id, KEY)``, which answers 404 for another tenant's phase,
another method's phase or a draft the visitor may not see; every change asks ``pctx.can`` on the server.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath

from core import Ctx, UserFacingError, Verdict, denied, is_htmx, phase_context, redirect, render, table_download
from @@key import services
from @@key.spec import KEY, SIGN_UP

STATUS_FOR_REASON = {"not_signed_in": 401, "already_done": 409}


def refuse(verdict: Verdict) -> UserFacingError:
    """The refusal a resident reads in their language: the same reason the disabled button shows."""
    return UserFacingError(detail=verdict.message, status_code=STATUS_FOR_REASON.get(verdict.reason or "", 403))


class @@{Key}Controller(Controller):
    path = "/p/{phase_id:int}/@@key"

    @post("/signup")
    async def sign_up(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        verdict = pctx.can(SIGN_UP, await services.signed_up(pctx.session, pctx.phase, pctx.user))
        if verdict.allowed and pctx.user is None:  # a phase open to everyone still needs a person to sign up
            verdict = denied("not_signed_in")
        if not verdict.allowed:
            raise refuse(verdict)
        await pctx.attempt(SIGN_UP)  # the rate limit SIGN_UP declares: 429 and nothing written when over it
        if not await services.sign_up(pctx.session, pctx.phase, pctx.user):
            raise refuse(denied("already_done"))
        if is_htmx(request):
            return render(request, "@@key/_panel.html", **await services.panel_context(pctx))
        return redirect(request, f"/projects/{pctx.project.slug}/phases/{pctx.phase.id}")

    @get("/signups.csv")
    async def export(self, ctx: Ctx, phase_id: FromPath[int]) -> Response[bytes]:
        """The sign-ups as CSV, for the project's moderators only (formulas neutralised by ``table_download``)."""
        pctx = await phase_context(ctx, phase_id, KEY)
        if not pctx.moderator:
            raise PermissionDeniedException()
        header, rows = await services.export_rows(pctx.session, pctx.phase)
        return table_download(header, rows, basename=f"{KEY}-phase-{phase_id}", fmt="csv")
