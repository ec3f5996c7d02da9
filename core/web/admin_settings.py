"""Admin pages for the municipality's settings and its areas and topics."""

from __future__ import annotations

import math
import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy import select

from core import multiloc
from core.context import Ctx, RequestContext
from core.i18n import LOCALE_NAMES
from core.i18n import gettext as _
from core.models import Area, Topic
from core.project_service import (
    ServiceError,
    audit,
    check_image,
    clean_multiloc,
    delete_term,
    form_multiloc,
    save_term,
    store_image,
)
from core.settings import SUPPORTED_LOCALES
from core.tenants import TenantSettingsError, validate_settings
from core.web.admin_common import get_or_404, precheck, tenant_row
from core.web.forms import Form, FormErrors, read_form
from core.web.media import image_response
from core.web.render import redirect, render

BOUND_KEYS = ("south", "west", "north", "east")
MAX_HELP_LENGTH = 2000
MAX_INTRO_LENGTH = 2000
BANNER_FOLDER = "banners"  # under the upload folder, next to the projects' images
SETTINGS_FIELDS = (
    "name",
    "logo_url",
    "primary_color",
    "accent_color",
    "locales",
    "default_locale",
    "timezone",
    "currency",
    "population",
    "enabled_methods",
    "bounds",
    "verification_help",
    "banner_path",
    "intro",
)


def setting_messages() -> dict[str, str]:
    return {
        "locales": _("Choose at least one of the offered languages."),
        "default_locale": _("The main language must be one of the enabled languages."),
        "timezone": _("Enter a time zone such as Europe/Amsterdam."),
        "currency": _("Enter a three-letter currency code such as EUR."),
        "primary_color": _("Enter a colour such as #1d4ed8."),
        "accent_color": _("Enter a colour such as #1d4ed8."),
        "population": _("Enter a whole number of zero or more."),
        "logo_url": _("Enter an address starting with https:// or a path starting with /."),
        "south": _("Enter a latitude between -90 and 90, south of the northern bound."),
        "north": _("Enter a latitude between -90 and 90, north of the southern bound."),
        "west": _("Enter a longitude between -180 and 180, west of the eastern bound."),
        "east": _("Enter a longitude between -180 and 180, east of the western bound."),
    }


def _settings_values(tenant: Any) -> dict[str, Any]:
    bounds = tenant.bounds or {}
    return {
        "name": tenant.name,
        "logo_url": tenant.logo_url or "",
        "primary_color": tenant.primary_color,
        "accent_color": tenant.accent_color,
        "locales": list(tenant.locales),
        "default_locale": tenant.default_locale,
        "timezone": tenant.timezone,
        "currency": tenant.currency,
        "population": "" if tenant.population is None else str(tenant.population),
        "enabled_methods": list(tenant.enabled_methods or []),
        **{k: "" if bounds.get(k) is None else str(bounds[k]) for k in BOUND_KEYS},
        "verification_help": dict(tenant.verification_help or {}),
        "intro": dict(tenant.intro or {}),
        "banner_path": tenant.banner_path,
    }


def _settings_page(
    request: Request, ctx: RequestContext, values: dict[str, Any], errors: FormErrors | None = None, status: int = 200
) -> Response[str]:
    return render(
        request,
        "admin/settings.html",
        status_code=status,
        values=values,
        errors=errors or FormErrors(),
        all_locales=[(code, LOCALE_NAMES[code]) for code in SUPPORTED_LOCALES],
        methods=sorted(ctx.app.registry.methods.values(), key=lambda s: s.key),
        bound_keys=BOUND_KEYS,
    )


@get("/settings")
async def settings_page(request: Request, ctx: Ctx) -> Response[str]:
    tenant = await tenant_row(ctx)
    values = _settings_values(tenant) | {"saved": request.query_params.get("saved") == "1"}
    return _settings_page(request, ctx, values)


def _parse_float(raw: str) -> float | None:
    if not re.fullmatch(r"-?\d{1,3}(\.\d{1,10})?", raw):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


@post("/settings")
async def settings_save(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    tenant = await tenant_row(ctx)
    locales = [code for code in SUPPORTED_LOCALES if code in form.getlist("locales")]
    values: dict[str, Any] = {
        "name": {code: form.get(f"name.{code}") for code in SUPPORTED_LOCALES if form.get(f"name.{code}")},
        "logo_url": form.get("logo_url"),
        "primary_color": form.get("primary_color"),
        "accent_color": form.get("accent_color"),
        "locales": form.getlist("locales"),
        "default_locale": form.get("default_locale"),
        "timezone": form.get("timezone"),
        "currency": form.get("currency").upper(),
        "population": form.get("population"),
        "enabled_methods": form.getlist("enabled_methods"),
        **{k: form.get(k) for k in BOUND_KEYS},
        "verification_help": {
            code: form.get(f"verification_help.{code}")
            for code in SUPPORTED_LOCALES
            if form.get(f"verification_help.{code}")
        },
        "intro": form.multiloc("intro", list(SUPPORTED_LOCALES)),
        "banner_path": tenant.banner_path,
        "remove_banner": form.flag("remove_banner"),
    }
    errors = precheck(form)
    messages = setting_messages()
    if len(locales) != len(set(values["locales"])):
        errors.add("locales", messages["locales"])
    population = None
    if values["population"]:
        if not re.fullmatch(r"\d{1,10}", values["population"]):
            errors.add("population", messages["population"])
        else:
            population = int(values["population"])
    bounds: dict[str, float] | None = None
    given = [k for k in BOUND_KEYS if values[k]]
    if given:
        parsed = {k: _parse_float(values[k]) for k in BOUND_KEYS}
        for k in BOUND_KEYS:
            if parsed[k] is None:
                errors.add(k, messages[k])
        if not errors:
            bounds = {k: v for k, v in parsed.items() if v is not None}
    installed = ctx.app.registry.methods
    if any(m not in installed for m in values["enabled_methods"]):
        errors.add("enabled_methods", _("Choose among the offered options."))
    banner = await _banner_upload(form, errors)
    if not errors:
        try:
            validate_settings(
                locales=locales,
                default_locale=values["default_locale"],
                timezone=values["timezone"],
                currency=values["currency"],
                primary_color=values["primary_color"],
                accent_color=values["accent_color"],
                population=population,
                bounds=bounds,
                logo_url=values["logo_url"] or None,
            )
        except TenantSettingsError as exc:
            errors.add(exc.field, messages.get(exc.field, _("This value is not valid.")))
    if not errors:
        # The name is required in the (possibly new) main language; only enabled languages are kept.
        name_errors: dict[str, str] = {}
        name = clean_multiloc(
            {k: v for k, v in values["name"].items() if k in locales},
            "name",
            locales,
            values["default_locale"],
            name_errors,
            required=True,
            max_length=200,
        )
        errors.update(name_errors)
        help_errors: dict[str, str] = {}
        help_text = clean_multiloc(
            {k: v for k, v in values["verification_help"].items() if k in locales},
            "verification_help",
            locales,
            values["default_locale"],
            help_errors,
            required=False,
            max_length=MAX_HELP_LENGTH,
        )
        errors.update(help_errors)
        intro_errors: dict[str, str] = {}
        intro = clean_multiloc(
            {k: v for k, v in values["intro"].items() if k.removesuffix(multiloc.EASY_SUFFIX) in locales},
            "intro",
            locales,
            values["default_locale"],
            intro_errors,
            required=False,
            max_length=MAX_INTRO_LENGTH,
        )
        errors.update(intro_errors)
    if errors:
        return _settings_page(request, ctx, values, errors, status=422)
    before = {f: _jsonable(getattr(tenant, f)) for f in SETTINGS_FIELDS}
    tenant.name = name
    tenant.logo_url = values["logo_url"] or None
    tenant.primary_color = values["primary_color"].lower()
    tenant.accent_color = values["accent_color"].lower()
    tenant.locales = locales
    tenant.default_locale = values["default_locale"]
    tenant.timezone = values["timezone"]
    tenant.currency = values["currency"]
    tenant.population = population
    tenant.enabled_methods = [m for m in sorted(installed) if m in values["enabled_methods"]]
    tenant.bounds = bounds
    tenant.verification_help = help_text
    tenant.intro = intro
    if banner is not None:
        # the previous file stays on disk, like a replaced project image: the transaction may still roll back
        tenant.banner_path = store_image(ctx.app.settings.upload_path, banner[1], banner[0], BANNER_FOLDER)
    elif values["remove_banner"]:
        tenant.banner_path = None
    after = {f: _jsonable(getattr(tenant, f)) for f in SETTINGS_FIELDS}
    audit(ctx.session, ctx.user, "tenant.settings_changed", tenant, data={"before": before, "after": after})
    await ctx.session.flush()
    return redirect(request, "/admin/settings?saved=1")


async def _banner_upload(form: Form, errors: FormErrors) -> tuple[str, bytes] | None:
    """(kind, bytes) of a banner image chosen in the form, None when no file was chosen; a file that is not a PNG,
    JPEG or WebP image (or is too large) is an error on the ``banner`` field, checked before anything is written."""
    upload = form.file("banner")
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data = await upload.read()
    if not data:
        errors.add("banner", _("The file is empty."))
        return None
    try:
        return check_image(data, "banner"), data
    except ServiceError as exc:
        errors.update(exc.errors)
        return None


@get("/media/banners/{name:str}", include_in_schema=False)
async def banner_image(ctx: Ctx, name: FromPath[str]) -> Response[bytes]:
    """This municipality's banner only: the name must be the one its row holds (another one's is a 404 here)."""
    if ctx.tenant is None or not name or ctx.tenant.banner_path != name:
        raise NotFoundException()
    return image_response(ctx.app.settings.upload_path, name, BANNER_FOLDER)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


# --- areas and topics -----------------------------------------------------------------------------------------


def _term_handlers(kind: str, model: type[Area] | type[Topic]) -> list[Any]:
    """List, create, edit and delete handlers for one kind of classification (areas or topics)."""

    def titles() -> dict[str, str]:
        if kind == "areas":
            return {"plural": _("Areas"), "new": _("New area"), "edit": _("Edit area"), "none": _("No areas yet.")}
        return {"plural": _("Topics"), "new": _("New topic"), "edit": _("Edit topic"), "none": _("No topics yet.")}

    async def form_page(
        request: Request,
        ctx: RequestContext,
        term: Any,
        values: dict[str, Any],
        errors: FormErrors | None = None,
        status: int = 200,
    ) -> Response[str]:
        tenant = await tenant_row(ctx)
        return render(
            request,
            "admin/term_form.html",
            status_code=status,
            kind=kind,
            term=term,
            values=values,
            errors=errors or FormErrors(),
            titles=titles(),
            locales=list(tenant.locales),
            default_locale=tenant.default_locale,
        )

    async def save(request: Request, ctx: RequestContext, term: Any) -> Response[str]:
        form: Form = await read_form(request)
        tenant = await tenant_row(ctx)
        values = {"name": form_multiloc(form, "name", tenant), "position": form.get("position")}
        errors = precheck(form)
        if not errors:
            try:
                await save_term(ctx.session, tenant, ctx.user, model, values["name"], values["position"], term)  # type: ignore[arg-type]
                return redirect(request, f"/admin/{kind}")
            except ServiceError as exc:
                errors.update(exc.errors)
        return await form_page(request, ctx, term, values, errors, status=422)

    @get(f"/{kind}", name=f"admin_{kind}")
    async def term_list(request: Request, ctx: Ctx) -> Response[str]:
        terms = list((await ctx.session.scalars(select(model).order_by(model.position, model.id))).all())
        return render(request, "admin/terms.html", kind=kind, terms=terms, titles=titles())

    @get(f"/{kind}/new", name=f"admin_{kind}_new")
    async def term_new(request: Request, ctx: Ctx) -> Response[str]:
        return await form_page(request, ctx, None, {"name": {}, "position": "0"})

    @post(f"/{kind}/new", name=f"admin_{kind}_create")
    async def term_create(request: Request, ctx: Ctx) -> Response[str]:
        return await save(request, ctx, None)

    @get(f"/{kind}/{{term_id:int}}", name=f"admin_{kind}_edit")
    async def term_edit(request: Request, ctx: Ctx, term_id: FromPath[int]) -> Response[str]:
        term = await get_or_404(ctx.session, model, term_id)
        return await form_page(request, ctx, term, {"name": term.name, "position": str(term.position)})

    @post(f"/{kind}/{{term_id:int}}", name=f"admin_{kind}_update")
    async def term_update(request: Request, ctx: Ctx, term_id: FromPath[int]) -> Response[str]:
        term = await get_or_404(ctx.session, model, term_id)
        return await save(request, ctx, term)

    @post(f"/{kind}/{{term_id:int}}/delete", name=f"admin_{kind}_delete")
    async def term_delete(request: Request, ctx: Ctx, term_id: FromPath[int]) -> Response[str]:
        term = await get_or_404(ctx.session, model, term_id)
        await delete_term(ctx.session, ctx.user, term)  # type: ignore[arg-type]
        return redirect(request, f"/admin/{kind}")

    return [term_list, term_new, term_create, term_edit, term_update, term_delete]


routes = [settings_page, settings_save, *_term_handlers("areas", Area), *_term_handlers("topics", Topic)]
public_routes = [banner_image]
