"""A test plugin with jobs: each run writes an audit row, so a test can count runs per slot and municipality."""

from __future__ import annotations

import os
from typing import Any

from core import AuditEntry, DomainEvent, JobSpec, hookimpl

RUNS: list[tuple[str, int | None, str]] = []


async def tick(job_ctx: Any) -> None:
    RUNS.append((job_ctx.key, job_ctx.tenant_id, job_ctx.slot))
    async with job_ctx.session() as session:
        data = {"slot": job_ctx.slot, "pid": os.getpid()}
        session.add(AuditEntry(action="jobstest.tick", target_type="slot", data=data))


async def export(job_ctx: Any) -> None:
    RUNS.append((job_ctx.key, job_ctx.tenant_id, job_ctx.slot))
    async with job_ctx.session() as session:
        data = {**job_ctx.payload, "pid": os.getpid()}
        session.add(AuditEntry(action="jobstest.export", target_type="export", data=data))


async def broken(job_ctx: Any) -> None:
    raise RuntimeError("this job always fails")


@hookimpl
def register_jobs() -> list[JobSpec]:
    return [
        JobSpec("jobstest.tick", tick, every=1),
        JobSpec("jobstest.export", export),
        JobSpec("jobstest.broken", broken, per_tenant=False, cron="* * * * *"),
    ]


@hookimpl
def on_event(event: DomainEvent) -> Any:
    """Phase events become audit rows, so a test can count how often each was delivered."""
    if event.name not in ("phase.opened", "phase.closed"):
        return None

    async def record(app: Any) -> None:
        async with app.db.session(event.tenant_id, write=True) as session:
            session.add(AuditEntry(action=event.name, target_type="phase", target_id=event.data["phase_id"]))

    return record
