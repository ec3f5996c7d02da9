"""When a periodic job is due: the slot is the latest scheduled instant at or before now.

Every scheduler (the in-process one in each web worker, each SAQ worker) computes the same slot for the same
instant, so the slot is what they race to claim in ``job_run``. A scheduler that was down catches up with one run
(the latest slot), not one per missed slot.
"""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

from core.jobs.spec import JobSpec


def due_slot(spec: JobSpec, now: datetime) -> datetime | None:
    """The instant of the slot due at ``now`` (aware UTC), or None for a job that is only enqueued."""
    now = now.astimezone(UTC)
    if spec.every is not None:
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % spec.every, UTC)
    if spec.cron is not None:
        # croniter's get_prev is strictly before its start: start one second later so "exactly now" counts.
        start = now.replace(microsecond=0).timestamp() + 1
        return datetime.fromtimestamp(croniter(spec.cron, start).get_prev(float), UTC)
    return None


def slot_key(moment: datetime) -> str:
    """The slot as stored in ``job_run.slot``: ISO 8601 UTC to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
