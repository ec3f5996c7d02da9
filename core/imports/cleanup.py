"""Pending import batches do not stay forever: a periodic core job deletes unconfirmed batches after a day.

An upload is stored as a pending ``import_batch`` (the whole table, possibly personal data such as names on paper
ballots) until staff confirm it; staff who walk away from the preview leave it behind. The hourly
``core.import_cleanup`` job deletes, per municipality, pending batches older than ``PENDING_TTL``. Confirmed batches
stay: they are the record of what was imported. A confirmation racing the purge either claims the batch first
(it is no longer pending, so it stays) or finds it gone and is refused; nothing is half written either way.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from core.db.base import utcnow
from core.hookspecs import hookimpl
from core.models import ImportBatch

PENDING_TTL = timedelta(hours=24)


async def purge_pending(session: Any, before: datetime) -> int:
    """Delete the session's municipality's batches still pending and created before ``before``; how many went."""
    result = await session.execute(
        delete(ImportBatch)
        .where(ImportBatch.status == "pending", ImportBatch.created_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def purge_pending_job(job_ctx: Any) -> int:
    """The ``core.import_cleanup`` job for one municipality."""
    async with job_ctx.session() as session:
        return await purge_pending(session, (job_ctx.scheduled_for or utcnow()) - PENDING_TTL)


@hookimpl
def register_jobs() -> list[Any]:
    from core.jobs import JobSpec

    return [
        JobSpec(
            "core.import_cleanup",
            purge_pending_job,
            cron="20 * * * *",
            description="delete import batches left unconfirmed for a day",
        )
    ]
