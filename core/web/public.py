"""Pages every visitor sees: home, projects, a project's timeline and a phase rendered by its method."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from markupsafe import Markup
from sqlalchemy import select

from core import multiloc
from core.context import Ctx, RequestContext
from core.db.base import utcnow
from core.demographics import prompt
from core.models import Area, Project, Topic
from core.participants_so_far import participants_so_far
from core.phases import PhaseState
from core.projects import active_phase, phase_context, project_by_slug, timeline, visible_projects
from core.web.forms import read_form
from core.web.render import EASY_READ_COOKIE, redirect, render, render_html
from core.web.return_paths import same_origin_path

ENDS_SOON = timedelta(days=7)


@get("/")
async def home(request: Request, ctx: Ctx) -> Response[str]:
    """Open projects as rich cards, the phases closing within a week as a strip above them, then what is coming
    and what has ended."""
    projects = await visible_projects(ctx)
    by_state: dict[str, list[Project]] = {state: [] for state in PROJECT_STATES}
    for project in projects:
        by_state[project_state(project)].append(project)
    soon = utcnow() + ENDS_SOON
    ending = [(p, phase) for p in by_state["open"] if (phase := active_phase(p)) is not None and phase.ends_at <= soon]
    ending.sort(key=lambda pair: pair[1].ends_at)
    return render(
        request,
        "home.html",
        current=by_state["open"],
        upcoming=by_state["upcoming"],
        past=by_state["ended"],
        ending=ending,
        active_phase=active_phase,
        method_spec=ctx.app.registry.method,
        participant_counts=await participants_so_far(ctx, projects),
    )


PROJECT_STATES = ("open", "upcoming", "ended")
MAX_SEARCH = 100


def _chosen_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def project_state(project: Project) -> str:
    """What the projects page filters on: open now (a phase is), upcoming (one will be, or none is planned yet),
    else ended."""
    states = {state for _phase, state in timeline(project)}
    if PhaseState.ACTIVE in states:
        return "open"
    return "upcoming" if PhaseState.UPCOMING in states or not states else "ended"


@get("/projects")
async def project_list(request: Request, ctx: Ctx) -> Response[str]:
    """Every published project, filtered by area, topic, method, state and words of the title or description.

    A filter value that is not one of the offered choices is ignored (the page shows every project for it)."""
    params = request.query_params
    registry = ctx.app.registry
    chosen = {
        "area": _chosen_id(params.get("area")),
        "topic": _chosen_id(params.get("topic")),
        "method": params.get("method") if params.get("method") in registry.methods else None,
        "state": params.get("state") if params.get("state") in PROJECT_STATES else None,
        "q": (params.get("q") or "").strip()[:MAX_SEARCH],
    }
    projects = await visible_projects(ctx, area=chosen["area"], topic=chosen["topic"], method=chosen["method"])
    if chosen["state"]:
        projects = [p for p in projects if project_state(p) == chosen["state"]]
    if chosen["q"]:
        words = chosen["q"].casefold().split()
        default = ctx.tenant.default_locale
        projects = [p for p in projects if all(w in _searchable(p, ctx.locale, default) for w in words)]
    areas = (await ctx.session.scalars(select(Area).order_by(Area.position, Area.id))).all()
    topics = (await ctx.session.scalars(select(Topic).order_by(Topic.position, Topic.id))).all()
    return render(
        request,
        "projects.html",
        projects=projects,
        active_phase=active_phase,
        method_spec=registry.method,
        participant_counts=await participants_so_far(ctx, projects),
        chosen=chosen,
        filtered=any(chosen.values()),
        areas=areas,
        topics=topics,
        methods=sorted(registry.methods.values(), key=lambda spec: str(spec.label)),
    )


def _searchable(project: Project, locale: str, default: str) -> str:
    """The project's title and description as the reader sees them, plus every language's title (a resident may
    search in the language the project was written in)."""
    texts = [
        multiloc.pick(project.title, locale, default).text,
        multiloc.pick(project.description, locale, default).text,
    ]
    texts += list((project.title or {}).values())
    return " ".join(texts).casefold()


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
    asking = pctx.state is PhaseState.ACTIVE and await prompt.should_ask(request, ctx)
    return render(
        request,
        "phase.html",
        project=pctx.project,
        phase=pctx.phase,
        pctx=pctx,
        profile_prompt=asking,
        profile_prompt_next=f"/projects/{pctx.project.slug}/phases/{pctx.phase.id}",
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


EASY_READ_REMEMBERED = 365 * 24 * 3600


@post("/preferences/easy-read")
async def easy_read_preference(request: Request) -> Response[str]:
    """Easy read on or off for this browser, then back to the page it was chosen on.

    A cookie, not an account setting: it is a reading preference that a resident who is not signed in needs as
    much as one who is, and it stores nothing on the server (so there is nothing to rate-limit or to forget).
    """
    form = await read_form(request)
    response = redirect(request, same_origin_path(form.get("next")) or "/")
    response.set_cookie(
        EASY_READ_COOKIE,
        "1" if form.get("easy") == "1" else "0",
        max_age=EASY_READ_REMEMBERED,
        path="/",
        httponly=True,
        samesite="lax",
    )
    return response


routes = [home, project_list, project_page, phase_page, theme_css, verification_help, easy_read_preference]
