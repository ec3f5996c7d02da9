"""Everything one running app owns, built by create_app and reachable as ``app.state.townhall``."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any

import jinja2

from core.db.engine import Database
from core.i18n import Catalogs
from core.mail import Mailer
from core.plugins import Registry
from core.ratelimits import RateLimit
from core.realtime import Realtime
from core.settings import Settings
from core.specs import DomainEvent

log = logging.getLogger("townhall.events")


@dataclass
class AppState:
    settings: Settings
    db: Database
    registry: Registry
    catalogs: Catalogs
    templates: jinja2.Environment
    mailer: Mailer
    realtime: Realtime | None = None  # core/realtime.py: channels for server-sent events
    jobs: Any = None  # core/jobs: the runtime started with the app (in-process scheduler, SAQ enqueuer or none)
    rate_limits: dict[str, RateLimit] = field(default_factory=dict)  # operators' overrides, read at start

    @property
    def pm(self) -> Any:
        return self.registry.pm

    async def dispatch_events(self, events: list[DomainEvent]) -> None:
        """Tell every plugin; a failing handler is logged and never undoes the committed change."""
        for event in events:
            for result in self.pm.hook.on_event(event=event):
                try:
                    if callable(result):
                        result = result(self)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    log.exception("event handler failed for %s", event.name)
