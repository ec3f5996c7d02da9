"""The staff dashboard (``/admin/insights``, administrators) and a project's report (``/admin/projects/{id}/report``,
administrators and the project's moderators, like its representativeness page), each printable and downloadable as
CSV or XLSX through ``core.exports.table_download`` with the page's own tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath
from sqlalchemy import select

from core.context import Ctx, RequestContext
from core.demographics import insights
from core.demographics import service as svc
from core.demographics import web as demographics_web
from core.exports import FORMATS, table_download
from core.i18n import gettext as _
from core.models import Phase
from core.web.admin_common import tenant_row
from core.web.errors import UserFacingError
from core.web.guards import signed_in
from core.web.render import render


def _format(request: Request) -> str:
    fmt = request.query_params.get("format", "csv")
    if fmt not in FORMATS:
        raise UserFacingError(detail=_("Choose CSV or XLSX."), status_code=400)
    return fmt


def _week_label(key: str, ctx: RequestContext) -> str:
    from core import i18n

    noon = datetime.combine(date.fromisoformat(key), time(12), tzinfo=UTC)
    return _("Week of %(date)s", date=i18n.format_date(noon, "UTC", ctx.locale, "medium"))


def _today() -> date:
    return datetime.now(UTC).date()


def _bar_rows(bars: list[insights.Bar]) -> list[list[Any]]:
    return [[b.label, b.count] for b in bars]


# --- the dashboard ------------------------------------------------------------------------------------------------


async def _dashboard(ctx: RequestContext) -> dict[str, Any]:
    tenant = await tenant_row(ctx)
    board = await insights.dashboard(
        ctx.session, ctx.app.pm, ctx.app.registry, ctx.locale, tenant.default_locale, _today()
    )
    for bar in board.weeks:
        bar.label = _week_label(bar.key, ctx)
    people = _("Participants")
    tables = [
        ("weeks", _("Participants per week"), _("Week"), board.weeks),
        ("projects", _("Participants per project"), _("Project"), board.projects),
        ("methods", _("Participants per method"), _("Method"), board.methods),
        ("areas", _("Participants per area of residence"), _("Area"), board.areas),
    ]
    return {"board": board, "tables": tables, "people": people, "min_cell": svc.MIN_CELL}


def _dashboard_sheet(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return insights.long_table(
        [(title, [head, report["people"]], _bar_rows(bars)) for _k, title, head, bars in report["tables"]]
    )


@get("/insights")
async def dashboard_page(request: Request, ctx: Ctx) -> Response[str]:
    return render(request, "admin/insights.html", **await _dashboard(ctx))


@get("/insights/export")
async def dashboard_export(request: Request, ctx: Ctx) -> Response[bytes]:
    fmt = _format(request)
    header, rows = _dashboard_sheet(await _dashboard(ctx))
    return table_download(header, rows, basename=f"insights-{_today().isoformat()}", fmt=fmt)


# --- a project's report -------------------------------------------------------------------------------------------


async def _report(ctx: RequestContext, project_id: int) -> dict[str, Any]:
    """The representativeness of the whole project (same guard: administrators and its moderators; 403 before the
    project is looked up), participants per phase and per week, and each phase's figures from its method."""
    rep = await demographics_web._project_report(ctx, project_id, "")
    project = rep["project"]
    tenant = await tenant_row(ctx)
    events = await insights.tenant_participation(ctx.session, ctx.app.pm, project.id)
    per_phase = dict(await insights.per_phase(ctx.session, events))
    weeks = [insights.Bar(w.isoformat(), "", n) for w, n in await insights.per_week(ctx.session, events, _today())]
    for bar in weeks:
        bar.label = _week_label(bar.key, ctx)
    insights.scaled(weeks)
    locales = set(tenant.locales)
    phases = list(
        await ctx.session.scalars(select(Phase).where(Phase.project_id == project.id).order_by(Phase.starts_at))
    )
    sections = []
    for phase in phases:
        stats = await insights.phase_stats(
            ctx.session, ctx.app.registry, phase, locales, ctx.locale, tenant.default_locale
        )
        spec = ctx.app.registry.method(phase.method)
        method = str(spec.label) if spec else _("Method unavailable: %(key)s", key=phase.method)
        sections.append((phase, method, per_phase.get(phase.id, 0), stats))
    total, undated = await insights.counts(ctx.session, events)
    header, rep_rows = svc.report_table(
        rep["reports"], weighted=rep["weighting"].result is not None, default_locale=tenant.default_locale
    )
    return {
        **rep,
        "sections": sections,
        "weeks": weeks,
        "total": total,
        "undated": undated,
        "rep_table": (header, rep_rows),
    }


def _report_sheet(report: dict[str, Any], ctx: RequestContext) -> tuple[list[str], list[list[Any]]]:
    from core import multiloc

    people = _("Participants")
    default = ctx.tenant.default_locale
    tables: list[tuple[str, list[str], list[list[Any]]]] = [
        (_("Participants per week"), [_("Week"), people], _bar_rows(report["weeks"])),
        (
            _("Participants per phase"),
            [_("Phase"), people],
            [[multiloc.pick(p.title, ctx.locale, default).text, n] for p, _s, n, _t in report["sections"]],
        ),
    ]
    for phase, _state, _n, stats in report["sections"]:
        phase_title = multiloc.pick(phase.title, ctx.locale, default).text
        for stat in stats:
            tables.append((f"{phase_title}: {stat.title}", stat.header, stat.rows))
    header, rows = insights.long_table(tables)
    rep_header, rep_rows = report["rep_table"]
    # the representativeness table, a row per answer: its cells named by the question and answer
    for line in rep_rows:
        for column, value in zip(rep_header[2:], line[2:], strict=False):
            rows.append([_("Representativeness"), f"{line[0]}: {line[1]}", column, value])
    return header, rows


@get("/admin/projects/{project_id:int}/report", guards=[signed_in])
async def project_report(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[str]:
    return render(request, "admin/project_report.html", **await _report(ctx, project_id))


@get("/admin/projects/{project_id:int}/report/export", guards=[signed_in])
async def project_report_export(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[bytes]:
    fmt = _format(request)
    report = await _report(ctx, project_id)
    header, rows = _report_sheet(report, ctx)
    return table_download(header, rows, basename=f"report-{report['project'].slug}", fmt=fmt)


routes = [dashboard_page, dashboard_export]  # under the admins-only router
public_routes = [project_report, project_report_export]  # a project's moderators too
