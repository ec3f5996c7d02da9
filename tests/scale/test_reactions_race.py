"""Issue 7 on a real deployment shape: one resident's like / dislike / unlike clicks on one comment race over two
uvicorn workers on PostgreSQL (the core's participation primitives, used by ideation).

50 clicks fired at once over connections spread across both workers: no 5xx, at most one reaction row for the
person (one per person per item is a UNIQUE constraint), and the count the idea page shows equals the rows.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from tests.scale.conftest import WORKERS, Pinned, Seed, Server, csrf_header, on_every_worker

pytestmark = pytest.mark.redis

CLICKS = 50


async def seed_comment(seed: Seed) -> tuple[int, int, int]:
    """A running ideation phase with one idea and one comment on it: (phase id, idea id, comment id)."""
    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import Comment, Phase, Project
    from core.settings import normalise_database_url
    from plugins.ideation.models import Idea

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            slug = f"clicks-{uuid.uuid4().hex[:6]}"  # a rerun seeds its own project
            project = Project(slug=slug, title={"en": "Clicks"}, description={"en": "x"}, status="published")
            session.add(project)
            await session.flush()
            now = utcnow()
            phase = Phase(
                project_id=project.id,
                title={"en": "ideas"},
                description={},
                method="ideation",
                config={},
                permissions={},
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=7),
            )
            session.add(phase)
            await session.flush()
            idea = Idea(phase_id=phase.id, author_id=seed.users[0]["id"], title="A bench", body="By the river")
            session.add(idea)
            await session.flush()
            comment = Comment(
                item_kind="ideation.idea", item_id=idea.id, phase_id=phase.id, author_id=seed.users[0]["id"], body="Yes"
            )
            session.add(comment)
            await session.flush()
            return phase.id, idea.id, comment.id
    finally:
        await db.dispose()


async def reaction_rows(seed: Seed, comment_id: int) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from core.db.engine import Database
    from core.models import Reaction
    from core.settings import normalise_database_url

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id) as session:
            rows = await session.execute(
                select(Reaction.user_id, Reaction.kind).where(
                    Reaction.item_kind == "core.comment", Reaction.item_id == comment_id
                )
            )
            return [tuple(r) for r in rows]
    finally:
        await db.dispose()


async def test_like_unlike_dislike_clicks_over_both_workers(redis_server: Server, scale_db: Seed) -> None:
    phase_id, idea_id, comment_id = await seed_comment(scale_db)
    user = scale_db.users[1]
    path = f"/items/core.comment/{comment_id}/react"
    async with AsyncExitStack() as stack:

        async def ready(p: Pinned) -> tuple[Pinned, dict[str, str]]:
            return p, await csrf_header(p)

        clients = await on_every_worker(redis_server.base, CLICKS // WORKERS, ready, stack, token=user["token"])
        pids = {await p.refresh() for p, _ in clients}
        kinds = ["like", "none", "dislike", "like", "none"]
        responses = await asyncio.gather(
            *(p.client.post(path, data={"kind": kinds[i % len(kinds)]}, headers=h) for i, (p, h) in enumerate(clients))
        )
        page = await clients[0][0].client.get(f"/p/{phase_id}/ideation/ideas/{idea_id}")
    assert len(pids) == WORKERS
    statuses = [r.status_code for r in responses]
    assert all(code < 500 for code in statuses), statuses
    assert any(code in (200, 303) for code in statuses), statuses
    rows = await reaction_rows(scale_db, comment_id)
    assert len(rows) <= 1 and all(uid == user["id"] for uid, _ in rows), rows
    likes = sum(1 for _, kind in rows if kind == "like")
    assert page.status_code == 200
    shown = re.search(rf'id="like-comment-{comment_id}-reactions".*?class="count">(\d+)<', page.text, flags=re.S)
    assert shown is not None and int(shown.group(1)) == likes, (likes, page.text[:200])
