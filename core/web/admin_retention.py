"""Per-phase data retention in the back office: the phase form's setting and the project's retention report.

The purge itself is the ``core.retention`` job (core/jobs/retention.py); this module only reads and writes the
setting and shows what happened, per phase: the setting, the due date, the date it was done and what each method
anonymised or deleted (labels are the methods' message ids, shown translated).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from core.context import Ctx
from core.i18n import gettext as _
from core.jobs.retention import due_at
from core.models import Phase, Project
from core.web.admin_common import get_or_404
from core.web.forms import Form, FormErrors
from core.web.render import render

MAX_RETENTION_DAYS = 3650


def retention_input(phase: Phase | None) -> str:
    """The form value of a stored setting ("" = keep the data)."""
    if phase is None or phase.retention_days is None:
        return ""
    return str(phase.retention_days)


def read_retention_days(form: Form, errors: FormErrors) -> int | None:
    """The submitted setting: empty keeps the data; otherwise whole days after the phase's end."""
    raw = (form.get("retention_days") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_RETENTION_DAYS:
        errors.add(
            "retention_days",
            _("Enter a whole number of days from 0 to %(max)s, or leave the field empty.", max=MAX_RETENTION_DAYS),
        )
        return None
    return int(raw)


def apply_retention_days(phase: Phase, days: int | None) -> None:
    """Store the setting. A phase already purged keeps its report: the data is gone whatever the new value."""
    phase.retention_days = days


def report_rows(phases: list[Phase]) -> list[dict[str, Any]]:
    rows = []
    for phase in phases:
        result = phase.retention_result or {}
        rows.append(
            {
                "phase": phase,
                "due_at": due_at(phase),
                "anonymised": sorted((result.get("anonymised") or {}).items()),
                "deleted": sorted((result.get("deleted") or {}).items()),
            }
        )
    return rows


@get("/projects/{project_id:int}/retention")
async def retention_report(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[str]:
    project: Project = await get_or_404(ctx.session, Project, project_id)
    return render(
        request,
        "admin/retention.html",
        project=project,
        rows=report_rows(list(project.phases)),
        registry=ctx.app.registry,
    )


routes = [retention_report]
