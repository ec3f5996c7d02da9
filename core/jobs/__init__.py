"""Scheduled and background work, exactly once: periodic and one-off jobs declared by plugins (``register_jobs``).

- ``spec``: ``JobSpec`` (key, ``run(job_ctx)``, every N seconds or a cron string, per municipality or global) and
  ``JobContext`` (app state, municipality, a scoped session, event dispatch);
- ``schedule``: which slot is due; ``ledger``: the claims in ``job_run``; ``runner``: running what is due;
- ``inprocess``: the embedded default scheduler; ``saq_runner``: the SAQ worker and enqueuer (``TOWNHALL_JOBS=saq``);
- ``enqueue``: one-off jobs; ``core_jobs``: the core's own jobs (phase opened/closed events, data retention).
"""

from core.jobs.enqueue import enqueue
from core.jobs.spec import JobContext, JobSpec, JobSpecError

__all__ = ["JobContext", "JobSpec", "JobSpecError", "enqueue", "runtime_for"]


def runtime_for(state: object) -> object:
    """The job runtime a web worker starts with its lifespan, chosen by ``settings.jobs``."""
    from core.jobs.inprocess import InProcessScheduler, NoScheduler

    mode = state.settings.jobs  # type: ignore[attr-defined]
    if mode == "inprocess":
        return InProcessScheduler(state, state.settings.jobs_tick_seconds)  # type: ignore[attr-defined]
    if mode == "saq":
        from core.jobs.saq_runner import SaqEnqueuer

        return SaqEnqueuer(state)
    return NoScheduler()
