"""The import pages every method shares, under ``/p/{phase_id}/import/<spec key>`` (staff of the project only).

Upload (source + file) → a pending batch → preview: the column mapping (a GET form, so changing it writes nothing)
and every row's problems in the reader's language → confirmation (POST) imports the valid rows once → summary.
Rows with problems are skipped, not imported: the preview says how many, and they can be fixed in the file and
uploaded again. Every page is a plain form; nothing needs JavaScript.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath

from core.context import Ctx, RequestContext
from core.i18n import gettext as _
from core.i18n import ngettext
from core.imports import service
from core.imports.checking import read_mapping, unmapped_required
from core.imports.reading import MAX_BYTES, MAX_ROWS, ImportFileError, read_table
from core.imports.spec import ImportContext, ImportSpec
from core.permissions import denied
from core.projects import PhaseContext, phase_context
from core.web.errors import UserFacingError
from core.web.forms import FormErrors, read_form
from core.web.render import redirect, render

BASE = "/p/{phase_id:int}/import/{key:str}"


async def staff_context(ctx: RequestContext, phase_id: int, key: str) -> tuple[PhaseContext, ImportSpec]:
    """The phase and the import, or 404 when the phase is another municipality's or its method has no such import;
    401/403 unless the visitor is an admin or a moderator of the project."""
    pctx = await phase_context(ctx, phase_id)
    spec = ctx.app.registry.imports.get(key)
    if spec is None or spec.method != pctx.phase.method or pctx.spec is None:
        raise NotFoundException()
    if ctx.user is None:
        raise UserFacingError(detail=denied("not_signed_in").message, status_code=401)
    if not pctx.moderator:
        raise PermissionDeniedException()
    return pctx, spec


def import_context(pctx: PhaseContext) -> ImportContext:
    return ImportContext(
        phase=pctx.phase,
        config=pctx.config,
        tenant=pctx.tenant,
        actor=pctx.user,
        locale=pctx.ctx.locale,
        app=pctx.ctx.app,
    )


def count_text(spec: ImportSpec, n: int) -> str:
    return spec.count(n) if spec.count else ngettext("%(num)d row", "%(num)d rows", n)


def _path(pctx: PhaseContext, spec: ImportSpec, suffix: str = "") -> str:
    return f"/p/{pctx.phase.id}/import/{spec.key}{suffix}"


def _page(pctx: PhaseContext, spec: ImportSpec) -> dict[str, Any]:
    return {"pctx": pctx, "spec": spec, "base": _path(pctx, spec), "count_text": lambda n: count_text(spec, n)}


@get(BASE)
async def upload_form(request: Request, ctx: Ctx, phase_id: FromPath[int], key: FromPath[str]) -> Response[str]:
    pctx, spec = await staff_context(ctx, phase_id, key)
    return render(request, "imports/upload.html", **_page(pctx, spec), values={}, errors=None)


@post(BASE)
async def upload(request: Request, ctx: Ctx, phase_id: FromPath[int], key: FromPath[str]) -> Response[str]:
    pctx, spec = await staff_context(ctx, phase_id, key)
    form = await read_form(request)
    errors = FormErrors()
    source = " ".join(form.get("source").split())
    if not source:
        errors.add("source", _("Say where this input was collected, for example “Town meeting, 12 May”."))
    elif len(source) > service.SOURCE_MAX:
        errors.add("source", _("The source can be at most %(n)d characters long.", n=service.SOURCE_MAX))
    upload_file = form.file("file")
    table = None
    if upload_file is None or not getattr(upload_file, "filename", ""):
        errors.add("file", _("Choose a CSV or XLSX file."))
    else:
        try:
            data = await upload_file.read(MAX_BYTES + 1)
            table = read_table(upload_file.filename, data, max_rows=spec.max_rows or MAX_ROWS)
        except ImportFileError as exc:
            errors.add("file", str(exc))
    if errors or table is None:
        return render(
            request, "imports/upload.html", status_code=422, **_page(pctx, spec), values=form.as_dict(), errors=errors
        )
    batch = service.new_batch(spec, pctx.phase, table, filename=upload_file.filename, source=source, actor=ctx.user)
    ctx.session.add(batch)
    await ctx.session.flush()
    return redirect(request, _path(pctx, spec, f"/{batch.id}"))


@get(f"{BASE}/template.csv")
async def template_csv(ctx: Ctx, phase_id: FromPath[int], key: FromPath[str]) -> Response[bytes]:
    """An empty file with the expected columns, headed by their labels in the reader's language."""
    _pctx, spec = await staff_context(ctx, phase_id, key)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([str(c.label) for c in spec.columns])
    name = f"{spec.key.replace('.', '-')}-template.csv"
    return Response(
        buffer.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _batch(pctx: PhaseContext, spec: ImportSpec, batch_id: int) -> Any:
    batch = await service.get_batch(pctx.session, spec, pctx.phase, batch_id)
    if batch is None:
        raise NotFoundException()
    return batch


@get(f"{BASE}/{{batch_id:int}}")
async def preview(
    request: Request, ctx: Ctx, phase_id: FromPath[int], key: FromPath[str], batch_id: FromPath[int]
) -> Response[str]:
    pctx, spec = await staff_context(ctx, phase_id, key)
    batch = await _batch(pctx, spec, batch_id)
    page = _page(pctx, spec) | {"batch": batch}
    if batch.status == "confirmed":
        phase_page = f"/projects/{pctx.project.slug}/phases/{pctx.phase.id}"
        done_url = spec.done_url(pctx.phase) if spec.done_url else phase_page
        return render(request, "imports/summary.html", **page, done_url=done_url)
    mapping = read_mapping(spec, batch.header, request.query_params)
    results = await service.check(ctx.session, spec, import_context(pctx), batch, mapping)
    return render(
        request,
        "imports/preview.html",
        **page,
        mapping=mapping,
        results=results,
        valid=sum(1 for r in results if r.ok),
        missing=unmapped_required(spec, mapping),
    )


@post(f"{BASE}/{{batch_id:int}}")
async def confirm(
    request: Request, ctx: Ctx, phase_id: FromPath[int], key: FromPath[str], batch_id: FromPath[int]
) -> Response[str]:
    pctx, spec = await staff_context(ctx, phase_id, key)
    batch = await _batch(pctx, spec, batch_id)
    form = await read_form(request)
    mapping = read_mapping(spec, batch.header, form.as_dict())
    missing = unmapped_required(spec, mapping)
    if missing and batch.status == "pending":
        raise UserFacingError(
            detail=_("Choose the column that holds “%(column)s”.", column=missing[0]), status_code=422
        )
    imported, _skipped = await service.confirm(ctx.session, spec, import_context(pctx), batch, mapping)
    if not imported:
        raise UserFacingError(detail=_("No row of this file can be imported."), status_code=422)
    return redirect(request, _path(pctx, spec, f"/{batch.id}"))


routes = [upload_form, upload, template_csv, preview, confirm]
