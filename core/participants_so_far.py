"""How many people have taken part in each project so far, for the public project cards (home page, /projects).

"Taking part" is the one definition the representativeness page and the staff dashboard count
(``core.demographics.service.participation``: comments, reactions and what each method's ``participants`` hook
selects); the cards count the same rows with the dashboard's ``COUNT(DISTINCT user_id) ... GROUP BY project``
(``insights.per_project``), in one statement for every card on the page. The projects' phases are already loaded
with the projects, so the methods' selects cost no statement.

The figure changes with every participation, not with the municipality's settings, so it cannot be cached per
tenant version like ``core.tenant_cache``; each worker keeps it for ``TTL`` seconds per (municipality, set of
projects) instead: a busy home page costs one count per worker per minute, and "so far" may lag by as much.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.demographics import insights
from core.demographics import service as svc
from core.models import Phase, Project

TTL = 60.0  # seconds a worker reuses the counts of a page's projects
MAX_ENTRIES = 512  # per worker; the oldest are dropped beyond it (filters make many sets of projects)
STORE_ATTRIBUTE = "_participants_so_far"


def _store(app_state: Any) -> dict[tuple[int, tuple[int, ...]], tuple[float, dict[int, int]]]:
    store = app_state.__dict__.get(STORE_ATTRIBUTE)
    if store is None:
        store = app_state.__dict__[STORE_ATTRIBUTE] = {}
    return store


async def count_participants(session: Any, pm: Any, projects: Sequence[Project]) -> dict[int, int]:
    """{project id: distinct people who took part in any of its phases}; projects nobody took part in are left out.
    One statement, whatever the number of projects."""
    phases = [phase for project in projects for phase in project.phases]
    if not phases:
        return {}
    ids = select(Phase.id).where(Phase.project_id.in_([p.id for p in projects]))
    events = svc.participation(ids, svc.hook_selects(pm, phases))
    return dict(await insights.per_project(session, events))


async def participants_so_far(ctx: Any, projects: Sequence[Project]) -> dict[int, int]:
    """``count_participants`` for the request's municipality, from this worker's store when counted in the last
    ``TTL`` seconds."""
    if not projects or ctx.tenant is None:
        return {}
    store = _store(ctx.app)
    key = (ctx.tenant.id, tuple(sorted(p.id for p in projects)))
    now = time.monotonic()
    hit = store.get(key)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    counts = await count_participants(ctx.session, ctx.app.pm, projects)
    if len(store) >= MAX_ENTRIES:
        for old in sorted(store, key=lambda k: store[k][0])[: MAX_ENTRIES // 4]:
            del store[old]
    store[key] = (now, counts)
    return counts
