"""What one ballot submit asks the database of the budgeting tables (benchmarks/ballot_burst.py measures submits).

A submit reads the budget with the voter's ballot and the budget's options (one statement), claims the voter's cart
by deleting it (``DELETE … RETURNING``, whose row lock serialises the voter's parallel submits) and inserts the
ballot (``ON CONFLICT DO NOTHING`` on the one-ballot-per-person constraint): three statements on budgeting tables,
no savepoint. A repeat answers from the first statement. The core's own statements
(tenant, session, phase, rate limits) are counted by the core's tests.
"""

from __future__ import annotations

from sqlalchemy import select

from core.testing.statements import counting
from plugins.budgeting.models import Ballot, Cart

from .web_support import cart, setup_phase, submit, voter


async def test_a_submit_costs_three_budgeting_statements_and_a_repeat_one(app, client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="knapsack")
    user = await voter(factory, client, tenant, verified=True)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    with counting(app.state.townhall.db.engine) as seen:
        first = await submit(client, s, headers)
        first_count = len(seen)
        repeat = await submit(client, s, headers)
    statements = [" ".join(statement.split()) for statement in seen]
    assert first.status_code == 303 and repeat.status_code == 303
    assert first.headers["location"] == repeat.headers["location"]
    budgeting = [st for st in statements[:first_count] if "budgeting_" in st]
    assert [st.split(" ")[0] for st in budgeting] == ["SELECT", "DELETE", "INSERT"], budgeting
    assert "LEFT OUTER JOIN budgeting_ballot" in budgeting[0] and "budgeting_option" in budgeting[0]
    assert "RETURNING" in budgeting[1]
    assert "ON CONFLICT" in budgeting[2]
    assert not any("SAVEPOINT" in st for st in statements)
    again = [st for st in statements[first_count:] if "budgeting_" in st]
    assert len(again) == 1 and "LEFT OUTER JOIN budgeting_ballot" in again[0]
    async with factory.db.session(tenant.id) as session:
        ballots = list((await session.scalars(select(Ballot).where(Ballot.user_id == user.id))).all())
        carts = list((await session.scalars(select(Cart).where(Cart.user_id == user.id))).all())
    assert len(ballots) == 1 and ballots[0].option_ids == [s.options[0].id] and carts == []


async def test_a_conflicting_insert_answers_with_the_stored_ballot(factory, tenant) -> None:
    """Another worker's ballot for the same voter, stored while this submit held the cart: no 2nd row, no error."""
    from plugins.budgeting import services
    from plugins.budgeting.spec import BudgetingConfig

    s = await setup_phase(factory, tenant, ballot_type="knapsack")
    user = await factory.user(tenant, verified=True)
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Cart(budget_id=s.budget.id, user_id=user.id, items=[[s.options[0].id, 1]]))
        session.add(
            Ballot(budget_id=s.budget.id, user_id=user.id, source="online", option_ids=[s.options[1].id], receipt="x1")
        )
    async with factory.db.session(tenant.id, write=True) as session:
        budget = await session.get(type(s.budget), s.budget.id)
        options = {o.id: o for o in await services.options_of(session, budget.id)}
        result = await services.submit_ballot(session, BudgetingConfig(), budget, options, user)
    assert result.created is False
    assert result.ballot.option_ids == [s.options[1].id]
    async with factory.db.session(tenant.id) as session:
        assert len((await session.scalars(select(Ballot).where(Ballot.user_id == user.id))).all()) == 1


async def test_a_refused_submit_keeps_the_cart_and_shows_it(client, factory, tenant, csrf) -> None:
    """The claim deleted the cart in the refused submit's transaction: the 422 rolls it back, and the page that says
    why shows the cart as it was (from the claimed items, not a re-read of the deleted row)."""
    s = await setup_phase(factory, tenant, ballot_type="knapsack", min_spend_percent=90)
    user = await voter(factory, client, tenant, verified=True)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    refused = await submit(client, s, headers)
    assert refused.status_code == 422
    assert s.options[0].title["en"] in refused.text
    async with factory.db.session(tenant.id) as session:
        carts = list((await session.scalars(select(Cart).where(Cart.user_id == user.id))).all())
        ballots = list((await session.scalars(select(Ballot).where(Ballot.user_id == user.id))).all())
    assert [c.items for c in carts] == [[[s.options[0].id, 1]]] and ballots == []
