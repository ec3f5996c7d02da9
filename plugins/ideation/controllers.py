"""HTTP handlers of the ideation method, mounted at ``/p/{phase_id}/ideation``. Every page works as plain HTML
forms and links; htmx requests get fragments. Every state change re-checks permission on the server."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from sqlalchemy import delete, select

from core import PhasePanel, exports, uploads
from core import gettext as _
from core.context import Ctx
from core.projects import PhaseContext, phase_context
from core.web.errors import UserFacingError
from core.web.forms import Form, FormErrors, multiloc_or_error, read_form
from core.web.render import is_htmx, redirect, render
from plugins.ideation import imports, insights, services
from plugins.ideation.models import IdeaImage, IdeaStatus, IdeaTopic, ImportBatch
from plugins.ideation.schemas import MAX_IMAGES, NOTE_MAX, ListQuery, parse_comment, parse_idea
from plugins.ideation.spec import HIDE_REASONS, KEY, REPORT_REASONS, SORTS
from plugins.ideation.text import excerpt

VIEWS = ("cards", "list", "map")
FLASH = {
    "posted": lambda: _("Thank you! Your idea has been posted."),
    "updated": lambda: _("Your idea has been updated."),
    "withdrawn": lambda: _("Your idea has been withdrawn."),
    "reported": lambda: _("Thank you. A moderator will look at your report."),
    "already_reported": lambda: _("You have already reported this."),
    "status": lambda: _("The status has been saved and followers have been told."),
    "moderated": lambda: _("Done. The act has been recorded in the audit log."),
    "imported": lambda: _("The ideas have been imported."),
    "saved": lambda: _("Saved."),
}


def base_path(phase_id: int) -> str:
    return f"/p/{phase_id}/{KEY}"


def flash_message(request: Request) -> str | None:
    maker = FLASH.get(request.query_params.get("done", ""))
    return maker() if maker else None


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def read_query(request: Request, pctx: PhaseContext) -> tuple[ListQuery, str]:
    qp = request.query_params
    sort = qp.get("sort") or pctx.config.default_sort
    view = qp.get("view") or pctx.config.presentation
    if view == "map" and not pctx.config.collect_location:
        view = "cards"
    query = ListQuery(
        topic=_int(qp.get("topic")),
        area=_int(qp.get("area")),
        status=(qp.get("status") or None),
        q=(qp.get("q") or "").strip()[:100],
        sort=sort if sort in SORTS else pctx.config.default_sort,
        page=max(1, _int(qp.get("page")) or 1),
    )
    return query, view if view in VIEWS else "cards"


async def common(pctx: PhaseContext) -> dict[str, Any]:
    """What every ideation template needs: the phase, labels, taxonomies and the base path."""
    known = await services.statuses(pctx.session, pctx.ctx.locale, pctx.tenant.default_locale)
    topics, areas = await services.taxonomy(pctx.session)
    return {
        "pctx": pctx,
        "config": pctx.config,
        "base": base_path(pctx.phase.id),
        "statuses": known,
        "topics": topics,
        "areas": areas,
        "topic_names": {t.id: t.name for t in topics},
        "area_names": {a.id: a.name for a in areas},
        "sorts": SORTS,
        "report_reasons": REPORT_REASONS,
        "hide_reasons": HIDE_REASONS,
        "errors": None,
    }


async def listing(pctx: PhaseContext, query: ListQuery, view: str) -> dict[str, Any]:
    page = await services.list_ideas(pctx, query)
    mine = await services.standing(pctx, [i.id for i in page.ideas])
    located = [i for i in page.ideas if i.located]
    names = await services._names(pctx.session, {i.author_id for i in page.ideas if not i.anonymous and not i.offline})
    return {
        "names": names,
        "excerpt": excerpt,
        "page": page,
        "query": query,
        "view": view,
        "mine": mine,
        "post_verdict": services.post_verdict(pctx, mine),
        "like_verdict": services.react_verdict(pctx, "like", mine),
        "dislike_verdict": services.react_verdict(pctx, "dislike", mine),
        "map_points": map_points(pctx, located) if view == "map" else [],
        "qs": lambda **changes: urlencode({**query.params(**changes), "view": view}),
    }


def map_points(pctx: PhaseContext, ideas: list[Any]) -> list[dict[str, Any]]:
    """Ideas placed on a 1000 by 600 SVG using the municipality's bounds (or the ideas' own extent)."""
    bounds = pctx.tenant.bounds or {}
    try:
        south, north = float(bounds["south"]), float(bounds["north"])
        west, east = float(bounds["west"]), float(bounds["east"])
    except (KeyError, TypeError, ValueError):
        if not ideas:
            return []
        south, north = min(i.lat for i in ideas), max(i.lat for i in ideas)
        west, east = min(i.lon for i in ideas), max(i.lon for i in ideas)
    height, width = (north - south) or 1.0, (east - west) or 1.0
    return [
        {
            "idea": i,
            "x": round(20 + 960 * (i.lon - west) / width, 1),
            "y": round(20 + 560 * (north - i.lat) / height, 1),
        }
        for i in ideas
    ]


async def phase_panel(pctx: PhaseContext) -> PhasePanel:
    """The phase page's panel: the first page of ideas with the filters, and the way to post one."""
    context = await common(pctx)
    query = ListQuery(sort=pctx.config.default_sort)
    view = pctx.config.presentation if pctx.config.collect_location or pctx.config.presentation != "map" else "cards"
    context |= await listing(pctx, query, view)
    context["flash"] = None
    return PhasePanel("ideation/panel.html", context)


def _require_moderator(pctx: PhaseContext) -> None:
    if pctx.user is None:
        raise UserFacingError(detail=services.denied("not_signed_in").message, status_code=401)
    if not pctx.moderator:
        raise PermissionDeniedException()


def _safe_next(form: Form, fallback: str) -> str:
    target = form.get("next")
    return target if target.startswith(f"{fallback.split('/ideation')[0]}/ideation") else fallback


class IdeationController(Controller):
    path = "/p/{phase_id:int}/ideation"

    # ------------------------------------------------------------------ browsing

    @get("/")
    async def browse(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        query, view = read_query(request, pctx)
        context = await common(pctx) | await listing(pctx, query, view)
        if is_htmx(request) and request.query_params.get("more"):
            return render(request, "ideation/_items.html", **context)
        return render(
            request,
            "ideation/browse.html",
            fragment="ideation/_results.html",
            flash=flash_message(request),
            **context,
        )

    @get("/similar")
    async def similar(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        title = (request.query_params.get("title") or "")[:200]
        found = await services.similar(pctx, title, exclude=_int(request.query_params.get("exclude")))
        return render(
            request,
            "ideation/similar.html",
            fragment="ideation/_similar.html",
            similar=found,
            title=title,
            **await common(pctx),
        )

    @get("/images/{image_id:int}")
    async def image(self, ctx: Ctx, phase_id: FromPath[int], image_id: FromPath[int]) -> Response[bytes]:
        pctx = await phase_context(ctx, phase_id, KEY)
        row = await pctx.session.get(IdeaImage, image_id)
        if row is None:
            raise NotFoundException()
        await services.get_idea(pctx, row.idea_id)
        return uploads.serve(ctx.app.settings.upload_dir, row.stored_name, download_name=f"idea-{row.idea_id}")

    # ------------------------------------------------------------------ posting and editing

    async def _form_context(self, pctx: PhaseContext, **extra: Any) -> dict[str, Any]:
        context = await common(pctx)
        mine = await services.standing(pctx)
        return context | {"post_verdict": services.post_verdict(pctx, mine), "values": {}, "idea": None} | extra

    @get("/new")
    async def new_form(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        values = {"title": (request.query_params.get("title") or "")[:200]}
        return render(request, "ideation/idea_form.html", **await self._form_context(pctx, values=values))

    async def _read_idea(self, request: Request, pctx: PhaseContext) -> tuple[Any, list[bytes], Form, FormErrors]:
        form = await read_form(request)
        errors = FormErrors()
        if form.has_nul or form.too_long:
            errors.add("_form", _("Some text could not be accepted. Please check what you entered."))
        blobs: list[bytes] = []
        files = [v for k, v in form._items if k == "images" and not isinstance(v, str) and getattr(v, "filename", "")]
        if len(files) > MAX_IMAGES:
            errors.add("images", _("Add at most %(n)d images.", n=MAX_IMAGES))
        for upload in files[:MAX_IMAGES]:
            try:
                data = await uploads.read_upload(upload)
                uploads.check_image(data)
                blobs.append(data)
            except uploads.UploadError as exc:
                errors.add("images", exc.message)
        topics, areas = await services.taxonomy(pctx.session)
        data = parse_idea(
            form,
            config=pctx.config,
            tenant=pctx.tenant,
            topic_ids={t.id for t in topics},
            area_ids={a.id for a in areas},
            locale=pctx.ctx.locale,
            errors=errors,
            has_images=bool(blobs),
        )
        return data, blobs, form, errors

    @post("/new")
    async def create(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        services.refuse(services.post_verdict(pctx, await services.standing(pctx)))
        data, blobs, form, errors = await self._read_idea(request, pctx)
        if errors:
            context = await self._form_context(pctx, values=form.as_dict(), chosen_topics=data.topic_ids)
            return render(request, "ideation/idea_form.html", status_code=422, **{**context, "errors": errors})
        idea = await services.create_idea(pctx, data, blobs)
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}?done=posted")

    @get("/ideas/{idea_id:int}/edit")
    async def edit_form(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        context = await self._form_context(pctx, idea=idea)
        reason = services.edit_refusal(pctx, idea, context["statuses"])
        if reason:
            raise UserFacingError(detail=reason, status_code=403)
        chosen = list(
            (await pctx.session.scalars(select(IdeaTopic.topic_id).where(IdeaTopic.idea_id == idea.id))).all()
        )
        values = {
            "title": idea.title,
            "body": idea.body,
            "area": str(idea.area_id or ""),
            "lat": "" if idea.lat is None else str(idea.lat),
            "lon": "" if idea.lon is None else str(idea.lon),
            "anonymous": "1" if idea.anonymous else "",
        }
        return render(request, "ideation/idea_form.html", **(context | {"values": values, "chosen_topics": chosen}))

    @post("/ideas/{idea_id:int}/edit")
    async def update(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        reason = services.edit_refusal(
            pctx, idea, await services.statuses(pctx.session, ctx.locale, ctx.tenant.default_locale)
        )
        if reason:
            raise UserFacingError(detail=reason, status_code=403)
        data, _blobs, form, errors = await self._read_idea(request, pctx)
        errors.pop("images", None)
        if errors:
            context = await self._form_context(pctx, idea=idea, values=form.as_dict(), chosen_topics=data.topic_ids)
            return render(request, "ideation/idea_form.html", status_code=422, **{**context, "errors": errors})
        await services.update_idea(pctx, idea, data)
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}?done=updated")

    @post("/ideas/{idea_id:int}/withdraw")
    async def withdraw(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        await services.withdraw_idea(pctx, idea)
        return redirect(request, f"{base_path(phase_id)}?done=withdrawn")

    # ------------------------------------------------------------------ one idea

    async def _idea_context(self, pctx: PhaseContext, idea: Any) -> dict[str, Any]:
        context = await common(pctx)
        mine = await services.standing(pctx, [idea.id])
        top, children, comment_reactions = await services.comments_for(pctx, idea)
        names_wanted = {c.author_id for c in [*top, *(c for cs in children.values() for c in cs)] if not c.anonymous}
        if not idea.anonymous:
            names_wanted.add(idea.author_id)
        names = await services._names(pctx.session, names_wanted)
        topic_ids = list(
            (await pctx.session.scalars(select(IdeaTopic.topic_id).where(IdeaTopic.idea_id == idea.id))).all()
        )
        images = list(
            (
                await pctx.session.scalars(select(IdeaImage).where(IdeaImage.idea_id == idea.id).order_by(IdeaImage.id))
            ).all()
        )
        return context | {
            "idea": idea,
            "idea_topics": topic_ids,
            "images": images,
            "mine": mine,
            "names": names,
            "comments": top,
            "children": children,
            "comment_reactions": comment_reactions,
            "feedback": await services.feedback_for(pctx.session, idea.id),
            "like_verdict": services.react_verdict(pctx, "like", mine, mine.reactions.get(idea.id)),
            "dislike_verdict": services.react_verdict(pctx, "dislike", mine, mine.reactions.get(idea.id)),
            "comment_verdict": services.comment_verdict(pctx),
            "comment_react_verdict": pctx.can("ideation.react"),
            "edit_refusal": services.edit_refusal(pctx, idea, context["statuses"]),
            "comment_edit_refusal": lambda c: services.comment_edit_refusal(pctx, c),
            "render_body": services.render_body,
            "body_html": services.render_body(idea.body),
        }

    @get("/ideas/{idea_id:int}")
    async def show(self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        context = await self._idea_context(pctx, idea)
        return render(request, "ideation/idea.html", flash=flash_message(request), **context)

    @post("/ideas/{idea_id:int}/react")
    async def react(self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        form = await read_form(request)
        kind = form.get("kind")
        await services.set_idea_reaction(pctx, idea, None if kind == "none" else kind)
        if is_htmx(request):
            await pctx.session.refresh(idea)
            mine = await services.standing(pctx, [idea.id])
            return render(
                request,
                "ideation/_reactions.html",
                **await common(pctx),
                idea=idea,
                mine=mine,
                compact=form.get("compact") == "1",
                next=form.get("next"),
                like_verdict=services.react_verdict(pctx, "like", mine, mine.reactions.get(idea.id)),
                dislike_verdict=services.react_verdict(pctx, "dislike", mine, mine.reactions.get(idea.id)),
            )
        return redirect(request, _safe_next(form, f"{base_path(phase_id)}/ideas/{idea.id}"))

    @post("/ideas/{idea_id:int}/follow")
    async def follow(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        form = await read_form(request)
        following = await services.set_follow(pctx, idea, form.flag("follow"))
        if is_htmx(request):
            mine = services.Standing(follows={idea.id} if following else set())
            return render(request, "ideation/_follow.html", **await common(pctx), idea=idea, mine=mine)
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}")

    @post("/ideas/{idea_id:int}/status")
    async def status(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        idea = await services.get_idea(pctx, idea_id)
        form = await read_form(request)
        errors = FormErrors()
        feedback = multiloc_or_error(
            form,
            "feedback",
            list(ctx.tenant.locales),
            errors,
            required_locale=None,
            message=_("Check the answer texts."),
        )
        if errors:
            return await self._idea_invalid(request, pctx, idea, errors)
        await services.set_status(pctx, idea, form.get("status"), feedback or None)
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}?done=status")

    async def _idea_invalid(
        self, request: Request, pctx: Any, idea: Any, errors: FormErrors, **extra: Any
    ) -> Response[str]:
        """The idea page again with the form errors (422): one answer for every form posted from that page."""
        context = await self._idea_context(pctx, idea)
        return render(
            request, "ideation/idea.html", status_code=422, flash=None, **{**context, "errors": errors, **extra}
        )

    # ------------------------------------------------------------------ comments

    @post("/ideas/{idea_id:int}/comments")
    async def comment(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        services.refuse(services.comment_verdict(pctx))
        form = await read_form(request)
        errors = FormErrors()
        field = "reply" if form.get("parent_id") else "body"
        body = parse_comment(form, errors, field)
        if form.has_nul:
            errors.add(field, _("Some text could not be accepted. Please check what you entered."))
        if errors:
            return await self._idea_invalid(request, pctx, idea, errors, comment_value=body)
        comment = await services.add_comment(
            pctx, idea, body, parent_id=form.int("parent_id"), anonymous=form.flag("anonymous")
        )
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}#comment-{comment.id}")

    @get("/comments/{comment_id:int}/edit")
    async def comment_edit_form(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], comment_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        comment, idea = await services.get_comment(pctx, comment_id)
        reason = services.comment_edit_refusal(pctx, comment)
        if reason:
            raise UserFacingError(detail=reason, status_code=403)
        return render(
            request, "ideation/comment_form.html", **await common(pctx), comment=comment, idea=idea, value=comment.body
        )

    @post("/comments/{comment_id:int}/edit")
    async def comment_update(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], comment_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        comment, idea = await services.get_comment(pctx, comment_id)
        form = await read_form(request)
        errors = FormErrors()
        body = parse_comment(form, errors)
        if errors:
            return render(
                request,
                "ideation/comment_form.html",
                status_code=422,
                **{**await common(pctx), "errors": errors},
                comment=comment,
                idea=idea,
                value=body,
            )
        await services.edit_comment(pctx, comment, body)
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}#comment-{comment.id}")

    @post("/comments/{comment_id:int}/delete")
    async def comment_delete(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], comment_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        comment, idea = await services.get_comment(pctx, comment_id)
        await services.delete_comment(pctx, comment)
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}#comment-{comment.id}")

    @post("/comments/{comment_id:int}/react")
    async def comment_react(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], comment_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        comment, idea = await services.get_comment(pctx, comment_id)
        form = await read_form(request)
        kind = form.get("kind")
        mine = await services.set_comment_reaction(pctx, comment, None if kind == "none" else kind)
        if is_htmx(request):
            await pctx.session.refresh(comment)
            return render(
                request,
                "ideation/_comment_reactions.html",
                **await common(pctx),
                idea=idea,
                comment=comment,
                comment_reactions={comment.id: mine} if mine else {},
                comment_react_verdict=pctx.can("ideation.react"),
            )
        return redirect(request, f"{base_path(phase_id)}/ideas/{idea.id}#comment-{comment.id}")

    # ------------------------------------------------------------------ reports and moderation

    @get("/report/{target_type:str}/{target_id:int}")
    async def report_form(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], target_type: FromPath[str], target_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        if pctx.user is None:
            services.refuse(services.denied("not_signed_in"))
        target, idea = await services._target(pctx, target_type, target_id)
        return render(
            request, "ideation/report.html", **await common(pctx), target_type=target_type, target=target, idea=idea
        )

    @post("/report/{target_type:str}/{target_id:int}")
    async def report(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], target_type: FromPath[str], target_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        if pctx.user is None:
            services.refuse(services.denied("not_signed_in"))
        target, idea = await services._target(pctx, target_type, target_id)
        form = await read_form(request)
        errors = FormErrors()
        reason = form.get("reason")
        if reason not in REPORT_REASONS:
            errors.add("reason", _("Choose a reason."))
        note = form.get("note")
        if len(note) > NOTE_MAX or "\x00" in note:
            errors.add("note", _("The note can be at most %(n)d characters long.", n=NOTE_MAX))
        if errors:
            return render(
                request,
                "ideation/report.html",
                status_code=422,
                **{**await common(pctx), "errors": errors},
                target_type=target_type,
                target=target,
                idea=idea,
            )
        fresh = await services.report(pctx, target_type, target_id, reason, note)
        done = "reported" if fresh else "already_reported"
        target_url = f"{base_path(phase_id)}/ideas/{idea.id}?done={done}"
        if target_type == "idea" and target.hidden:
            target_url = f"{base_path(phase_id)}?done={done}"
        return redirect(request, target_url)

    @get("/moderation")
    async def moderation(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        queue = await services.moderation_queue(pctx)
        return render(
            request, "ideation/moderation.html", **await common(pctx), queue=queue, flash=flash_message(request)
        )

    @post("/moderation/{target_type:str}/{target_id:int}")
    async def moderate(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], target_type: FromPath[str], target_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        form = await read_form(request)
        action = form.get("action")
        reason = form.get("reason") or None
        if reason is not None and reason not in HIDE_REASONS:
            raise UserFacingError(detail=_("Choose a reason."), status_code=422)
        if action == "ban":
            days = form.int("days")
            if days is None or not 1 <= days <= 3650:
                raise UserFacingError(detail=_("Give the number of days, from 1 to 3650."), status_code=422)
            await services.ban_author(pctx, target_type, target_id, days, reason or "rules")
        else:
            await services.moderate(pctx, target_type, target_id, action, reason)
        return redirect(request, f"{base_path(phase_id)}/moderation?done=moderated")

    # ------------------------------------------------------------------ custom statuses (tenant admins)

    @get("/statuses")
    async def statuses_page(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        self._admin(pctx)
        rows = list((await pctx.session.scalars(select(IdeaStatus).order_by(IdeaStatus.position, IdeaStatus.id))).all())
        return render(
            request, "ideation/statuses.html", **await common(pctx), rows=rows, values={}, flash=flash_message(request)
        )

    @post("/statuses")
    async def statuses_add(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        import re

        from core import audit

        pctx = await phase_context(ctx, phase_id, KEY)
        self._admin(pctx)
        form = await read_form(request)
        errors = FormErrors()
        label = multiloc_or_error(
            form, "label", list(ctx.tenant.locales), errors, required_locale=ctx.tenant.default_locale,
            message=_("Give the status a name in the main language."),
        )  # fmt: skip
        colour = form.get("colour") or "#475569"
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            errors.add("colour", _("The colour must look like #1d4ed8."))
        if errors:
            rows = list((await pctx.session.scalars(select(IdeaStatus).order_by(IdeaStatus.position))).all())
            return render(
                request, "ideation/statuses.html", status_code=422, **{**await common(pctx), "errors": errors},
                rows=rows, values=form.as_dict(), flash=None,
            )  # fmt: skip
        count = len((await pctx.session.scalars(select(IdeaStatus.id))).all())
        row = IdeaStatus(
            key=f"c-{secrets.token_hex(4)}",
            label=label,
            colour=colour.lower(),
            position=count + 1,
            locks_idea=not form.flag("keeps_open"),
        )
        pctx.session.add(row)
        await pctx.session.flush()
        audit.record(pctx.session, pctx.user, "ideation.status_created", row, {"label": label})
        return redirect(request, f"{base_path(phase_id)}/statuses?done=saved")

    @post("/statuses/{status_id:int}/delete")
    async def statuses_delete(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], status_id: FromPath[int]
    ) -> Response[str]:
        from core import audit
        from plugins.ideation.models import Idea

        pctx = await phase_context(ctx, phase_id, KEY)
        self._admin(pctx)
        row = await pctx.session.get(IdeaStatus, status_id)
        if row is None:
            raise NotFoundException()
        in_use = await pctx.session.scalar(select(Idea.id).where(Idea.status == row.key).limit(1))
        if in_use is not None:
            raise UserFacingError(detail=_("This status is still used by ideas."), status_code=409)
        await pctx.session.execute(delete(IdeaStatus).where(IdeaStatus.id == row.id))
        audit.record(
            pctx.session, pctx.user, "ideation.status_deleted", ("ideation_status", status_id), {"key": row.key}
        )
        return redirect(request, f"{base_path(phase_id)}/statuses?done=saved")

    @staticmethod
    def _admin(pctx: PhaseContext) -> None:
        if pctx.user is None:
            raise UserFacingError(detail=services.denied("not_signed_in").message, status_code=401)
        if pctx.user.role != "admin":
            raise PermissionDeniedException()

    # ------------------------------------------------------------------ offline import

    @get("/import")
    async def import_form(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        return render(request, "ideation/import.html", **await common(pctx), values={})

    @post("/import")
    async def import_upload(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        form = await read_form(request)
        errors = FormErrors()
        source = form.get("source")
        if not source:
            errors.add("source", _("Say where these ideas were collected, for example “Town meeting, 12 May”."))
        elif len(source) > 200:
            errors.add("source", _("The source can be at most %(n)d characters long.", n=200))
        upload = form.file("file")
        header: list[str] = []
        rows: list[list[str]] = []
        if upload is None or not getattr(upload, "filename", ""):
            errors.add("file", _("Choose a CSV or XLSX file."))
        else:
            try:
                header, rows = imports.read_table(upload.filename, await upload.read(imports.MAX_BYTES + 1))
            except imports.ImportFileError as exc:
                errors.add("file", str(exc))
        if errors:
            return render(
                request,
                "ideation/import.html",
                status_code=422,
                **{**await common(pctx), "errors": errors},
                values=form.as_dict(),
            )
        batch = ImportBatch(
            phase_id=phase_id,
            created_by=ctx.user.id,
            filename=upload.filename[:200],
            source=source,
            header=header,
            rows=rows,
        )
        pctx.session.add(batch)
        await pctx.session.flush()
        return redirect(request, f"{base_path(phase_id)}/import/{batch.id}")

    async def _batch(self, pctx: PhaseContext, batch_id: int) -> ImportBatch:
        batch = await pctx.session.get(ImportBatch, batch_id)
        if batch is None or batch.phase_id != pctx.phase.id:
            raise NotFoundException()
        return batch

    def _mapping(self, source: Any, batch: ImportBatch) -> dict[str, int | None]:
        guessed = imports.guess_mapping(batch.header)
        mapping: dict[str, int | None] = {}
        for name in imports.FIELDS:
            raw = source.get(f"map_{name}")
            if raw is None:
                mapping[name] = guessed.get(name)
            else:
                value = _int(raw)
                mapping[name] = value if value is not None and 0 <= value < len(batch.header) else None
        return mapping

    async def _check(self, pctx: PhaseContext, batch: ImportBatch, mapping: dict[str, int | None]) -> list[Any]:
        topics, areas = await services.taxonomy(pctx.session)
        return imports.check_rows(
            batch.header, batch.rows, mapping,
            topics={t.id: t.name for t in topics}, areas={a.id: a.name for a in areas},
            bounds=pctx.tenant.bounds, locales=list(pctx.tenant.locales), default_locale=pctx.tenant.default_locale,
        )  # fmt: skip

    @get("/import/{batch_id:int}")
    async def import_preview(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], batch_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        batch = await self._batch(pctx, batch_id)
        mapping = self._mapping(request.query_params, batch)
        results = await self._check(pctx, batch, mapping)
        return render(
            request, "ideation/import_preview.html", **await common(pctx), batch=batch, mapping=mapping,
            fields=imports.FIELDS, results=results, valid=sum(1 for r in results if r.ok), flash=flash_message(request),
        )  # fmt: skip

    @post("/import/{batch_id:int}")
    async def import_confirm(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], batch_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        batch = await self._batch(pctx, batch_id)
        form = await read_form(request)
        mapping = self._mapping(form.as_dict(), batch)
        if mapping.get("title") is None:
            raise UserFacingError(detail=_("Choose the column that holds the titles."), status_code=422)
        results = await self._check(pctx, batch, mapping)
        await imports.confirm(pctx, batch, results)
        return redirect(request, f"{base_path(phase_id)}/import/{batch.id}?done=imported")

    # ------------------------------------------------------------------ exports and insights

    @get("/export/{key:str}")
    async def export(self, request: Request, ctx: Ctx, phase_id: FromPath[int], key: FromPath[str]) -> Response[bytes]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        if key == "geojson":
            data = await services.geojson(pctx.session, pctx.phase, include_hidden=False)
            return exports.download(
                json.dumps(data, ensure_ascii=False).encode(), f"ideas-phase-{phase_id}.geojson", "application/geo+json"
            )
        fmt = request.query_params.get("format", "csv")
        spec = next((e for e in ctx.app.registry.exports_for(KEY) if e.key == key), None)
        if spec is None or fmt not in exports.FORMATS:
            raise NotFoundException()
        header, rows = await spec.rows(pctx.session, pctx.phase)
        return exports.table_download(header, rows, basename=f"{key}-phase-{phase_id}", fmt=fmt)

    @get("/insights")
    async def insights_page(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        phase = pctx.phase
        themes = await insights.themes(pctx.session, phase)
        ids = {i for t in themes for i in t["idea_ids"]}
        from plugins.ideation.models import Idea

        titles = (
            dict((await pctx.session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(ids)))).all()) if ids else {}
        )
        return render(
            request, "ideation/insights.html", **await common(pctx),
            totals=await insights.totals(pctx.session, phase), over_time=await insights.over_time(pctx.session, phase),
            top_topics=await insights.top_topics(pctx.session, phase), themes=themes, titles=titles,
            exports=ctx.app.registry.exports_for(KEY),
        )  # fmt: skip
