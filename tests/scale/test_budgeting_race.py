"""Issue 8 on a real deployment shape: one resident's cart edits and submits race over two uvicorn workers.

20 cart edits and 5 submits fired at once over connections spread across both workers (PostgreSQL, no in-process
client): no 5xx, exactly one ballot, no cart row left beside it, and the ballot holds exactly the edits that were
answered 303 (the ones that lost answer "already done", 403, and wrote nothing).
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from tests.scale.conftest import WORKERS, Pinned, Seed, Server, csrf_header, on_every_worker

pytestmark = pytest.mark.redis

OPTIONS = 21


async def seed_budget(seed: Seed) -> tuple[int, int, list[int]]:
    """A running approval-ballot phase with one budget of 21 cheap options: (phase id, budget id, option ids)."""
    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import Phase, Project
    from core.settings import normalise_database_url
    from plugins.budgeting.models import Budget, Option

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            project = Project(slug="race", title={"en": "Race"}, description={"en": "x"}, status="published")
            session.add(project)
            await session.flush()
            now = utcnow()
            phase = Phase(
                project_id=project.id,
                title={"en": "vote"},
                description={},
                method="budgeting",
                config={"ballot_type": "approval"},
                permissions={},
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=7),
            )
            session.add(phase)
            await session.flush()
            budget = Budget(phase_id=phase.id, name={"en": "City"}, amount=100000, rule="greedy")
            session.add(budget)
            await session.flush()
            options = [
                Option(phase_id=phase.id, budget_id=budget.id, code=str(i), title={"en": f"O{i}"}, cost=10, position=i)
                for i in range(OPTIONS)
            ]
            session.add_all(options)
            await session.flush()
            return phase.id, budget.id, [o.id for o in options]
    finally:
        await db.dispose()


async def stored(seed: Seed, user_id: int) -> tuple[list, list]:
    from sqlalchemy import select

    from core.db.engine import Database
    from core.settings import normalise_database_url
    from plugins.budgeting.models import Ballot, Cart

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id) as session:
            ballots = (await session.scalars(select(Ballot.option_ids).where(Ballot.user_id == user_id))).all()
            carts = (await session.scalars(select(Cart.items).where(Cart.user_id == user_id))).all()
            return list(ballots), list(carts)
    finally:
        await db.dispose()


async def test_cart_edits_racing_submits_over_both_workers(redis_server: Server, scale_db: Seed) -> None:
    phase_id, budget_id, option_ids = await seed_budget(scale_db)
    user = scale_db.users[2]
    base = f"/p/{phase_id}/budgeting/budgets/{budget_id}"
    kept, removable, addable = option_ids[0], option_ids[1:10], option_ids[10:21]
    async with AsyncExitStack() as stack:

        async def ready(p: Pinned) -> tuple[Pinned, dict[str, str]]:
            return p, await csrf_header(p)

        clients = await on_every_worker(redis_server.base, 13, ready, stack, token=user["token"])
        first, first_headers = clients[0]
        for option in [kept, *removable]:
            response = await first.client.post(
                f"{base}/cart", data={"action": "add", "option_id": str(option)}, headers=first_headers
            )
            assert response.status_code == 303, response.text
        edits = [(o, "remove") for o in removable] + [(o, "add") for o in addable]
        pids = {await p.refresh() for p, _ in clients}
        calls = []
        for index, (p, headers) in enumerate(clients[: len(edits) + 5]):
            if index % 5 == 2:
                calls.append(("submit", None, p.client.post(f"{base}/submit", headers=headers)))
            else:
                option, action = edits.pop(0)
                form = {"action": action, "option_id": str(option)}
                calls.append((action, option, p.client.post(f"{base}/cart", data=form, headers=headers)))
        responses = await asyncio.gather(*(call for _kind, _option, call in calls))
    assert len(pids) == WORKERS
    statuses = [r.status_code for r in responses]
    assert all(code < 500 for code in statuses), statuses
    outcome = list(zip(calls, responses, strict=True))
    assert [r.status_code for (kind, _o, _c), r in outcome if kind == "submit"] == [303] * 5
    assert {r.status_code for (kind, _o, _c), r in outcome if kind != "submit"} <= {303, 403}, statuses
    won = {option for (kind, option, _c), r in outcome if kind != "submit" and r.status_code == 303}
    expected = {kept} | {o for o in removable if o not in won} | {o for o in addable if o in won}
    ballots, carts = await stored(scale_db, user["id"])
    assert len(ballots) == 1 and carts == [], (ballots, carts)
    assert sorted(ballots[0]) == sorted(expected)
