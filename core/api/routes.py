"""The public read API under ``/api/v1``: projects, their phases, and each phase's public data by its method.

It answers what an anonymous visitor of the municipality (the request's host, like every page) may see, whoever
asks: a signed-in cookie changes nothing, so answers are the same for everyone and cacheable. JSON is encoded from
msgspec Structs, documented by Litestar's OpenAPI at ``/api/v1/schema/openapi.json`` (this router is the only
part of the app in the schema). Every answer carries an ``ETag`` (``If-None-Match`` → 304) and
``Access-Control-Allow-Origin: *``; ``?locale=`` or ``Accept-Language`` picks the language; reads are rate limited
per client address.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, Parameter
from sqlalchemy import select

from core.api import private
from core.api.limits import count_read
from core.api.types import MAX_PAGE, ApiPage, ApiQuery
from core.context import Ctx, RequestContext
from core.i18n import activate
from core.models import Area, Phase, Project, ProjectArea, ProjectTopic, Topic
from core.multiloc import pick
from core.permissions import action_rule
from core.phases import phase_state
from core.projects import filter_projects

PREFIX = "/api/v1"


class ApiPhase(msgspec.Struct):
    """A phase on a project's timeline; ``permissions`` maps each action of its method to who may take it."""

    id: int
    method: str
    title: str
    title_i18n: dict[str, str]
    state: str
    starts_at: datetime
    ends_at: datetime
    permissions: dict[str, str]
    url: str
    api_url: str


class ApiProject(msgspec.Struct):
    slug: str
    title: str
    title_i18n: dict[str, str]
    description: str
    description_i18n: dict[str, str]
    status: str
    areas: list[str]
    topics: list[str]
    image_url: str | None
    url: str
    api_url: str
    phases: list[ApiPhase]


class ProjectList(msgspec.Struct):
    data: list[ApiProject]
    next_cursor: str | None


class PhaseDetail(msgspec.Struct):
    """A phase and a page of its public data (``data`` is None when its method publishes nothing)."""

    project: str
    phase: ApiPhase
    data: ApiPage | None


_encoder = msgspec.json.Encoder()


def json_answer(request: Request, payload: msgspec.Struct) -> Response[Any]:
    """The encoded payload with an ETag; 304 when the client already holds this version."""
    body = _encoder.encode(payload)
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": tag,
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "ETag",
        "Vary": "Accept-Language",
        "Cache-Control": "public, max-age=60",
    }
    wanted = request.headers.get("if-none-match", "")
    if tag in {t.strip().removeprefix("W/") for t in wanted.split(",")}:
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


def reader_locale(ctx: RequestContext, asked: str | None) -> str:
    """``?locale=`` when the municipality offers it, else what the request negotiated; translations follow."""
    tenant = ctx.tenant
    if asked and tenant is not None and asked in (tenant.locales or [tenant.default_locale]):
        activate(asked, ctx.app.catalogs.get(asked))
        return asked
    return ctx.locale


def _text(value: dict | None, locale: str, default: str) -> str:
    return pick(value, locale, default).text


def phase_json(ctx: RequestContext, project: Project, phase: Phase, locale: str) -> ApiPhase:
    spec = ctx.app.registry.method(phase.method)
    default = ctx.tenant.default_locale
    title = _text(phase.title, locale, default) or (str(spec.label) if spec else phase.method)
    permissions = {}
    for action in spec.actions if spec else ():
        permissions[action.key] = action_rule(phase, action.key, action.default_level)[0]
    return ApiPhase(
        id=phase.id,
        method=phase.method,
        title=title,
        title_i18n={k: v for k, v in (phase.title or {}).items() if v},
        state=phase_state(phase).value,
        starts_at=phase.starts_at,
        ends_at=phase.ends_at,
        permissions=permissions,
        url=f"/projects/{project.slug}/phases/{phase.id}",
        api_url=f"{PREFIX}/phases/{phase.id}",
    )


async def _names(ctx: RequestContext, model: Any, link: Any, link_column: Any, project_ids: list[int], locale: str):
    """{project id: [localised names]} for areas or topics, in their display order."""
    if not project_ids:
        return {}
    rows = await ctx.session.execute(
        select(link.project_id, model.name)
        .join(model, model.id == link_column)
        .where(link.project_id.in_(project_ids))
        .order_by(model.position, model.id)
    )
    out: dict[int, list[str]] = {}
    for project_id, name in rows:
        out.setdefault(project_id, []).append(_text(name, locale, ctx.tenant.default_locale))
    return out


async def projects_json(ctx: RequestContext, projects: list[Project], locale: str) -> list[ApiProject]:
    ids = [p.id for p in projects]
    areas = await _names(ctx, Area, ProjectArea, ProjectArea.area_id, ids, locale)
    topics = await _names(ctx, Topic, ProjectTopic, ProjectTopic.topic_id, ids, locale)
    default = ctx.tenant.default_locale
    return [
        ApiProject(
            slug=p.slug,
            title=_text(p.title, locale, default),
            title_i18n={k: v for k, v in (p.title or {}).items() if v},
            description=_text(p.description, locale, default),
            description_i18n={k: v for k, v in (p.description or {}).items() if v},
            status=p.status,
            areas=areas.get(p.id, []),
            topics=topics.get(p.id, []),
            image_url=f"/media/projects/{p.image_path}" if p.image_path else None,
            url=f"/projects/{p.slug}",
            api_url=f"{PREFIX}/projects/{p.slug}",
            phases=[phase_json(ctx, p, phase, locale) for phase in p.phases],
        )
        for p in projects
    ]


def _cursor(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@get("/projects", summary="Published projects of the municipality, newest first")
async def list_projects(
    request: Request,
    ctx: Ctx,
    locale: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 25,
    area: FromQuery[int | None] = None,
    topic: FromQuery[int | None] = None,
    method: FromQuery[str | None] = None,
) -> Response[ProjectList]:
    """Filters: ``area`` and ``topic`` (ids), ``method`` (a project with a phase of that method)."""
    count_read(ctx)
    chosen = reader_locale(ctx, locale)
    stmt = select(Project).where(Project.status == "published").order_by(Project.id.desc()).limit(limit + 1)
    after = _cursor(cursor)
    if after is not None:
        stmt = stmt.where(Project.id < after)
    stmt = filter_projects(stmt, area=area, topic=topic, method=method)
    projects = list((await ctx.session.scalars(stmt)).all())
    more = len(projects) > limit
    projects = projects[:limit]
    next_cursor = str(projects[-1].id) if more and projects else None
    return json_answer(request, ProjectList(data=await projects_json(ctx, projects, chosen), next_cursor=next_cursor))


@get("/projects/{slug:str}", summary="One published project with its timeline of phases")
async def project_detail(
    request: Request, ctx: Ctx, slug: FromPath[str], locale: FromQuery[str | None] = None
) -> Response[ApiProject]:
    count_read(ctx)
    chosen = reader_locale(ctx, locale)
    project = await ctx.session.scalar(select(Project).where(Project.slug == slug, Project.status == "published"))
    if project is None:
        raise NotFoundException()
    return json_answer(request, (await projects_json(ctx, [project], chosen))[0])


@get("/phases/{phase_id:int}", summary="One phase of a published project and a page of its method's public data")
async def phase_detail(
    request: Request,
    ctx: Ctx,
    phase_id: FromPath[int],
    locale: FromQuery[str | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 25,
) -> Response[PhaseDetail]:
    count_read(ctx)
    chosen = reader_locale(ctx, locale)
    phase = await ctx.session.get(Phase, phase_id)
    project = await ctx.session.get(Project, phase.project_id) if phase is not None else None
    if phase is None or project is None or project.status != "published":
        raise NotFoundException()
    query = ApiQuery(locale=chosen, default_locale=ctx.tenant.default_locale, limit=limit, cursor=cursor)
    data = None
    for provider in ctx.app.pm.hook.public_api(phase=phase):
        if provider is not None:
            data = await provider(ctx.session, query)
            break
    payload = PhaseDetail(project=project.slug, phase=phase_json(ctx, project, phase, chosen), data=data)
    return json_answer(request, payload)


router = Router(
    PREFIX,
    route_handlers=[list_projects, project_detail, phase_detail, *private.routes],
    include_in_schema=True,
    tags=["public"],
)
