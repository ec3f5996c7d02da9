"""The back office's widget page: which websites may embed the widget, and the code to paste into them."""

from __future__ import annotations

import html
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select

from core.context import Ctx, RequestContext
from core.i18n import gettext as _
from core.models import Project
from core.multiloc import pick
from core.phases import PhaseState, phase_state
from core.project_service import audit
from core.web.admin_common import precheck, tenant_row
from core.web.embed import valid_origin
from core.web.forms import FormErrors, read_form
from core.web.render import redirect, render

MAX_ORIGINS = 20


def snippet(src: str, title: str, height: int) -> str:
    """The iframe to paste, its attributes escaped once (the page escapes the whole snippet again to show it)."""
    return (
        f'<iframe src="{html.escape(src)}" title="{html.escape(title)}" width="100%" height="{height}" '
        'loading="lazy" style="border:0"></iframe>'
    )


def site_origin(request: Request) -> str:
    """This municipality's own address as the browser reached it, for the iframe's ``src``."""
    return f"{request.url.scheme}://{request.url.netloc}"


async def _page(
    request: Request, ctx: RequestContext, origins_text: str, errors: FormErrors | None = None, status: int = 200
) -> Response[str]:
    projects = (await ctx.session.scalars(select(Project).where(Project.status == "published"))).all()
    site = site_origin(request)
    default = ctx.tenant.default_locale
    codes: list[dict[str, Any]] = [
        {
            "id": "embed-projects",
            "label": _("Projects open for participation"),
            "code": snippet(f"{site}/embed/projects", _("Take part in your municipality"), 480),
            "preview": "/embed/projects",
        }
    ]
    for project in projects:
        for phase in project.phases:
            if phase_state(phase) is PhaseState.ENDED:
                continue
            title = pick(project.title, ctx.locale, default).text
            codes.append(
                {
                    "id": f"embed-phase-{phase.id}",
                    "label": f"{title} — {pick(phase.title, ctx.locale, default).text}",
                    "code": snippet(f"{site}/embed/phase/{phase.id}", title, 320),
                    "preview": f"/embed/phase/{phase.id}",
                }
            )
    return render(
        request,
        "admin/embed.html",
        status_code=status,
        origins_text=origins_text,
        errors=errors or FormErrors(),
        codes=codes,
        saved=request.query_params.get("saved") == "1",
    )


@get("/embed")
async def embed_page(request: Request, ctx: Ctx) -> Response[str]:
    tenant = await tenant_row(ctx)
    return await _page(request, ctx, "\n".join(tenant.embed_origins or []))


@post("/embed")
async def embed_save(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    errors = precheck(form)
    text = form.get("origins")
    origins = [line.strip().rstrip("/").lower() for line in text.splitlines() if line.strip()]
    wrong = [o for o in origins if not valid_origin(o)]
    if wrong:
        errors.add(
            "origins",
            _(
                "Each line must be the address of a website, such as https://www.example-city.nl, without a path. "
                "Not accepted: %(lines)s",
                lines=", ".join(wrong[:3]),
            ),
        )
    elif len(set(origins)) > MAX_ORIGINS:
        errors.add("origins", _("List at most %(num)s websites.", num=MAX_ORIGINS))
    if errors:
        return await _page(request, ctx, text, errors, status=422)
    tenant = await tenant_row(ctx)
    before = list(tenant.embed_origins or [])
    tenant.embed_origins = list(dict.fromkeys(origins))
    audit(
        ctx.session,
        ctx.user,
        "tenant.embed_origins_changed",
        tenant,
        data={"before": before, "after": tenant.embed_origins},
    )
    await ctx.session.flush()
    return redirect(request, "/admin/embed?saved=1")


routes = [embed_page, embed_save]
