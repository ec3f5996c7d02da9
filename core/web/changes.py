"""The public change log of a phase: every public audit entry about it, in one page for every method.

What the municipality changed in a phase's rules (the core's ``phase.config_changed``, with the settings that moved,
named by the method's ``config_labels``) and the method's own public actions (questions added, budgets changed...),
labelled by ``MethodSpec.change_labels`` and detailed by its ``change_detail_template``. Never a resident's action:
only entries recorded with ``public=True`` appear.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy import or_, select

from core.context import Ctx
from core.i18n import lazy_gettext
from core.models import AuditEntry
from core.projects import phase_context
from core.web.render import render

LIMIT = 500
CORE_LABELS: dict[str, Any] = {
    "phase.config_changed": lazy_gettext("Rules changed"),
}


def config_diff(data: dict[str, Any], labels: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(label, before, after) for each setting a ``phase.config_changed`` entry changed, in a stable order."""
    before, after = data.get("before") or {}, data.get("after") or {}
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return [(str(labels.get(k, k)), before.get(k), after.get(k)) for k in keys]


async def phase_changes(session: Any, phase: Any) -> list[AuditEntry]:
    """Public entries about ``phase``: those targeting it, and the method's own that name it in ``data.phase_id``."""
    stmt = (
        select(AuditEntry)
        .where(
            AuditEntry.public.is_(True),
            or_(
                (AuditEntry.target_type == "phase") & (AuditEntry.target_id == phase.id),
                AuditEntry.action.like(f"{phase.method}.%"),
            ),
        )
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(LIMIT)
    )
    found = (await session.scalars(stmt)).all()
    return [
        e
        for e in found
        if (e.target_type == "phase" and e.target_id == phase.id) or (e.data or {}).get("phase_id") == phase.id
    ]


@get("/projects/{slug:str}/phases/{phase_id:int}/changes")
async def change_log(request: Request, ctx: Ctx, slug: FromPath[str], phase_id: FromPath[int]) -> Response[str]:
    pctx = await phase_context(ctx, phase_id)
    if pctx.project.slug != slug:
        raise NotFoundException()
    spec = pctx.spec
    labels = {**CORE_LABELS, **(spec.change_labels if spec else {})}
    return render(
        request,
        "changes.html",
        project=pctx.project,
        phase=pctx.phase,
        entries=await phase_changes(ctx.session, pctx.phase),
        labels=labels,
        config_labels=spec.config_labels if spec else {},
        config_diff=config_diff,
        detail_template=spec.change_detail_template if spec else None,
    )


def change_log_url(project: Any, phase: Any) -> str:
    return f"/projects/{project.slug}/phases/{phase.id}/changes"


routes = [change_log]
