"""Admin pages for projects and their phases (the rules live in core.project_service)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from sqlalchemy import select

from core.config_forms import config_fields
from core.context import Ctx, RequestContext
from core.db.base import utcnow
from core.i18n import gettext as _
from core.models import Area, Phase, Project, Topic, User
from core.phase_setup import project_checklist
from core.phases import phase_state
from core.project_service import (
    ProjectInput,
    ServiceError,
    audit,
    default_permissions,
    delete_phase,
    form_multiloc,
    local_input,
    project_links,
    save_phase,
    save_project,
    selectable_methods,
)
from core.projects import can_manage, decode_config
from core.web.admin_common import get_or_404, precheck, tenant_row
from core.web.admin_retention import apply_retention_days, read_retention_days, retention_input
from core.web.errors import UserFacingError
from core.web.forms import Form, FormErrors, read_form
from core.web.media import image_response
from core.web.render import redirect, render


def status_labels() -> dict[str, str]:
    return {"draft": _("Draft"), "published": _("Published"), "archived": _("Archived")}


def level_labels() -> dict[str, str]:
    return {
        "everyone": _("Everyone, also without an account"),
        "registered": _("Registered residents"),
        "verified": _("Verified residents"),
        "admins": _("Municipality staff only"),
    }


@get("/")
async def dashboard(request: Request, ctx: Ctx) -> Response[str]:
    projects = list((await ctx.session.scalars(select(Project).order_by(Project.created_at.desc()))).all())
    now = utcnow()
    groups = [
        (
            status,
            label,
            [(p, [(ph, phase_state(ph, now).value) for ph in p.phases]) for p in projects if p.status == status],
        )
        for status, label in status_labels().items()
    ]
    return render(request, "admin/dashboard.html", groups=groups, registry=ctx.app.registry)


# --- projects -------------------------------------------------------------------------------------------------


async def _project_choices(ctx: RequestContext) -> dict[str, Any]:
    areas = list((await ctx.session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    topics = list((await ctx.session.scalars(select(Topic).order_by(Topic.position, Topic.id))).all())
    users = list((await ctx.session.scalars(select(User).order_by(User.display_name, User.id).limit(500))).all())
    return {"areas": areas, "topics": topics, "users": users, "statuses": status_labels()}


async def _project_page(
    request: Request,
    ctx: RequestContext,
    project: Project | None,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response[str]:
    tenant = await tenant_row(ctx)
    now = utcnow()
    phases = [(ph, phase_state(ph, now).value) for ph in project.phases] if project is not None else []
    checklist = (
        await project_checklist(ctx.session, ctx.app.registry, project, tenant.default_locale) if project else []
    )
    return render(
        request,
        "admin/project_form.html",
        status_code=status_code,
        project=project,
        values=values,
        errors=errors or FormErrors(),
        locales=list(tenant.locales),
        default_locale=tenant.default_locale,
        phases=phases,
        checklist=checklist,
        registry=ctx.app.registry,
        **(await _project_choices(ctx)),
    )


def _project_values(form: Form, tenant: Any) -> dict[str, Any]:
    return {
        "title": form_multiloc(form, "title", tenant),
        "description": form_multiloc(form, "description", tenant),
        "slug": form.get("slug"),
        "status": form.get("status"),
        "areas": form.getlist("areas"),
        "topics": form.getlist("topics"),
        "moderators": form.getlist("moderators"),
    }


@get("/projects")
async def project_list(request: Request, ctx: Ctx) -> Response[str]:
    projects = list((await ctx.session.scalars(select(Project).order_by(Project.created_at.desc()))).all())
    return render(request, "admin/projects.html", projects=projects, statuses=status_labels())


@get("/projects/new")
async def project_new(request: Request, ctx: Ctx) -> Response[str]:
    values = {
        "title": {},
        "description": {},
        "slug": "",
        "status": "draft",
        "areas": [],
        "topics": [],
        "moderators": [],
    }
    return await _project_page(request, ctx, None, values)


async def _save_project(request: Request, ctx: RequestContext, project: Project | None) -> Response[str]:
    form = await read_form(request)
    tenant = await tenant_row(ctx)
    values = _project_values(form, tenant)
    errors = precheck(form)
    image = None
    upload = form.file("image")
    if not errors and upload is not None and getattr(upload, "filename", ""):
        data = await upload.read()
        if data:
            image = (ctx.app.settings.upload_path, data)
    if not errors:
        try:
            project = await save_project(
                ctx.session,
                tenant,
                ctx.user,  # type: ignore[arg-type]
                ProjectInput(
                    title=values["title"],
                    description=values["description"],
                    slug=values["slug"],
                    status=values["status"],
                    area_ids=values["areas"],
                    topic_ids=values["topics"],
                    moderator_ids=values["moderators"],
                ),
                project,
                image=image,
            )
            return redirect(request, f"/admin/projects/{project.id}?saved=1")
        except ServiceError as exc:
            errors.update(exc.errors)
    return await _project_page(request, ctx, project, values, errors, status_code=422)


@post("/projects/new")
async def project_create(request: Request, ctx: Ctx) -> Response[str]:
    return await _save_project(request, ctx, None)


@get("/projects/{project_id:int}")
async def project_edit(
    request: Request, ctx: Ctx, project_id: FromPath[int], saved: FromQuery[int] = 0
) -> Response[str]:
    project = await get_or_404(ctx.session, Project, project_id)
    areas, topics, mods = await project_links(ctx.session, project.id)
    values = {
        "title": project.title,
        "description": project.description,
        "slug": project.slug,
        "status": project.status,
        "areas": [str(i) for i in areas],
        "topics": [str(i) for i in topics],
        "moderators": [str(i) for i in mods],
        "saved": bool(saved),
    }
    return await _project_page(request, ctx, project, values)


@post("/projects/{project_id:int}")
async def project_update(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[str]:
    project = await get_or_404(ctx.session, Project, project_id)
    return await _save_project(request, ctx, project)


@post("/projects/{project_id:int}/publish")
async def project_publish(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[str]:
    """The editor's one button from draft to public (the status select does the same, with less said about it).

    A project without phases is refused: residents would find a page with nothing to take part in."""
    form = await read_form(request)
    errors = precheck(form)
    if errors:
        raise UserFacingError(detail=errors["_form"], status_code=400)
    project = await get_or_404(ctx.session, Project, project_id)
    if not project.phases:
        message = _("Add at least one phase before publishing: residents would find nothing to do.")
        raise UserFacingError(detail=message, status_code=409)
    if project.status != "published":
        before = project.status
        project.status = "published"
        audit(ctx.session, ctx.user, "project.published", project, data={"before": before})
        await ctx.session.flush()
    return redirect(request, f"/admin/projects/{project.id}?saved=1")


@get("/media/projects/{name:str}", include_in_schema=False)
async def project_image(ctx: Ctx, name: FromPath[str]) -> Response[bytes]:
    """A project's image, for this tenant's projects only (drafts for staff only)."""
    project = await ctx.session.scalar(select(Project).where(Project.image_path == name))
    if project is None or (project.status == "draft" and not can_manage(ctx.user)):
        raise NotFoundException()
    return image_response(ctx.app.settings.upload_path, name, "projects")


# --- phases ---------------------------------------------------------------------------------------------------


async def _phase_of(ctx: RequestContext, project_id: int, phase_id: int) -> tuple[Project, Phase]:
    project = await get_or_404(ctx.session, Project, project_id)
    phase = await get_or_404(ctx.session, Phase, phase_id)
    if phase.project_id != project.id:
        raise NotFoundException()
    return project, phase


async def method_fields_context(
    ctx: RequestContext, method: str, phase: Phase | None, form: Form | None = None
) -> dict[str, Any]:
    """What `_phase_method_fields.html` needs to show the config and permission fields of ``method``."""
    spec = ctx.app.registry.method(method)
    same = phase is not None and phase.method == method
    config_source: Any = phase.config if same and phase is not None else {}
    perms: dict[str, Any] = phase.permissions if same and phase is not None else default_permissions(spec)
    fields = []
    actions = []
    if spec is not None:
        current = decode_config(spec, config_source)
        tenant = await tenant_row(ctx)
        fields = config_fields(
            spec.config,
            current,
            labels=spec.config_labels,
            hints=spec.config_hints,
            locales=list(tenant.locales),
            currency=tenant.currency,
        )
        if form is not None and form.get("config_for") == method:
            _refill(fields, form)
        for action in spec.actions:
            rule = (perms or {}).get(action.key) or {}
            level = rule.get("level", action.default_level)
            areas = [str(a) for a in rule.get("areas", [])]
            if form is not None and form.get("config_for") == method:
                level = form.get(f"perm.{action.key}.level") or level
                areas = form.getlist(f"perm.{action.key}.areas")
            levels = [(lvl, level_labels()[lvl]) for lvl in action.levels]
            actions.append({"spec": action, "level": level, "areas": areas, "levels": levels})
    all_areas = list((await ctx.session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    return {
        "method": method,
        "method_spec": spec,
        "config_fields": fields,
        "actions": actions,
        "all_areas": all_areas,
    }


def _refill(fields: list[Any], form: Form) -> None:
    """Show what was submitted (not what is stored) when the form comes back with errors."""
    for f in fields:
        if f.kind == "fieldset":
            _refill(f.children, form)
        elif f.kind == "checkbox":
            f.value = form.get(f.name) in {"1", "on", "true", "yes"}
        elif f.kind == "checkboxes":
            f.value = form.getlist(f.name)
        elif f.kind in ("multiloc", "multiloc_lines"):
            f.value = {code: form.get(f"{f.name}.{code}") for code in f.control_keys}
        else:
            f.value = form.get(f.name)


async def _phase_page(
    request: Request,
    ctx: RequestContext,
    project: Project,
    phase: Phase | None,
    values: dict[str, Any],
    form: Form | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response[str]:
    tenant = await tenant_row(ctx)
    methods = selectable_methods(ctx.app.registry, tenant, phase.method if phase is not None else None)
    method = values.get("method") or (methods[0].key if methods else "")
    # Data retention (core/web/admin_retention.py): the stored setting unless the form brought one back.
    values.setdefault("retention_days", retention_input(phase))
    return render(
        request,
        "admin/phase_form.html",
        status_code=status_code,
        project=project,
        phase=phase,
        values=values,
        errors=errors or FormErrors(),
        locales=list(tenant.locales),
        default_locale=tenant.default_locale,
        methods=methods,
        method_missing=phase is not None and ctx.app.registry.method(phase.method) is None,
        registry=ctx.app.registry,
        timezone=tenant.timezone,
        **(await method_fields_context(ctx, method, phase, form)),
    )


@get("/projects/{project_id:int}/phases/new")
async def phase_new(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[str]:
    project = await get_or_404(ctx.session, Project, project_id)
    values = {"title": {}, "description": {}, "method": "", "starts_at": "", "ends_at": ""}
    return await _phase_page(request, ctx, project, None, values)


@get("/projects/{project_id:int}/phases/{phase_id:int}")
async def phase_edit(
    request: Request, ctx: Ctx, project_id: FromPath[int], phase_id: FromPath[int], saved: FromQuery[int] = 0
) -> Response[str]:
    project, phase = await _phase_of(ctx, project_id, phase_id)
    tz = ctx.tenant.timezone if ctx.tenant else "UTC"
    values = {
        "title": phase.title,
        "description": phase.description,
        "method": phase.method,
        "starts_at": local_input(phase.starts_at, tz),
        "ends_at": local_input(phase.ends_at, tz),
        "saved": bool(saved),
    }
    return await _phase_page(request, ctx, project, phase, values)


async def _save_phase(request: Request, ctx: RequestContext, project: Project, phase: Phase | None) -> Response[str]:
    form = await read_form(request)
    tenant = await tenant_row(ctx)
    values = {
        "title": form_multiloc(form, "title", tenant),
        "description": form_multiloc(form, "description", tenant),
        "method": form.get("method"),
        "starts_at": form.get("starts_at"),
        "ends_at": form.get("ends_at"),
    }
    errors = precheck(form)
    # Data retention (core/web/admin_retention.py): read with the other fields, stored once the phase is saved.
    values["retention_days"] = form.get("retention_days") or ""
    retention_days = read_retention_days(form, errors)
    if not errors:
        try:
            saved = await save_phase(
                ctx.session,
                tenant,
                ctx.user,  # type: ignore[arg-type]
                ctx.app.registry,
                project,
                form,
                phase,
            )
            apply_retention_days(saved, retention_days)
            return redirect(request, f"/admin/projects/{project.id}/phases/{saved.id}?saved=1")
        except ServiceError as exc:
            errors.update(exc.errors)
    if values["method"] not in ctx.app.registry.methods:
        values["method"] = phase.method if phase is not None else ""
    return await _phase_page(request, ctx, project, phase, values, form, errors, status_code=422)


@post("/projects/{project_id:int}/phases/new")
async def phase_create(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[str]:
    project = await get_or_404(ctx.session, Project, project_id)
    return await _save_phase(request, ctx, project, None)


@post("/projects/{project_id:int}/phases/{phase_id:int}")
async def phase_update(request: Request, ctx: Ctx, project_id: FromPath[int], phase_id: FromPath[int]) -> Response[str]:
    project, phase = await _phase_of(ctx, project_id, phase_id)
    return await _save_phase(request, ctx, project, phase)


@post("/projects/{project_id:int}/phases/{phase_id:int}/delete")
async def phase_delete(request: Request, ctx: Ctx, project_id: FromPath[int], phase_id: FromPath[int]) -> Response[str]:
    project, phase = await _phase_of(ctx, project_id, phase_id)
    try:
        await delete_phase(ctx.session, ctx.user, ctx.app.registry, phase)  # type: ignore[arg-type]
    except ServiceError as exc:
        tz = ctx.tenant.timezone if ctx.tenant else "UTC"
        values = {
            "title": phase.title,
            "description": phase.description,
            "method": phase.method,
            "starts_at": local_input(phase.starts_at, tz),
            "ends_at": local_input(phase.ends_at, tz),
        }
        return await _phase_page(request, ctx, project, phase, values, errors=FormErrors(exc.errors), status_code=409)
    return redirect(request, f"/admin/projects/{project.id}?saved=1")


@get("/projects/{project_id:int}/phases/method-fields")
async def phase_method_fields(
    request: Request,
    ctx: Ctx,
    project_id: FromPath[int],
    method: FromQuery[str] = "",
    phase_id: FromQuery[int] = 0,
) -> Response[str]:
    """The config and permission fieldsets for a method (htmx swaps them in when the method select changes)."""
    await get_or_404(ctx.session, Project, project_id)
    phase = None
    if phase_id:
        _project, phase = await _phase_of(ctx, project_id, phase_id)
    tenant = await tenant_row(ctx)
    allowed = {s.key for s in selectable_methods(ctx.app.registry, tenant, phase.method if phase else None)}
    if method not in allowed:
        raise NotFoundException()
    return render(
        request,
        "admin/_phase_method_fields.html",
        errors=FormErrors(),
        **(await method_fields_context(ctx, method, phase)),
    )


routes = [
    dashboard,
    project_list,
    project_new,
    project_create,
    project_edit,
    project_update,
    project_publish,
    phase_new,
    phase_edit,
    phase_create,
    phase_update,
    phase_delete,
    phase_method_fields,
]
public_routes = [project_image]
