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

from core import (
    ALLOWED,
    Ctx,
    Form,
    FormErrors,
    PhaseContext,
    PhasePanel,
    UserFacingError,
    exports,
    is_htmx,
    item_view,
    item_views,
    multiloc_or_error,
    phase_context,
    read_form,
    redirect,
    render,
    uploads,
)
from core import gettext as _
from plugins.ideation import insights, services
from plugins.ideation.items import KIND
from plugins.ideation.models import IdeaImage, IdeaStatus, IdeaTopic
from plugins.ideation.schemas import MAX_IMAGES, ListQuery, parse_idea
from plugins.ideation.spec import KEY, SORTS
from plugins.ideation.text import excerpt

VIEWS = ("cards", "list", "map")
FLASH = {
    "posted": lambda: _("Thank you! Your idea has been posted."),
    "updated": lambda: _("Your idea has been updated."),
    "withdrawn": lambda: _("Your idea has been withdrawn."),
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
    known = await services.statuses(pctx.session, pctx.ctx.locale, pctx.tenant.default_locale, ctx=pctx.ctx)
    topics, areas = await services.taxonomy(pctx.session, ctx=pctx.ctx)
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
        "errors": None,
    }


async def listing(pctx: PhaseContext, query: ListQuery, view: str) -> dict[str, Any]:
    page = await services.list_ideas(pctx, query)
    mine = page.standing if page.standing is not None else await services.standing(pctx)
    parts = await item_views(pctx, KIND, page.ideas, counted=page.counted)
    located = [i for i in page.ideas if i.located]
    return {
        "names": page.names,
        "excerpt": excerpt,
        "page": page,
        "query": query,
        "view": view,
        "parts": parts,
        "like_verdict": like_verdict(parts),
        "post_verdict": services.post_verdict(pctx, mine),
        "map_points": map_points(pctx, located) if view == "map" else [],
        "qs": lambda **changes: urlencode({**query.params(**changes), "view": view}),
    }


def like_verdict(parts: dict[int, Any]) -> Any:
    """Whether the visitor may like ideas of this list (said once above it): the verdict of an idea they have not
    reacted to, so a phase limit they reached shows, or of any idea when they reacted to all."""
    fresh = [part for part in parts.values() if part.my_reaction is None]
    chosen = (fresh or list(parts.values()) or [None])[0]
    return chosen.reaction_verdicts["like"] if chosen is not None else ALLOWED


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
        await pctx.attempt("ideation.post")
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
        await pctx.attempt("ideation.post", step="edit")
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
        names = await services._names(pctx.session, set() if idea.anonymous else {idea.author_id})
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
            "names": names,
            "part": await item_view(pctx, KIND, idea),
            "edit_refusal": services.edit_refusal(pctx, idea, context["statuses"]),
            "body_html": services.render_body(idea.body),
        }

    @get("/ideas/{idea_id:int}")
    async def show(self, request: Request, ctx: Ctx, phase_id: FromPath[int], idea_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        idea = await services.get_idea(pctx, idea_id)
        context = await self._idea_context(pctx, idea)
        return render(request, "ideation/idea.html", flash=flash_message(request), **context)

    # ------------------------------------------------------------------ moderation

    @get("/moderation")
    async def moderation(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        """Reports and hidden items are in the municipality's one queue, filtered to this project."""
        pctx = await phase_context(ctx, phase_id, KEY)
        _require_moderator(pctx)
        return redirect(request, f"/admin/moderation?{urlencode({'project': pctx.project.id})}")

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
            liked=await insights.weighted_likes(pctx.session, ctx.app.pm, phase),
        )  # fmt: skip
