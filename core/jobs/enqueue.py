"""``enqueue``: ask for a one-off job (a large export, a reminder at a given time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.db.base import utcnow
from core.jobs import ledger
from core.jobs.spec import JobSpecError


async def enqueue(
    state: Any,
    key: str,
    run_at: datetime | None = None,
    *,
    tenant_id: int | None = None,
    slot: str | None = None,
    **payload: Any,
) -> int | None:
    """Store a run of job ``key`` for ``run_at`` (default now) and wake the runner; returns the run's id.

    ``payload`` must be JSON-serialisable; the job reads it as ``job_ctx.payload``. ``tenant_id`` scopes the job's
    session. Giving a ``slot`` (e.g. ``"phase:42:closing"``) makes the call idempotent: a second call with the same
    key, municipality and slot stores nothing and returns None.

    The run is stored in its own transaction, committed at once: from a request, enqueue from an ``on_event``
    handler (after the request's commit) so a refused or failed request never leaves a job behind.
    """
    if key not in state.registry.jobs:
        raise JobSpecError(f"no installed plugin declares the job {key!r}")
    when = run_at or utcnow()
    run_id = await ledger.add_pending(state.db, key, tenant_id, when, dict(payload), slot)
    if run_id is not None and state.jobs is not None:
        await state.jobs.kick(when)
    return run_id
