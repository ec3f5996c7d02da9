"""The token-only part of the API: a phase's exports (scope ``exports:read``) and offline imports
(``imports:write``), for the municipality's own systems. Every method's exports and imports are reached the same
way, through the registry, so a new method needs nothing here.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery, Parameter

from core.api.tokens import require_token
from core.context import Ctx, RequestContext
from core.exports import FORMATS, table_download
from core.i18n import gettext as _
from core.imports import service
from core.imports.checking import read_mapping, unmapped_required
from core.imports.reading import MAX_BYTES, MAX_ROWS, ImportFileError, read_table
from core.imports.spec import ImportContext
from core.models import Phase
from core.projects import decode_config
from core.ratelimits import RateLimit
from core.throttle import rate_limit
from core.web.errors import UserFacingError

BEARER = [{"token": []}]
IMPORTING = RateLimit.of(ip="20/10min, 200/day")  # files per client address


class ExportInfo(msgspec.Struct):
    key: str
    label: str
    formats: list[str]
    url: str


class ExportTable(msgspec.Struct):
    header: list[str]
    rows: list[list[Any]]


class ImportOutcome(msgspec.Struct):
    """What an import did: ``imported`` rows written, ``skipped`` rows with ``problems`` (row number, messages)."""

    batch: int
    imported: int
    skipped: int
    problems: list[dict[str, Any]]


class ImportUpload(msgspec.Struct):
    source: str
    file: Any = None


async def _phase(ctx: RequestContext, phase_id: int) -> Phase:
    phase = await ctx.session.get(Phase, phase_id)
    if phase is None:
        raise NotFoundException()
    return phase


@get("/phases/{phase_id:int}/exports", summary="The exports of a phase (token with exports:read)", security=BEARER)
async def list_exports(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> list[ExportInfo]:
    await require_token(request, ctx, "exports:read")
    phase = await _phase(ctx, phase_id)
    return [
        ExportInfo(
            key=spec.key,
            label=str(spec.label),
            formats=[*FORMATS, "json"],
            url=f"/api/v1/phases/{phase.id}/exports/{spec.key}",
        )
        for spec in ctx.app.registry.exports_for(phase.method)
    ]


@get(
    "/phases/{phase_id:int}/exports/{key:str}",
    summary="One export of a phase as CSV, XLSX or JSON (token with exports:read)",
    security=BEARER,
)
async def one_export(
    request: Request,
    ctx: Ctx,
    phase_id: FromPath[int],
    key: FromPath[str],
    format: Annotated[str, Parameter(pattern="^(csv|xlsx|json)$")] = "json",
) -> Response[ExportTable]:
    await require_token(request, ctx, "exports:read")
    phase = await _phase(ctx, phase_id)
    spec = next((e for e in ctx.app.registry.exports_for(phase.method) if e.key == key), None)
    if spec is None:
        raise NotFoundException()
    header, rows = await spec.rows(ctx.session, phase)
    if format == "json":
        return Response(ExportTable(header=[str(h) for h in header], rows=[list(r) for r in rows]))
    return table_download(header, rows, basename=f"{phase.method}-{phase.id}-{key}", fmt=format)


@post(
    "/phases/{phase_id:int}/imports/{key:str}",
    summary="Import a CSV or XLSX file of offline input into a phase (token with imports:write)",
    security=BEARER,
    status_code=201,
)
async def run_import(
    request: Request,
    ctx: Ctx,
    phase_id: FromPath[int],
    key: FromPath[str],
    data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    dry_run: FromQuery[bool] = False,
) -> ImportOutcome:
    """Columns are matched by their names, as the back office's first preview does; rows with problems are
    skipped and listed. ``dry_run=true`` checks the file and writes nothing."""
    _token, owner = await require_token(request, ctx, "imports:write")
    await rate_limit(ctx, "api.import", IMPORTING)
    phase = await _phase(ctx, phase_id)
    spec = ctx.app.registry.imports.get(key)
    if spec is None or spec.method != phase.method:
        raise NotFoundException()
    source = " ".join(str(data.source or "").split())
    if not source or len(source) > service.SOURCE_MAX:
        raise UserFacingError(
            detail=_("Say where this input was collected, for example “Town meeting, 12 May”."), status_code=422
        )
    upload = data.file
    if upload is None or not getattr(upload, "filename", ""):
        raise UserFacingError(detail=_("Choose a CSV or XLSX file."), status_code=422)
    try:
        table = read_table(upload.filename, await upload.read(MAX_BYTES + 1), max_rows=spec.max_rows or MAX_ROWS)
    except ImportFileError as exc:
        raise UserFacingError(detail=str(exc), status_code=422) from exc
    method = ctx.app.registry.method(phase.method)
    ictx = ImportContext(
        phase=phase,
        config=decode_config(method, phase.config),
        tenant=ctx.tenant,
        actor=owner,
        locale=ctx.locale,
        app=ctx.app,
    )
    batch = service.new_batch(spec, phase, table, filename=upload.filename, source=source, actor=owner)
    ctx.session.add(batch)
    await ctx.session.flush()
    mapping = read_mapping(spec, batch.header, {})
    missing = unmapped_required(spec, mapping)
    if missing:
        raise UserFacingError(
            detail=_("Choose the column that holds “%(column)s”.", column=missing[0]), status_code=422
        )
    results = await service.check(ctx.session, spec, ictx, batch, mapping)
    problems = [{"row": r.number, "messages": [e.message for e in r.errors]} for r in results if not r.ok]
    if dry_run:
        await ctx.session.delete(batch)
        return ImportOutcome(batch=0, imported=0, skipped=len(problems), problems=problems)
    imported, skipped = await service.confirm(ctx.session, spec, ictx, batch, mapping)
    if not imported:
        raise UserFacingError(detail=_("No row of this file can be imported."), status_code=422)
    return ImportOutcome(batch=batch.id, imported=imported, skipped=skipped, problems=problems)


routes = [list_exports, one_export, run_import]
