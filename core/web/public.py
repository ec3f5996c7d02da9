"""Pages every visitor sees: home, projects, a project's timeline and a phase rendered by its method."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from markupsafe import Markup

from core.context import Ctx, RequestContext
from core.phases import PhaseState
from core.projects import active_phase, phase_context, project_by_slug, timeline, visible_projects
from core.web.render import render, render_html


@get("/")
async def home(request: Request, ctx: Ctx) -> Response[str]:
    projects = await visible_projects(ctx)
    current = [p for p in projects if active_phase(p) is not None]
    others = [p for p in projects if active_phase(p) is None and p.status == "published"]
    return render(
        request,
        "home.html",
        current=current,
        others=others,
        active_phase=active_phase,
        method_spec=ctx.app.registry.method,
    )


@get("/projects")
async def project_list(request: Request, ctx: Ctx) -> Response[str]:
    projects = await visible_projects(ctx)
    return render(
        request, "projects.html", projects=projects, active_phase=active_phase, method_spec=ctx.app.registry.method
    )


def phase_cards(request: Request, ctx: RequestContext, project: object) -> list[dict]:
    cards = []
    for phase, state in timeline(project):  # type: ignore[arg-type]
        spec = ctx.app.registry.method(phase.method)
        extra: dict = {}
        for contributed in ctx.app.pm.hook.phase_card(phase=phase, request=request):
            if contributed:
                extra.update(contributed)
        cards.append({"phase": phase, "state": state.value, "spec": spec, "extra": extra})
    return cards


@get("/projects/{slug:str}")
async def project_page(request: Request, ctx: Ctx, slug: FromPath[str]) -> Response[str]:
    project = await project_by_slug(ctx, slug)
    cards = phase_cards(request, ctx, project)
    # The call to action: the open phase, else the next one (the page says so once everything has ended).
    open_card = next((c for c in cards if c["state"] == PhaseState.ACTIVE), None)
    next_card = next((c for c in cards if c["state"] == PhaseState.UPCOMING), None)
    return render(request, "project.html", project=project, cards=cards, open=open_card, next=next_card)


@get("/projects/{slug:str}/phases/{phase_id:int}")
async def phase_page(request: Request, ctx: Ctx, slug: FromPath[str], phase_id: FromPath[int]) -> Response[str]:
    pctx = await phase_context(ctx, phase_id)
    if pctx.project.slug != slug:
        raise NotFoundException()
    panel_html = None
    if pctx.spec is not None:
        panel = await pctx.spec.render_phase(pctx)
        panel_html = Markup(render_html(request, panel.template, {**panel.context, "pctx": pctx}))  # noqa: S704 - autoescaped template output
    return render(
        request,
        "phase.html",
        project=pctx.project,
        phase=pctx.phase,
        pctx=pctx,
        panel_html=panel_html,
        cards=phase_cards(request, ctx, pctx.project),
        states=PhaseState,
    )


@get("/theme.css", media_type="text/css")
async def theme_css(ctx: Ctx) -> Response[str]:
    tenant = ctx.tenant
    primary = tenant.primary_color if tenant else "#1d4ed8"
    accent = tenant.accent_color if tenant else "#0f766e"
    body = Markup(":root {{ --primary: {}; --accent: {}; }}\n").format(primary, accent)
    return Response(str(body), media_type="text/css", headers={"Cache-Control": "max-age=300"})


@get("/verification")
async def verification_help(request: Request, ctx: Ctx) -> Response[str]:
    """How residents get verified in this municipality: where "only verified residents can do this" leads."""
    return render(request, "verification.html", help_text=ctx.tenant.verification_help or {})


routes = [home, project_list, project_page, phase_page, theme_css, verification_help]
