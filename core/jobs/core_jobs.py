"""The core's own jobs, registered like any plugin's (``register_jobs``)."""

from __future__ import annotations

from datetime import timedelta

from core import throttle
from core.db.base import utcnow
from core.hookspecs import hookimpl
from core.jobs import ledger
from core.jobs.phase_events import announce_phases
from core.jobs.retention import run_retention
from core.jobs.spec import JobContext, JobSpec

KEEP_RUNS = timedelta(days=14)


async def prune_runs(job_ctx: JobContext) -> int:
    """The ledger keeps two weeks of finished runs (for looking into failures), not one row per slot forever."""
    return await ledger.prune(job_ctx.state.db, utcnow() - KEEP_RUNS)


async def prune_rate_limits(job_ctx: JobContext) -> int:
    """Counted attempts of buckets nobody touches again (core.throttle prunes a bucket only when it is used)."""
    async with job_ctx.session() as session:
        return await throttle.prune(session)


@hookimpl
def register_jobs() -> list[JobSpec]:
    return [
        JobSpec("core.phase_events", announce_phases, every=30, description="phase.opened / phase.closed events"),
        JobSpec("core.retention", run_retention, cron="30 2 * * *", description="per-phase data retention"),
        JobSpec("core.prune_runs", prune_runs, cron="0 3 * * *", per_tenant=False, description="forget old job runs"),
        JobSpec(
            "core.prune_rate_limits",
            prune_rate_limits,
            cron="15 * * * *",
            per_tenant=False,
            description="forget counted attempts older than any rate-limit window",
        ),
    ]
