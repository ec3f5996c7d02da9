"""The widget for the municipality's own website: small pages meant for an ``<iframe>``.

``/embed/projects`` lists the projects open for participation with a call to action; ``/embed/phase/{id}`` sums up
one phase. Links open the full site in a new tab (a form inside a third-party frame would lose its cookies anyway).
Framing is allowed only to the origins the municipality lists (``Tenant.embed_origins``, set on the back office's
widget page): the answer's ``Content-Security-Policy`` names them in ``frame-ancestors``; with none listed it stays
``'none'`` like every other page, so the widget cannot be framed anywhere.
"""

from __future__ import annotations

import re

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from core.context import Ctx, RequestContext
from core.db.base import utcnow
from core.models import Phase, Project
from core.phases import PhaseState, phase_state
from core.projects import active_phase, visible_projects
from core.security import CSP
from core.web.public import phase_cards
from core.web.render import render

ORIGIN_RE = re.compile(r"^https://[a-z0-9.-]{1,253}(:\d{1,5})?$|^http://(localhost|127\.0\.0\.1)(:\d{1,5})?$")


def valid_origin(value: str) -> bool:
    """An origin a municipality may allow: https (http only for localhost while testing), no path, no wildcard."""
    return bool(ORIGIN_RE.match(value))


def embed_policy(origins: list[str]) -> str:
    """The page policy with ``frame-ancestors`` opened to the listed origins (still ``'none'`` without any)."""
    allowed = " ".join(o for o in origins if valid_origin(o)) or "'none'"
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors {allowed}")


def _embed(request: Request, ctx: RequestContext, template: str, **context: object) -> Response[str]:
    origins = list(ctx.tenant.embed_origins or []) if ctx.tenant else []
    headers = {"Content-Security-Policy": embed_policy(origins), "Cache-Control": "no-store"}
    return render(request, template, headers=headers, now=utcnow(), **context)


@get("/embed/projects")
async def embed_projects(request: Request, ctx: Ctx) -> Response[str]:
    projects = [p for p in await visible_projects(ctx) if active_phase(p) is not None]
    return _embed(request, ctx, "embed/projects.html", projects=projects, active_phase=active_phase)


@get("/embed/phase/{phase_id:int}")
async def embed_phase(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    phase = await ctx.session.get(Phase, phase_id)
    project = await ctx.session.get(Project, phase.project_id) if phase is not None else None
    if phase is None or project is None or project.status != "published":
        raise NotFoundException()
    card = next(c for c in phase_cards(request, ctx, project) if c["phase"].id == phase.id)
    return _embed(
        request,
        ctx,
        "embed/phase.html",
        project=project,
        phase=phase,
        card=card,
        open=phase_state(phase) is PhaseState.ACTIVE,
    )


routes = [embed_projects, embed_phase]
