"""What a job is (``JobSpec``) and what it gets when it runs (``JobContext``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from croniter import croniter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.specs import DomainEvent

# ``<owner>.<name>``: the owner is a plugin key or ``core``; the name says what the job does.
JOB_KEY = re.compile(r"^[a-z][a-z0-9]{1,39}\.[a-z][a-z0-9_]{0,79}$")


class JobSpecError(ValueError):
    pass


@dataclass(frozen=True)
class JobSpec:
    """A job a plugin declares through ``register_jobs``.

    ``every`` (seconds) or ``cron`` (a croniter string, UTC, optionally with a sixth seconds field) make it periodic;
    with neither it only runs when ``enqueue``d. ``per_tenant`` runs it once per municipality and slot (its
    ``JobContext.tenant_id`` is set); otherwise once per slot for the whole deployment.
    """

    key: str
    run: Callable[[JobContext], Awaitable[Any]]
    every: int | None = None
    cron: str | None = None
    per_tenant: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if not JOB_KEY.match(self.key):
            raise JobSpecError(f"job key {self.key!r} must look like <owner>.<name> ({JOB_KEY.pattern})")
        if self.every is not None and self.cron is not None:
            raise JobSpecError(f"job {self.key}: give `every` or `cron`, not both")
        if self.every is not None and self.every < 1:
            raise JobSpecError(f"job {self.key}: `every` is a number of seconds >= 1")
        if self.cron is not None and not croniter.is_valid(self.cron):
            raise JobSpecError(f"job {self.key}: invalid cron string {self.cron!r}")

    @property
    def periodic(self) -> bool:
        return self.every is not None or self.cron is not None


@dataclass
class JobContext:
    """One run of a job: the app state, the municipality it works for (None = global), its slot and payload."""

    state: Any
    key: str
    tenant_id: int | None
    slot: str
    scheduled_for: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @asynccontextmanager
    async def session(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session scoped to the job's municipality (unscoped for a global job); commits when the block ends."""
        if self.tenant_id is None:
            async with self.state.db.session(unscoped=True, write=write) as session:
                yield session
        else:
            async with self.state.db.session(self.tenant_id, write=write) as session:
                yield session

    async def dispatch(self, events: list[DomainEvent]) -> None:
        """Tell every plugin's ``on_event``; call it after the transaction that made the events true committed."""
        await self.state.dispatch_events(events)
