"""HTTP behaviour of the proposals method: the lifecycle end to end, every route for every role and state, the
threshold switching in the signing transaction, paper signatures, co-sponsors, jobs, retention and data hooks."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select

from core import AuditEntry, Notification, utcnow
from plugins.proposals import jobs, rules
from plugins.proposals.models import Cosponsor, Proposal, Signature, Transition


class World:
    """A tenant with a proposals phase, an author, a verified resident, a plain resident and an admin."""

    def __init__(self, factory: Any, client: Any, tenant: Any) -> None:
        self.factory, self.client, self.tenant, self.db = factory, client, tenant, factory.db

    async def setup(self, **config: Any) -> World:
        self.project = await self.factory.project(self.tenant)
        self.phase = await self.factory.phase(self.project, "proposals", config=config)
        self.author = await self.factory.user(self.tenant, verified=True)
        self.verified = await self.factory.user(self.tenant, verified=True)
        self.resident = await self.factory.user(self.tenant)
        self.admin = await self.factory.user(self.tenant, role="admin")
        return self

    @property
    def base(self) -> str:
        return f"/p/{self.phase.id}/proposals"

    async def as_(self, user: Any) -> None:
        if user is None:
            self.client.cookies.clear()
        else:
            await self.factory.login(self.client, user)

    async def post(self, path: str, data: dict | None = None, *, htmx: bool = False) -> Any:
        if "csrftoken" not in self.client.cookies:
            await self.client.get("/")
        headers = {"x-csrftoken": self.client.cookies.get("csrftoken", "")}
        if htmx:
            headers["HX-Request"] = "true"
        return await self.client.post(self.base + path, data=data or {}, headers=headers, follow_redirects=False)

    async def get(self, path: str) -> Any:
        return await self.client.get(self.base + path, follow_redirects=False)

    async def proposal(
        self, state: str = rules.COLLECTING, *, threshold: int = 50, paper: int = 0, **fields: Any
    ) -> Proposal:
        now = utcnow()
        async with self.db.session(self.tenant.id, write=True) as session:
            p = Proposal(
                phase_id=self.phase.id,
                author_id=self.author.id,
                title=fields.pop("title", "Night buses"),
                body="Run night buses on weekends.",
                state=state,
                invite_token=secrets.token_urlsafe(32),
                threshold=threshold if state in rules.PUBLIC else None,
                paper_count=paper,
                published_at=now - timedelta(days=1) if state in rules.PUBLIC else None,
                deadline_at=fields.pop("deadline_at", now + timedelta(days=10)) if state in rules.PUBLIC else None,
                **fields,
            )
            session.add(p)
            await session.flush()
            session.add_all(Signature(proposal_id=p.id, identity_hash=f"seed-{i}", paper=True) for i in range(paper))
            return p

    async def reload(self, proposal: Proposal) -> Proposal:
        return await self.factory.reload(Proposal, proposal.id, self.tenant.id)

    async def count(self, model: type, *where: Any) -> int:
        return await self.factory.count(model, self.tenant.id, *where)


@pytest.fixture
async def world(factory: Any, client: Any, tenant: Any) -> World:
    return World(factory, client, tenant)


# --------------------------------------------------------------------------- the lifecycle end to end


async def test_lifecycle_from_draft_to_answer(world: World) -> None:
    await world.setup(threshold=2, prescreening=True, response_days=30)
    await world.as_(world.author)
    created = await world.post("/new", {"title": "Night buses to the outskirts", "body": "Every hour on weekends."})
    assert created.status_code == 303, created.text
    pid = int(created.headers["location"].split("/proposals/")[1].split("?")[0])
    assert (await world.get(f"/{pid}")).status_code == 200
    assert (await world.post(f"/{pid}/submit")).status_code == 303

    await world.as_(world.verified)
    assert (await world.get(f"/{pid}")).status_code == 404  # under screening: not public

    await world.as_(world.admin)
    assert (await world.post(f"/{pid}/screen", {"event": "publish"})).status_code == 303
    p = await world.factory.reload(Proposal, pid, world.tenant.id)
    assert p.state == rules.COLLECTING and p.threshold == 2 and p.deadline_at > utcnow()

    await world.as_(world.verified)
    signed = await world.post(f"/{pid}/sign", htmx=True)
    assert signed.status_code == 200 and "1 of 2 signatures" in signed.text
    await world.as_(world.author)
    assert (await world.post(f"/{pid}/sign")).status_code == 303
    p = await world.factory.reload(Proposal, pid, world.tenant.id)
    assert p.state == rules.REACHED and p.online_count == 2 and p.response_due_at is not None

    await world.as_(world.admin)
    answered = await world.post(
        f"/{pid}/answer", {"answer.en": "We will run them from May.", "link": "https://city.test/doc"}
    )
    assert answered.status_code == 303, answered.text
    page = await world.get(f"/{pid}")
    assert "We will run them from May." in page.text and "https://city.test/doc" in page.text
    events = [t.event for t in await _transitions(world, pid)]
    assert events == ["create", "submit", "publish", "reach", "answer"]
    # the author heard of every transition after creation (submit, publish, reach, answer) and nothing twice
    kinds = await _notification_kinds(world, world.author.id)
    assert sorted(k for k in kinds if k != "proposals.milestone") == sorted(
        ["proposals.submit", "proposals.publish", "proposals.reach", "proposals.answer"]
    )


async def _transitions(world: World, pid: int) -> list[Transition]:
    async with world.db.session(world.tenant.id) as session:
        rows = await session.scalars(select(Transition).where(Transition.proposal_id == pid).order_by(Transition.id))
        return list(rows.all())


async def _notification_kinds(world: World, user_id: int) -> list[str]:
    async with world.db.session(world.tenant.id) as session:
        return list((await session.scalars(select(Notification.kind).where(Notification.user_id == user_id))).all())


async def test_submission_without_prescreening_publishes_at_once(world: World) -> None:
    await world.setup(prescreening=False, threshold=10)
    p = await world.proposal(rules.DRAFT)
    await world.as_(world.author)
    assert (await world.post(f"/{p.id}/submit")).status_code == 303
    assert (await world.reload(p)).state == rules.COLLECTING


async def test_staff_reject_and_ask_changes_need_a_reason_shown_in_history(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.SUBMITTED)
    await world.as_(world.admin)
    assert (await world.post(f"/{p.id}/screen", {"event": "ask_changes"})).status_code == 400
    assert (await world.post(f"/{p.id}/screen", {"event": "ask_changes", "reason": "Say where."})).status_code == 303
    assert (await world.reload(p)).state == rules.CHANGES
    await world.as_(world.author)
    page = await world.get(f"/{p.id}")
    assert "Say where." in page.text
    assert (
        await world.post(f"/{p.id}/edit", {"title": "Night buses, north", "body": "Lines 4 and 7 at night."})
    ).status_code == 303
    assert (await world.post(f"/{p.id}/submit")).status_code == 303
    await world.as_(world.admin)
    assert (await world.post(f"/{p.id}/screen", {"event": "reject", "reason": "Not municipal."})).status_code == 303
    p = await world.reload(p)
    assert p.state == rules.REJECTED and p.reason == "Not municipal." and p.closed_at is not None


# --------------------------------------------------------------------------- route x role x state

ANON, RESIDENT, VERIFIED, AUTHOR, ADMIN = "anon", "resident", "verified", "author", "admin"


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (rules.DRAFT, {ANON: 404, RESIDENT: 404, VERIFIED: 404, AUTHOR: 200, ADMIN: 200}),
        (rules.SUBMITTED, {ANON: 404, RESIDENT: 404, VERIFIED: 404, AUTHOR: 200, ADMIN: 200}),
        (rules.REJECTED, {ANON: 404, RESIDENT: 404, VERIFIED: 404, AUTHOR: 200, ADMIN: 200}),
        (rules.COLLECTING, {ANON: 200, RESIDENT: 200, VERIFIED: 200, AUTHOR: 200, ADMIN: 200}),
        (rules.REACHED, {ANON: 200, RESIDENT: 200, VERIFIED: 200, AUTHOR: 200, ADMIN: 200}),
        (rules.EXPIRED, {ANON: 200, RESIDENT: 200, VERIFIED: 200, AUTHOR: 200, ADMIN: 200}),
        (rules.ANSWERED, {ANON: 200, RESIDENT: 200, VERIFIED: 200, AUTHOR: 200, ADMIN: 200}),
    ],
)
async def test_proposal_page_by_role_and_state(world: World, state: str, expected: dict[str, int]) -> None:
    await world.setup()
    p = await world.proposal(state)
    for role, status in expected.items():
        await world.as_(_user(world, role))
        assert (await world.get(f"/{p.id}")).status_code == status, (role, state)
        assert (await world.get(f"/{p.id}/count")).status_code == status, (role, state)
        listing = await world.get("/")
        assert listing.status_code == 200
        assert ("Night buses" in listing.text) == (state in rules.PUBLIC or role in (ADMIN, AUTHOR)), (role, state)


def _user(world: World, role: str) -> Any:
    return {ANON: None, RESIDENT: world.resident, VERIFIED: world.verified, AUTHOR: world.author, ADMIN: world.admin}[
        role
    ]


SIGN_MATRIX = [
    (rules.COLLECTING, {ANON: 401, RESIDENT: 403, VERIFIED: 303, AUTHOR: 303, ADMIN: 303}),
    (rules.REACHED, {ANON: 401, RESIDENT: 403, VERIFIED: 409, AUTHOR: 409, ADMIN: 409}),
    (rules.EXPIRED, {ANON: 401, RESIDENT: 403, VERIFIED: 409, AUTHOR: 409, ADMIN: 409}),
    (rules.ANSWERED, {ANON: 401, RESIDENT: 403, VERIFIED: 409, AUTHOR: 409, ADMIN: 409}),
    # a proposal that is not public is not found by those who may not see it, before any other answer
    (rules.DRAFT, {ANON: 404, RESIDENT: 404, VERIFIED: 404, AUTHOR: 409, ADMIN: 409}),
    (rules.SUBMITTED, {ANON: 404, RESIDENT: 404, VERIFIED: 404, AUTHOR: 409, ADMIN: 409}),
]


@pytest.mark.parametrize(("state", "expected"), SIGN_MATRIX)
async def test_sign_by_role_and_state(world: World, state: str, expected: dict[str, int]) -> None:
    await world.setup()
    p = await world.proposal(state)
    for role, status in expected.items():
        await world.as_(_user(world, role))
        response = await world.post(f"/{p.id}/sign")
        assert response.status_code == status, (role, state, response.text[:300])
    online = 3 if state == rules.COLLECTING else 0
    assert (await world.reload(p)).online_count == online == await world.count(Signature, Signature.paper.is_(False))


STAFF_ROUTES = [
    ("/{id}/screen", {"event": "publish"}, rules.SUBMITTED, 303),
    ("/{id}/screen", {"event": "publish"}, rules.DRAFT, 409),
    ("/{id}/screen", {"event": "reject", "reason": "No."}, rules.SUBMITTED, 303),
    ("/{id}/screen", {"event": "declare_ineligible", "reason": "Outside our powers."}, rules.REACHED, 303),
    ("/{id}/screen", {"event": "declare_ineligible", "reason": "Outside our powers."}, rules.ANSWERED, 409),
    ("/{id}/screen", {"event": "bogus"}, rules.SUBMITTED, 400),
    ("/{id}/answer", {"answer.en": "Yes."}, rules.REACHED, 303),
    ("/{id}/answer", {"answer.en": "Yes."}, rules.COLLECTING, 409),
    ("/{id}/answer", {"answer.en": "Yes.", "link": "javascript:alert(1)"}, rules.REACHED, 400),
    ("/{id}/paper", {"national_id": "X123"}, rules.COLLECTING, 303),
    ("/{id}/paper", {"national_id": "X123"}, rules.EXPIRED, 409),
    ("/{id}/paper", {"name": "Only a name"}, rules.COLLECTING, 400),
]


@pytest.mark.parametrize(("path", "data", "state", "admin_status"), STAFF_ROUTES)
async def test_staff_routes_by_role_and_state(
    world: World, path: str, data: dict, state: str, admin_status: int
) -> None:
    await world.setup()
    p = await world.proposal(state)
    route = path.format(id=p.id)
    for role, status in ((ANON, 401), (RESIDENT, 403), (VERIFIED, 403), (AUTHOR, 403), (ADMIN, admin_status)):
        await world.as_(_user(world, role))
        response = await world.post(route, data)
        assert response.status_code == status, (role, path, state, response.text[:300])
    if admin_status >= 400:
        assert (await world.reload(p)).state == state


async def test_staff_downloads(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.COLLECTING)
    await world.as_(world.verified)
    await world.post(f"/{p.id}/sign")
    for role, status in ((ANON, 303), (RESIDENT, 403), (AUTHOR, 403), (ADMIN, 200)):
        await world.as_(_user(world, role))
        signers = await world.get(f"/{p.id}/signers.csv")
        assert signers.status_code == status, role
        assert (await world.get("/export.csv")).status_code == status, role
        if role == ANON:  # a page for signed-in staff sends a visitor to sign in
            assert "login" in signers.headers["location"]
    assert world.verified.email in signers.text
    export = await world.get("/export.csv")
    assert "Night buses" in export.text and "collecting" in export.text


async def test_author_routes_by_role_and_state(world: World) -> None:
    await world.setup()
    draft = await world.proposal(rules.DRAFT)
    live = await world.proposal(rules.COLLECTING)
    for role, status in ((ANON, 404), (RESIDENT, 404), (VERIFIED, 404), (ADMIN, 403), (AUTHOR, 303)):
        await world.as_(_user(world, role))
        response = await world.post(f"/{draft.id}/edit", {"title": "Changed title", "body": "A longer description."})
        assert response.status_code == status, role
    await world.as_(world.author)
    assert (
        await world.post(f"/{live.id}/edit", {"title": "Changed title", "body": "A longer description."})
    ).status_code == 409
    assert (await world.post(f"/{live.id}/submit")).status_code == 409
    assert (await world.post(f"/{draft.id}/edit", {"title": "x", "body": "y"})).status_code == 422
    assert (await world.reload(draft)).title == "Changed title"


# --------------------------------------------------------------------------- threshold, milestones, withdrawal


async def test_the_signature_reaching_the_threshold_switches_the_state(world: World) -> None:
    await world.setup(threshold=3, response_days=10)
    p = await world.proposal(rules.COLLECTING, threshold=3, paper=2)
    await world.as_(world.verified)
    response = await world.post(f"/{p.id}/sign", htmx=True)
    assert response.status_code == 200
    p = await world.reload(p)
    assert p.state == rules.REACHED and p.total == 3 and p.reached_at is not None
    assert p.response_due_at == rules.response_due(p.reached_at, 10, world.tenant.timezone)
    assert await world.count(Transition, Transition.event == "reach") == 1
    # followers: the author (follows nothing here since seeded directly) gets the transition notification once
    assert (await _notification_kinds(world, world.author.id)).count("proposals.reach") == 1
    await world.as_(world.author)
    assert (await world.post(f"/{p.id}/sign")).status_code == 409  # signing closed after the threshold


async def test_signing_after_threshold_when_the_phase_allows_it(world: World) -> None:
    await world.setup(signing_after_threshold=True)
    p = await world.proposal(rules.REACHED, threshold=1, paper=1)
    await world.as_(world.verified)
    assert (await world.post(f"/{p.id}/sign")).status_code == 303
    p = await world.reload(p)
    assert p.state == rules.REACHED and p.total == 2


async def test_milestones_notify_author_and_followers_once(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.COLLECTING, threshold=6, paper=1)
    await world.as_(world.verified)
    assert (await world.post(f"/{p.id}/sign")).status_code == 303  # 2/6 = 33 percent
    await world.as_(world.resident)
    await world.as_(world.admin)
    assert (await world.post(f"/{p.id}/sign")).status_code == 303  # 3/6
    assert (await world.post(f"/{p.id}/paper", {"national_id": "AB1"})).status_code == 303  # 4/6 = 66 percent
    kinds = await _notification_kinds(world, world.author.id)
    assert kinds.count("proposals.milestone") == 2


async def test_withdrawal_until_the_threshold(world: World) -> None:
    await world.setup(withdrawal_allowed=True)
    p = await world.proposal(rules.COLLECTING, threshold=5)
    await world.as_(world.verified)
    assert (await world.post(f"/{p.id}/withdraw")).status_code == 409  # nothing to withdraw
    await world.post(f"/{p.id}/sign")
    response = await world.post(f"/{p.id}/withdraw", htmx=True)
    assert response.status_code == 200 and "withdrawn" in response.text
    assert (await world.reload(p)).online_count == 0 == await world.count(Signature)
    await world.post(f"/{p.id}/sign")
    reached = await world.proposal(rules.REACHED, threshold=1, title="Other")
    async with world.db.session(world.tenant.id, write=True) as session:
        session.add(Signature(proposal_id=reached.id, user_id=world.verified.id))
    assert (await world.post(f"/{reached.id}/withdraw")).status_code == 409


async def test_withdrawal_switched_off(world: World) -> None:
    await world.setup(withdrawal_allowed=False)
    p = await world.proposal(rules.COLLECTING)
    await world.as_(world.verified)
    await world.post(f"/{p.id}/sign")
    assert (await world.post(f"/{p.id}/withdraw")).status_code == 409
    assert (await world.reload(p)).online_count == 1


async def test_percent_threshold_snapshots_the_population(world: World) -> None:
    await world.setup(threshold_kind="percent", threshold_percent=1.5)
    p = await world.proposal(rules.SUBMITTED)
    await world.as_(world.admin)
    assert (await world.post(f"/{p.id}/screen", {"event": "publish"})).status_code == 409  # no population yet
    from core import Tenant

    async with world.db.session(unscoped=True, write=True) as session:
        (await session.get(Tenant, world.tenant.id)).population = 1001
    assert (await world.post(f"/{p.id}/screen", {"event": "publish"})).status_code == 303
    async with world.db.session(unscoped=True, write=True) as session:
        (await session.get(Tenant, world.tenant.id)).population = 99999
    p = await world.reload(p)
    assert (p.threshold, p.population_snapshot) == (16, 1001)
    page = await world.get(f"/{p.id}")
    assert "1,001" in page.text and "of 16 signatures" in page.text


# --------------------------------------------------------------------------- paper signatures


async def test_paper_signatures_are_deduplicated_by_keyed_hash(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.COLLECTING, threshold=10)
    await world.as_(world.admin)
    person = {"name": "Jöhn O'Brien", "birth_date": "1980-01-02", "address": "Main St. 1"}
    first = await world.post(f"/{p.id}/paper", person)
    assert first.headers["location"].endswith("done=paper")
    again = await world.post(
        f"/{p.id}/paper", {"name": "john obrien", "birth_date": "1980-01-02", "address": "main st 1"}
    )
    assert again.headers["location"].endswith("done=duplicate")
    await world.as_(world.verified)
    await world.post(f"/{p.id}/sign")
    p = await world.reload(p)
    assert (p.online_count, p.paper_count, p.total) == (1, 1, 2)
    async with world.db.session(world.tenant.id) as session:
        hashes = list((await session.scalars(select(Signature.identity_hash))).all())
        audit_text = str([(a.action, a.data) for a in (await session.scalars(select(AuditEntry))).all()])
    assert all(h is None or len(h) == 64 for h in hashes)
    assert "brien" not in str(hashes).lower() and "brien" not in audit_text.lower()
    page = await world.get(f"/{p.id}")
    assert "Online: 1" in page.text and "on paper: 1" in page.text


# --------------------------------------------------------------------------- co-sponsors


async def test_cosponsors_must_accept_before_submission(world: World) -> None:
    await world.setup(min_cosponsors=1)
    p = await world.proposal(rules.DRAFT)
    await world.as_(world.author)
    assert (await world.post(f"/{p.id}/submit")).status_code == 409
    await world.as_(world.verified)
    assert (await world.get(f"/{p.id}/cosponsor?token=wrong")).status_code == 404
    assert (await world.get(f"/{p.id}/cosponsor?token={p.invite_token}")).status_code == 200
    assert (await world.post(f"/{p.id}/cosponsor", {"token": p.invite_token})).status_code == 303
    assert (await world.post(f"/{p.id}/cosponsor", {"token": p.invite_token})).status_code == 409
    assert (await world.get(f"/{p.id}")).status_code == 200  # a co-sponsor sees the draft
    await world.as_(world.author)
    assert (await world.post(f"/{p.id}/cosponsor", {"token": p.invite_token})).status_code == 409
    assert (await world.post(f"/{p.id}/submit")).status_code == 303
    assert await world.count(Cosponsor) == 1
    # the co-sponsor hears of the submission
    assert "proposals.submit" in await _notification_kinds(world, world.verified.id)


# --------------------------------------------------------------------------- jobs


async def test_expiry_job_expires_once(world: World, app: Any) -> None:
    await world.setup()
    due = await world.proposal(rules.COLLECTING, deadline_at=utcnow() - timedelta(minutes=1))
    fresh = await world.proposal(rules.COLLECTING, title="Fresh")
    async with world.db.session(world.tenant.id, write=True) as session:
        first, _ = await jobs.expire_due(session, utcnow())
    async with world.db.session(world.tenant.id, write=True) as session:
        second, _ = await jobs.expire_due(session, utcnow())
    assert (first, second) == ([due.id], [])
    assert (await world.reload(due)).state == rules.EXPIRED
    assert (await world.reload(fresh)).state == rules.COLLECTING
    assert await world.count(Transition, Transition.event == "expire") == 1
    assert (await _notification_kinds(world, world.author.id)).count("proposals.expire") == 1


async def test_expiry_job_racing_runners_transition_once(world: World, app: Any) -> None:
    """Two runners at the same instant (on PostgreSQL they really run concurrently): one transition."""
    import asyncio

    await world.setup()
    due = await world.proposal(rules.COLLECTING, deadline_at=utcnow() - timedelta(minutes=1))
    now = utcnow()

    async def run() -> list[int]:
        async with world.db.session(world.tenant.id, write=True) as session:
            ids, _ = await jobs.expire_due(session, now)
            return ids

    results = await asyncio.gather(run(), run())
    assert sorted(results, key=len) == [[], [due.id]]
    assert await world.count(Transition, Transition.event == "expire") == 1
    assert (await _notification_kinds(world, world.author.id)).count("proposals.expire") == 1


async def test_retention_purges_signers_and_keeps_counts(world: World) -> None:
    await world.setup(retention_days=30)
    old = await world.proposal(rules.EXPIRED, closed_at=utcnow() - timedelta(days=31), paper=2)
    recent = await world.proposal(rules.EXPIRED, closed_at=utcnow() - timedelta(days=29), title="Recent")
    async with world.db.session(world.tenant.id, write=True) as session:
        session.add(Signature(proposal_id=old.id, user_id=world.verified.id))
        session.add(Signature(proposal_id=recent.id, user_id=world.verified.id))
        (await session.get(Proposal, old.id)).online_count = 1
    async with world.db.session(world.tenant.id, write=True) as session:
        assert await jobs.purge_due(session, utcnow()) == [old.id]
    async with world.db.session(world.tenant.id, write=True) as session:
        assert await jobs.purge_due(session, utcnow()) == []
    old = await world.reload(old)
    assert old.purged_at is not None and old.retention_report["signatures_anonymised"] == 3 and old.total == 3
    assert await world.count(Signature, Signature.user_id.is_not(None)) == 1  # the recent one only
    await world.as_(world.admin)
    assert "3 signatures anonymised" in (await world.get(f"/{old.id}")).text


# --------------------------------------------------------------------------- data hooks and hand-over


async def test_forgotten_signer_still_counts(world: World, app: Any) -> None:
    from plugins.proposals import services

    await world.setup()
    p = await world.proposal(rules.COLLECTING)
    await world.as_(world.verified)
    await world.post(f"/{p.id}/sign")
    async with world.db.session(world.tenant.id, write=True) as session:
        data = await services.user_data(session, world.verified)
        assert data["proposal_signatures"][0]["proposal_id"] == p.id
        await services.forget_user(session, world.verified)
    assert await world.count(Signature, Signature.user_id.is_(None)) == 1
    assert (await world.reload(p)).online_count == 1


async def test_phase_outputs_are_proposals_that_reached_the_threshold(world: World, app: Any) -> None:
    from core import phase_outputs

    await world.setup()
    reached = await world.proposal(rules.REACHED, title="Reached one", reached_at=utcnow())
    await world.proposal(rules.COLLECTING, title="Still collecting")
    async with world.db.session(world.tenant.id) as session:
        outputs = await phase_outputs(app.state.townhall if hasattr(app, "state") else app, session, world.phase)
    assert [o.key for o in outputs] == [f"proposal:{reached.id}"]
    assert outputs[0].title == {"en": "Reached one"}


async def test_pages_are_translated(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.COLLECTING, threshold=50, paper=3)
    page = await world.client.get(f"/nl{world.base}/{p.id}")
    assert page.status_code == 200
    assert "3 van 50 handtekeningen" in page.text and "Geschiedenis" in page.text
    listing = await world.client.get(f"/ar{world.base}/")
    assert "مقترحات المواطنين" in listing.text


async def test_xlsx_downloads_for_staff(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.COLLECTING)
    await world.as_(world.admin)
    for path in ("/export.xlsx", f"/{p.id}/signers.xlsx"):
        response = await world.get(path)
        assert response.status_code == 200 and response.content[:2] == b"PK", path
    await world.as_(world.resident)
    assert (await world.get("/export.xlsx")).status_code == 403


async def test_invitation_by_email_reaches_only_an_existing_resident(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.DRAFT)
    await world.as_(world.resident)
    assert (await world.post(f"/{p.id}/invite", {"email": world.verified.email})).status_code == 404
    await world.as_(world.author)
    same = []
    for email in (world.verified.email.upper(), "nobody@example.org"):
        response = await world.post(f"/{p.id}/invite", {"email": email})
        assert response.status_code == 303
        same.append(response.headers["location"])
    assert same[0] == same[1]  # the answer does not tell whether the address has an account
    assert (await world.post(f"/{p.id}/invite", {"email": "not an address"})).status_code == 400
    async with world.db.session(world.tenant.id) as session:
        rows = list((await session.scalars(select(Notification).where(Notification.kind == "proposals.invite"))).all())
    assert [(n.user_id, n.url) for n in rows] == [
        (world.verified.id, f"/p/{world.phase.id}/proposals/{p.id}/cosponsor?token={p.invite_token}")
    ]


async def test_online_identity_matches_paper_signatures(world: World) -> None:
    await world.setup(signer_identity=True)
    p = await world.proposal(rules.COLLECTING, threshold=10)
    await world.as_(world.admin)
    await world.post(f"/{p.id}/paper", {"national_id": "NL-123"})
    await world.as_(world.verified)
    page = await world.get(f"/{p.id}")
    assert 'name="national_id"' in page.text  # the signing form asks for the identity
    assert (await world.post(f"/{p.id}/sign")).status_code == 400  # identity missing
    assert (await world.post(f"/{p.id}/sign", {"national_id": "nl 123"})).status_code == 409  # signed on paper
    assert (
        await world.post(f"/{p.id}/sign", {"name": "Vera V", "birth_date": "1990-02-03", "address": "Elm 1"})
    ).status_code == 303
    p = await world.reload(p)
    assert (p.online_count, p.paper_count) == (1, 1)
    await world.as_(world.admin)
    person = {"name": "vera v", "birth_date": "1990-02-03", "address": "ELM 1"}
    assert (await world.post(f"/{p.id}/paper", person)).headers["location"].endswith("done=duplicate")


async def test_phase_retention_hook_purges_signers_and_keeps_counts(world: World, app: Any) -> None:
    from plugins.proposals.jobs import retention_for

    await world.setup()
    p = await world.proposal(rules.EXPIRED, paper=2)
    async with world.db.session(world.tenant.id, write=True) as session:
        session.add(Signature(proposal_id=p.id, user_id=world.verified.id))
    async with world.db.session(world.tenant.id, write=True) as session:
        result = await retention_for(world.phase)(session)
    assert result.anonymised == {"Proposal signatures": 3}
    assert await world.count(Signature, Signature.user_id.is_not(None)) == 0
    assert await world.count(Signature) == 3 and (await world.reload(p)).total == 2  # rows and counters kept


async def test_signing_limited_to_an_area(world: World) -> None:
    from core import Area, User

    await world.setup()
    async with world.db.session(world.tenant.id, write=True) as session:
        north = Area(name={"en": "North"}, position=0)
        session.add(north)
        await session.flush()
        (await session.get(User, world.author.id)).area_id = north.id
    async with world.db.session(world.tenant.id, write=True) as session:
        from core import Phase

        (await session.get(Phase, world.phase.id)).permissions = {
            "proposals.sign": {"level": "verified", "areas": [north.id]}
        }
    p = await world.proposal(rules.COLLECTING)
    await world.as_(world.verified)
    refused = await world.post(f"/{p.id}/sign")
    assert refused.status_code == 403 and "selected areas" in refused.text
    await world.as_(world.author)
    assert (await world.post(f"/{p.id}/sign")).status_code == 303


async def test_answer_countdown_then_overdue(world: World) -> None:
    await world.setup()
    due = await world.proposal(rules.REACHED, reached_at=utcnow(), response_due_at=utcnow() + timedelta(days=5))
    late = await world.proposal(
        rules.REACHED, title="Late", reached_at=utcnow(), response_due_at=utcnow() - timedelta(hours=1)
    )
    page = await world.get(f"/{due.id}")
    assert "The council must answer within 5 days" in page.text and "Answer overdue" not in page.text
    assert "Answer overdue" in (await world.get(f"/{late.id}")).text


async def test_browse_filters_and_sorts(world: World) -> None:
    from core import Topic

    await world.setup()
    async with world.db.session(world.tenant.id, write=True) as session:
        topic = Topic(name={"en": "Mobility"}, position=0)
        session.add(topic)
        await session.flush()
    now = utcnow()
    await world.proposal(rules.COLLECTING, title="Alpha", threshold=100, paper=10, deadline_at=now + timedelta(days=30))
    await world.proposal(
        rules.COLLECTING, title="Bravo", threshold=20, paper=18, deadline_at=now + timedelta(days=2), topic_id=topic.id
    )
    await world.proposal(rules.EXPIRED, title="Charlie", threshold=50, paper=40)

    def order(text: str) -> list[str]:
        found = [(text.find(t), t) for t in ("Alpha", "Bravo", "Charlie") if t in text]
        return [t for _i, t in sorted(found)]

    assert order((await world.get("/?sort=signed")).text) == ["Charlie", "Bravo", "Alpha"]
    assert order((await world.get("/?sort=closest")).text) == ["Bravo", "Alpha", "Charlie"]
    assert order((await world.get("/?sort=ending")).text) == ["Bravo", "Alpha", "Charlie"]
    assert order((await world.get("/?state=expired")).text) == ["Charlie"]
    assert order((await world.get(f"/?topic={topic.id}")).text) == ["Bravo"]
    fragment = await world.client.get(world.base + "/?sort=signed", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and order(fragment.text) == ["Charlie", "Bravo", "Alpha"]
    assert (await world.get("/?sort=bogus&topic=x&state=nope")).status_code == 200


def heading_levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]


async def test_the_list_never_skips_a_heading_level(world: World) -> None:
    """The list (with the author's drafts) sits under the browse page's h1 and under the phase page's h2 panel; the
    same fragment replaces it after filtering in either (axe's heading-order rule: one level deeper at most)."""
    await world.setup()
    await world.proposal(rules.COLLECTING, title="Alpha")
    await world.proposal(rules.DRAFT, title="Draft")
    await world.as_(world.author)
    pages = {
        "browse": (await world.get("/")).text,
        "phase page": (await world.client.get(f"/projects/{world.project.slug}/phases/{world.phase.id}")).text,
    }
    for name, html in pages.items():
        assert "Your proposals in preparation" in html and "Alpha" in html, name
        levels = heading_levels(html)
        assert levels and all(b <= a + 1 for a, b in pairwise(levels)), (name, levels)


async def test_core_follow_and_comments_on_a_proposal(world: World) -> None:
    await world.setup()
    p = await world.proposal(rules.COLLECTING, threshold=2, paper=1)
    draft = await world.proposal(rules.DRAFT, title="Draft")
    headers_path = f"/items/proposals.proposal/{p.id}"
    await world.as_(world.resident)
    await world.client.get("/")
    csrf = {"x-csrftoken": world.client.cookies.get("csrftoken", "")}
    followed = await world.client.post(f"{headers_path}/follow", data={"follow": "1"}, headers=csrf)
    assert followed.status_code in (200, 303)
    commented = await world.client.post(f"{headers_path}/comments", data={"body": "I support this."}, headers=csrf)
    assert commented.status_code in (200, 303)
    assert "I support this." in (await world.get(f"/{p.id}")).text
    # a draft takes no part: 404 for the core's routes
    assert (
        await world.client.post(f"/items/proposals.proposal/{draft.id}/follow", data={"follow": "1"}, headers=csrf)
    ).status_code == 404
    await world.as_(world.verified)
    assert (await world.post(f"/{p.id}/sign")).status_code == 303  # reaches the threshold of 2
    assert "proposals.reach" in await _notification_kinds(world, world.resident.id)


async def test_demo_seed_has_one_at_49_of_50_one_expired_one_answered(world: World, app: Any) -> None:
    from plugins.proposals import demo

    await world.setup()
    async with world.db.session(world.tenant.id, write=True) as session:
        await demo.seed(session, world.phase)
    async with world.db.session(world.tenant.id) as session:
        rows = (await session.scalars(select(Proposal).order_by(Proposal.id))).all()
        counts = {p.state: (p.total, p.threshold) for p in rows}
        signatures = await session.scalar(select(func.count()).select_from(Signature))
    assert counts == {rules.COLLECTING: (49, 50), rules.EXPIRED: (12, 50), rules.ANSWERED: (55, 50)}
    assert signatures == 49 + 12 + 55
    await world.as_(world.verified)
    assert (await world.post(f"/{rows[0].id}/sign")).status_code == 303  # the next signature reaches it
    assert (await world.reload(rows[0])).state == rules.REACHED


# --------------------------------------------------------------------------- the public JSON API


async def test_public_api_lists_public_proposals_only(world: World) -> None:
    await world.setup()
    collecting = await world.proposal(paper=3, title="Night buses")
    await world.proposal(rules.DRAFT, title="Secret draft")
    await world.proposal(rules.COLLECTING, title="Hidden one", hidden=True)
    answered = await world.proposal(rules.ANSWERED, title="Answered", answer={"en": "We will do it."})
    await world.as_(None)
    body = (await world.client.get(f"/api/v1/phases/{world.phase.id}")).json()
    data = body["data"]
    assert data["kind"] == "proposal" and data["summary"] == {"proposals": 2}
    assert [p["id"] for p in data["items"]] == [collecting.id, answered.id]
    first, second = data["items"]
    assert first["signatures"] == {"online": 0, "paper": 3, "total": 3} and first["threshold"] == 50
    assert second["answer"] == "We will do it." and second["state"]["key"] == rules.ANSWERED
    assert "Secret draft" not in str(body) and "Hidden one" not in str(body)
    assert not {"author", "author_id", "invite_token"} & set(first)
