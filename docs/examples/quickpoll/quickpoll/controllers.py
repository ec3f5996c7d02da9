"""Routes under ``/p/{phase_id}/quickpoll``: vote (form post, htmx swaps the panel) and the staff's CSV."""

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath

from core import Ctx, UserFacingError, denied, gettext, is_htmx, phase_context, read_form, redirect, render
from core import table_download as download
from quickpoll import models
from quickpoll.spec import KEY, VOTE, render_phase

STATUS = {"not_signed_in": 401, "already_done": 409}


class QuickpollController(Controller):
    path = "/p/{phase_id:int}/quickpoll"

    @post("/vote")
    async def vote(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        verdict = pctx.can(VOTE, await models.my_vote(pctx.session, pctx.phase, pctx.user) is not None)
        if not verdict.allowed:
            raise UserFacingError(detail=verdict.message, status_code=STATUS.get(verdict.reason or "", 403))
        await pctx.attempt(VOTE)  # the rate limit VOTE declares: 429 and nothing written when over it
        answer, answers = (await read_form(request)).int("answer"), len(pctx.config.choices)
        if answer is None or not 0 <= answer < answers or answers < 2:
            raise UserFacingError(detail=gettext("Choose one of the answers."), status_code=400)
        if not await models.vote(pctx.session, pctx.phase, pctx.user, answer):
            raise UserFacingError(detail=denied("already_done").message, status_code=409)
        if is_htmx(request):
            panel = await render_phase(pctx)
            return render(request, panel.template, **panel.context)
        return redirect(request, f"/projects/{pctx.project.slug}/phases/{pctx.phase.id}")

    @get("/results.csv")
    async def results(self, ctx: Ctx, phase_id: FromPath[int]) -> Response[bytes]:
        pctx = await phase_context(ctx, phase_id, KEY)
        if not pctx.moderator:
            raise PermissionDeniedException()
        answers = pctx.config.choices  # each answer in every language it was written in, with its votes
        counts = await models.tally(pctx.session, pctx.phase, len(answers))
        rows = [[i + 1, counts[i], "; ".join(f"{k}: {v}" for k, v in sorted(a.items()))] for i, a in enumerate(answers)]
        return download(["answer", "votes", "text"], rows, basename=f"{KEY}-phase-{phase_id}", fmt="csv")
