"""One ballot per person per budget, whatever the timing: parallel submits and parallel cart edits.

On SQLite, writes serialise at BEGIN IMMEDIATE; on PostgreSQL (TOWNHALL_TEST_DATABASE_URL) the same tests race real
transactions, and the UNIQUE constraint plus the cart row lock keep the counts exact.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from plugins.budgeting.models import Ballot, Cart

from .web_support import cart, refused_edit, setup_phase, submit, voter


async def test_parallel_submits_of_one_voter_store_exactly_one_ballot(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    responses = await asyncio.gather(*(submit(client, s, headers) for _ in range(12)))
    assert [r.status_code for r in responses] == [303] * 12
    assert {r.headers["location"] for r in responses} == {f"{s.ballot_url}/ballot"}
    assert await factory.count(Ballot, tenant.id) == 1
    assert await factory.count(Cart, tenant.id) == 0


async def test_parallel_cart_edits_keep_the_cart_within_budget(client, factory, tenant, csrf) -> None:
    costs = tuple([1000] * 12)
    s = await setup_phase(factory, tenant, amount=5000, costs=costs)
    user = await voter(factory, client, tenant)
    headers = await csrf(client)
    responses = await asyncio.gather(*(cart(client, s, headers, "add", option) for option in s.options))
    accepted = [r for r in responses if r.status_code == 303 and not refused_edit(r)]
    refused = [r for r in responses if refused_edit(r)]
    assert len(accepted) == 5 and len(refused) == 7
    async with factory.db.session(tenant.id) as session:
        carts = (await session.scalars(select(Cart).where(Cart.user_id == user.id))).all()
    assert len(carts) == 1
    assert len(carts[0].items) == 5 and len({i[0] for i in carts[0].items}) == 5


async def test_parallel_adds_and_removes_end_consistent(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="approval", costs=tuple([10] * 6), amount=1000)
    user = await voter(factory, client, tenant)
    headers = await csrf(client)
    for option in s.options[:3]:
        await cart(client, s, headers, "add", option)
    edits = [cart(client, s, headers, "remove", o) for o in s.options[:3]]
    edits += [cart(client, s, headers, "add", o) for o in s.options[3:]]
    results = await asyncio.gather(*edits)
    assert all(r.status_code == 303 for r in results)
    async with factory.db.session(tenant.id) as session:
        (the_cart,) = (await session.scalars(select(Cart).where(Cart.user_id == user.id))).all()
    assert sorted(i[0] for i in the_cart.items) == sorted(o.id for o in s.options[3:])


async def test_many_voters_in_parallel_each_get_one_ballot(app, client, factory, tenant) -> None:
    import httpx

    s = await setup_phase(factory, tenant)
    clients = []
    for _ in range(8):
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://city.test")
        await voter(factory, c, tenant)
        await c.get("/")
        clients.append(c)
    try:
        heads = [{"x-csrftoken": c.cookies["csrftoken"]} for c in clients]
        await asyncio.gather(*(cart(c, s, h, "add", s.options[0]) for c, h in zip(clients, heads, strict=True)))
        rounds = [submit(c, s, h) for c, h in zip(clients, heads, strict=True) for _ in range(3)]
        assert all(r.status_code == 303 for r in await asyncio.gather(*rounds))
    finally:
        for c in clients:
            await c.aclose()
    async with factory.db.session(tenant.id) as session:
        users = (await session.scalars(select(Ballot.user_id))).all()
    assert len(users) == 8 and len(set(users)) == 8


async def test_cart_edits_racing_submits_leave_one_ballot_and_no_cart(app, factory, tenant) -> None:
    """Issue 8: 20 edits and 5 submits of one voter at once (a client on the test's own loop, so the requests really
    overlap). No 5xx; the edits that won (303) are exactly the ones in the ballot, the ones that lost answer "already
    done" (403) and wrote nothing; no cart row is left beside the ballot."""
    import httpx

    s = await setup_phase(factory, tenant, ballot_type="approval", costs=tuple([10] * 21), amount=10000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://city.test") as client:
        user = await voter(factory, client, tenant)
        await client.get("/")
        headers = {"x-csrftoken": client.cookies["csrftoken"]}
        kept, removable, addable = s.options[0], s.options[1:10], s.options[10:21]
        for option in [kept, *removable]:
            assert (await cart(client, s, headers, "add", option)).status_code == 303
        edits = [(o, "remove") for o in removable] + [(o, "add") for o in addable]
        calls = [cart(client, s, headers, action, o) for o, action in edits]
        for slot in (2, 6, 10, 14, 18):
            calls.insert(slot, submit(client, s, headers))
        responses = await asyncio.gather(*calls)
    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
    submits = [r for r in responses if r.request.url.path == s.submit_url]
    edited = [r for r in responses if r.request.url.path == s.cart_url]
    assert [r.status_code for r in submits] == [303] * 5
    assert {r.status_code for r in edited} <= {303, 403}
    assert all("You have already done this." in r.text for r in edited if r.status_code == 403)
    won = {o.id for (o, _action), r in zip(edits, edited, strict=True) if r.status_code == 303 and not refused_edit(r)}
    expected = {kept.id} | {o.id for o in removable if o.id not in won} | {o.id for o in addable if o.id in won}
    async with factory.db.session(tenant.id) as session:
        ballots = (await session.scalars(select(Ballot).where(Ballot.user_id == user.id))).all()
        carts = (await session.scalars(select(Cart).where(Cart.user_id == user.id))).all()
    assert len(ballots) == 1 and carts == []
    assert set(ballots[0].option_ids) == expected and len(ballots[0].option_ids) == len(expected)


async def test_cart_row_that_keeps_vanishing_answers_try_again(client, factory, tenant, csrf, monkeypatch) -> None:
    """If the cart row vanishes under every locked read (and no ballot explains it), the voter is asked to retry:
    a 422 in their language, nothing written, never an assertion error."""
    from plugins.budgeting import services

    async def vanished(*_args, **_kwargs) -> None:
        return None

    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    monkeypatch.setattr(services, "lock_cart", vanished)
    response = await cart(client, s, headers, "add", s.options[0])
    assert response.status_code == 422
    assert "Your selection changed at the same moment. Please try again." in response.text
    assert await factory.count(Cart, tenant.id) == 0
