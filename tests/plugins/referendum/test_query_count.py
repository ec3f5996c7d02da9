"""The public results of an ended referendum (its phase page, once counted) cost a fixed number of SQL statements:
2 questions and 5 ballots or 6 questions (yes/no, single, multiple and ranked choice) and 50 ballots, for a visitor
and for a signed-in resident on the roll; the count itself runs once, at the close, and is not repeated per page."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.db.base import utcnow
from core.testing.statements import assert_constant_within, page_statements
from plugins.referendum import rules
from plugins.referendum.models import Ballot, Box, Question, RollEntry

# Statements per results page (issue 16 asked for at most 6 and 8): a ceiling, so a new query per page is noticed.
# Anonymous: BEGIN, the tenant by host, the project by slug, its phases, the box (its stored results), the
# questions. Signed in adds the person by session cookie and the moderator check; their roll entry comes with the
# box (services.box_and_entry).
ANONYMOUS_CEILING = 6
SIGNED_IN_CEILING = 8
CHOICES = [{"en": "North"}, {"en": "South"}, {"en": "East"}]


def _question(i: int, phase_id: int) -> Question:
    kind = ("yesno", "single", "multiple", "ranked")[i % 4]
    choices = [] if kind == "yesno" else CHOICES
    return Question(phase_id=phase_id, position=i, kind=kind, title={"en": f"Question number {i:02d}"},
                    choices=choices, max_choices=3 if kind == "multiple" else 1)  # fmt: skip


def _answer(q: Question, n: int) -> Any:
    if n % 7 == 0:
        return rules.BLANK
    return {"yesno": "yes" if n % 3 else "no", "single": n % 3, "multiple": sorted({n % 3, (n + 1) % 3}),
            "ranked": [n % 3, (n + 1) % 3]}[q.kind]  # fmt: skip


async def _ended_referendum_with(factory: Any, tenant: Any, questions: int, ballots: int, voter: Any) -> Any:
    """An ended referendum whose roll (``ballots`` people and ``voter``) all voted online, not yet counted."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "referendum", state="ended")
    async with factory.db.session(tenant.id, write=True) as session:
        qs = [_question(i, phase.id) for i in range(questions)]
        session.add_all(qs)
        session.add(Box(phase_id=phase.id, roll_size=ballots + 1, frozen_at=utcnow() - timedelta(days=10)))
        await session.flush()
        for n in range(ballots + 1):
            session.add(
                RollEntry(phase_id=phase.id, user_id=voter.id if n == ballots else None, code=f"C{n:05d}",
                          voted=True, voted_on=(utcnow() - timedelta(days=8)).date(), channel="online")
            )  # fmt: skip
            receipt = secrets.token_hex(8)
            choices = {str(q.id): _answer(q, n) for q in qs}
            session.add(Ballot(id=secrets.token_hex(16), phase_id=phase.id, receipt_hash=rules.receipt_hash(receipt),
                               choices=choices))  # fmt: skip
    return project, phase


async def test_the_results_cost_the_same_statements_for_5_and_50_ballots(
    app: Any, factory: Any, tenant: Any, client: Any
) -> None:
    voter = await factory.user(tenant, verified=True)
    small = await _ended_referendum_with(factory, tenant, 2, 5, voter)
    large = await _ended_referendum_with(factory, tenant, 6, 50, voter)
    counts = {}
    for who in ("anonymous", "signed in"):
        if who == "signed in":
            await factory.login(client, voter)
        pages = []
        for (project, phase), last in ((small, "Question number 01"), (large, "Question number 05")):
            path = f"/projects/{project.slug}/phases/{phase.id}"
            seen = await page_statements(app, client, path, "Chain head of the published ballot box")
            assert last in (await client.get(path)).text
            assert not any("referendum_ballot" in statement for statement in seen), seen  # counted once, stored
            pages.append(seen)
        counts[who] = tuple(len(p) for p in pages)
    assert_constant_within(counts, ANONYMOUS_CEILING, SIGNED_IN_CEILING)
    async with factory.db.session(tenant.id) as session:
        boxes = {b.phase_id: b for b in (await session.scalars(select(Box))).all()}
    assert boxes[small[1].id].results["ballots"] == 6 and boxes[large[1].id].results["ballots"] == 51
    assert boxes[large[1].id].results["turnout"] == 51
