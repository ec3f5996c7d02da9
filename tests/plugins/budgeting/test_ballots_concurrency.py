"""One ballot per person per budget, whatever the timing: parallel submits and parallel cart edits.

On SQLite, writes serialise at BEGIN IMMEDIATE; on PostgreSQL (TOWNHALL_TEST_DATABASE_URL) the same tests race real
transactions, and the UNIQUE constraint plus the cart row lock keep the counts exact.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from plugins.budgeting.models import Ballot, Cart

from .web_support import cart, setup_phase, submit, voter


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
    accepted = [r for r in responses if r.status_code == 303]
    refused = [r for r in responses if r.status_code == 422]
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
