"""One set of routes for every item of every method: ``/items/{kind}/{id}/...``.

Each handler resolves the item first (tenant, phase, visibility: 404 otherwise), lets the service check the act's
verdict, and answers a plain form post with a redirect back to the item's page and an htmx request with the
refreshed fragment. The municipality-wide moderation queue lives at ``/admin/moderation``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath

from core.context import Ctx
from core.i18n import gettext as _
from core.participation import comments, follows, moderation, reactions, statuses
from core.participation.items import Item, require, resolve
from core.participation.registry import COMMENT_KIND
from core.participation.view import view_of
from core.web.errors import UserFacingError
from core.web.forms import FormErrors, read_form
from core.web.guards import signed_in
from core.web.render import is_htmx, redirect, render

QUEUE = "/admin/moderation"


def _back(item: Item, wanted: str) -> str:
    """Where to go after an act: ``next`` when it is the queue or a page of the item's own phase under the method's
    mount (``/p/<phase id>/<method>``, e.g. the list a like was given from), else the item."""
    if wanted == QUEUE or wanted.startswith(f"{QUEUE}?"):
        return wanted
    mount = f"/p/{item.pctx.phase.id}/{item.adapter.method}"
    if (wanted == mount or wanted.startswith((f"{mount}?", f"{mount}/"))) and "\\" not in wanted:
        return wanted
    return item.url


def _with_notice(path: str, key: str) -> str:
    """``path`` with ``notice=<key>``, the one-line confirmation base.html shows after a redirect (known keys only)."""
    page, hash_, anchor = path.partition("#")
    return f"{page}{'&' if '?' in page else '?'}notice={key}{hash_}{anchor}"


def _comment_only(item: Item) -> None:
    if not item.is_comment:
        raise UserFacingError(detail=_("Only comments can be changed here."), status_code=404)


class ItemController(Controller):
    path = "/items/{kind:str}/{item_id:int}"

    @post("/react")
    async def react(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        form = await read_form(request)
        wanted = form.get("kind")
        await reactions.set_reaction(item, None if wanted in ("", "none") else wanted)
        if not is_htmx(request):
            return redirect(request, _back(item, form.get("next")))
        part = await view_of(item.owner)
        if item.is_comment:
            return render(request, "participation/_comment_reactions.html", part=part, comment=item.obj)
        return render(request, "participation/_reactions.html", part=part)

    @post("/follow")
    async def follow(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        form = await read_form(request)
        await follows.set_follow(item, form.flag("follow"))
        if is_htmx(request):
            return render(request, "participation/_follow.html", part=await view_of(item))
        return redirect(request, item.url)

    @post("/comments")
    async def comment(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        form = await read_form(request)
        comment = await comments.add(
            item, form.get("body"), parent_id=form.int("parent_id"), anonymous=form.flag("anonymous")
        )
        return redirect(request, f"{item.url}#comment-{comment.id}")

    @get("/edit")
    async def edit_form(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        _comment_only(item)
        reason = comments.edit_refusal(item)
        if reason:
            raise UserFacingError(detail=reason, status_code=403)
        return render(request, "participation/comment_form.html", item=item, value=item.obj.body, errors=None)

    @post("/edit")
    async def edit(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        _comment_only(item)
        form = await read_form(request)
        body = form.get("body")
        problem = comments.check_body(body)
        if problem:
            errors = FormErrors()
            errors.add("body", problem)
            return render(
                request, "participation/comment_form.html", status_code=422, item=item, value=body, errors=errors
            )
        await comments.edit(item, body)
        return redirect(request, item.url)

    @post("/delete")
    async def delete(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        _comment_only(item)
        await comments.delete(item)
        return redirect(request, item.url)

    @get("/report")
    async def report_form(
        self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]
    ) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        require(item, "report")
        return render(
            request,
            "participation/report.html",
            item=item,
            report_reasons=moderation.REPORT_REASONS,
            errors=None,
            note="",
        )

    @post("/report")
    async def report(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        require(item, "report")
        form = await read_form(request)
        reason, note = form.get("reason"), form.get("note")
        errors = FormErrors()
        if reason not in moderation.REPORT_REASONS:
            errors.add("reason", _("Choose a reason."))
        if len(note) > moderation.NOTE_MAX or "\x00" in note:
            errors.add("note", _("The note can be at most %(n)d characters long.", n=moderation.NOTE_MAX))
        if errors:
            return render(
                request,
                "participation/report.html",
                status_code=422,
                item=item,
                report_reasons=moderation.REPORT_REASONS,
                errors=errors,
                note=note,
            )
        await moderation.report(item, reason, note)
        if item.hidden and not item.pctx.moderator and not item.is_comment:
            return redirect(request, _with_notice(item.pctx.base_url, "reported"))
        return redirect(request, _with_notice(item.url, "reported"))

    @post("/moderate")
    async def moderate(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        form = await read_form(request)
        await moderation.moderate(item, form.get("action"), form.get("reason") or None, form.int("days"))
        return redirect(request, _with_notice(_back(item, form.get("next")), "moderated"))

    @post("/status")
    async def status(self, request: Request, ctx: Ctx, kind: FromPath[str], item_id: FromPath[int]) -> Response[str]:
        item = await resolve(ctx, kind, item_id)
        form = await read_form(request)
        feedback = form.multiloc("feedback", list(ctx.tenant.locales))
        if any("\x00" in text or len(text) > comments.COMMENT_MAX for text in feedback.values()):
            raise UserFacingError(detail=_("Check the answer texts."), status_code=422)
        await statuses.change(item, form.get("status") or None, feedback)
        return redirect(request, _with_notice(item.url, "status_saved"))


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@get("/admin/moderation", guards=[signed_in])
async def moderation_queue(request: Request, ctx: Ctx) -> Response[str]:
    """One queue for the municipality: moderators see the projects they moderate, admins all of them.

    ``view=hidden`` lists every hidden item (its reason filter is the hiding reason), so nothing hidden is lost once
    its reports were handled."""
    qp = request.query_params
    view = qp.get("view") if qp.get("view") in moderation.VIEWS else "reports"
    reasons = moderation.HIDE_REASONS if view == "hidden" else moderation.REPORT_REASONS
    reason = qp.get("reason") or None
    method = qp.get("method") or None
    wanted = moderation.QueueFilter(
        project_id=_int(qp.get("project")),
        method=method if method in ctx.app.registry.methods else None,
        reason=reason if reason in reasons else None,
        view=view,
    )
    entries, projects = await moderation.queue(ctx, ctx.user, wanted)
    if not projects:
        raise PermissionDeniedException()
    methods: dict[str, Any] = {k: spec.label for k, spec in ctx.app.registry.methods.items()}
    return render(
        request,
        "admin/moderation.html",
        entries=entries,
        projects=projects,
        wanted=wanted,
        methods=methods,
        report_reasons=moderation.REPORT_REASONS,
        filter_reasons=reasons,
        hide_reasons=moderation.HIDE_REASONS,
        unhide_reasons=moderation.UNHIDE_REASONS,
        hide_label=moderation.hide_reason_label,
        next_url=f"{QUEUE}?view=hidden" if view == "hidden" else QUEUE,
        flash=None,
    )


routes: list[Any] = [ItemController, moderation_queue]
__all__ = ["COMMENT_KIND", "routes"]
