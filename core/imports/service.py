"""Batches of offline input: stored on upload, checked on every preview, imported once on confirmation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from core.audit import record as audit_record
from core.db.base import utcnow
from core.i18n import gettext as _
from core.imports.checking import RowResult, check_rows
from core.imports.reading import Table
from core.imports.spec import ImportContext, ImportSpec
from core.models import ImportBatch
from core.web.errors import UserFacingError

SOURCE_MAX = 200


def new_batch(spec: ImportSpec, phase: Any, table: Table, *, filename: str, source: str, actor: Any) -> ImportBatch:
    """The uploaded table as a pending batch; nothing of the method is written."""
    return ImportBatch(
        phase_id=phase.id,
        spec_key=spec.key,
        filename=filename[:200],
        source=source[:SOURCE_MAX],
        header=table.header,
        rows=table.rows,
        actor_id=getattr(actor, "id", None),
        row_count=sum(1 for row in table.rows if any(row)),
    )


async def get_batch(session: Any, spec: ImportSpec, phase: Any, batch_id: int) -> ImportBatch | None:
    """A batch of this phase and import (tenant scoping already limits it to the municipality)."""
    return await session.scalar(
        select(ImportBatch).where(
            ImportBatch.id == batch_id, ImportBatch.phase_id == phase.id, ImportBatch.spec_key == spec.key
        )
    )


async def check(
    session: Any, spec: ImportSpec, ictx: ImportContext, batch: ImportBatch, mapping: dict
) -> list[RowResult]:
    """Preload what the method's checks need, then check every row of the batch under ``mapping``."""
    if spec.prepare is not None:
        await spec.prepare(session, ictx)
    return check_rows(spec, ictx, batch.rows, mapping)


async def confirm(
    session: Any, spec: ImportSpec, ictx: ImportContext, batch: ImportBatch, mapping: dict
) -> tuple[int, int]:
    """Claim the batch (pending → confirmed, one conditional UPDATE), check it again and write its valid rows.

    A second confirmation finds no pending row and is refused with 409, whatever the timing: the claim and the
    writes share the request's transaction, so a failed write also releases the claim. Returns (imported, skipped).
    """
    claimed = await session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == "pending")
        .values(status="confirmed", confirmed_at=utcnow(), mapping=dict(mapping))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise UserFacingError(detail=_("This import has already been confirmed."), status_code=409)
    results = await check(session, spec, ictx, batch, mapping)
    valid = [r.values for r in results if r.ok]
    imported = await spec.write(session, ictx.phase, valid, batch.source, ictx.actor) if valid else 0
    skipped = len(results) - len(valid)
    await session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id)
        .values(imported=imported, skipped=skipped, **({} if spec.keep_rows else {"rows": []}))
        .execution_options(synchronize_session=False)
    )
    audit_record(
        session,
        ictx.actor,
        "import.confirmed",
        batch,
        {
            "import": spec.key,
            "phase_id": ictx.phase.id,
            "filename": batch.filename,
            "source": batch.source,
            "rows": len(results),
            "imported": imported,
            "skipped": skipped,
        },
    )
    await session.flush()
    return imported, skipped
