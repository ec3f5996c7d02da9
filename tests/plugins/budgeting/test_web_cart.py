"""The resident's ballot over HTTP, for every ballot type: cart, live progress bar, review, submit, confirmation."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.testing import HTMX_HEADERS
from plugins.budgeting.models import Ballot, Cart

from .web_support import cart, setup_phase, submit, voter


async def _ballots(factory, tenant) -> list[Ballot]:
    async with factory.db.session(tenant.id) as session:
        return list((await session.scalars(select(Ballot).order_by(Ballot.id))).all())


async def test_knapsack_flow_with_htmx_progress_bar_and_no_fit_message(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, amount=10000, costs=(3000, 4000, 5000, 6000))
    user = await voter(factory, client, tenant)
    headers = await csrf(client)
    page = await client.get(s.ballot_url)
    assert page.status_code == 200
    assert "<progress" in page.text and 'value="0"' in page.text
    assert "style=" not in page.text

    first = await cart(client, s, headers | HTMX_HEADERS, "add", s.options[0])
    assert first.status_code == 200
    assert 'id="ballot-panel"' in first.text and "<html" not in first.text  # a fragment, swapped in place
    assert re.search(r'<progress[^>]*max="10000"[^>]*value="3000"', first.text)
    second = await cart(client, s, headers | HTMX_HEADERS, "add", s.options[2])
    assert re.search(r'value="8000"', second.text)

    refused = await cart(client, s, headers | HTMX_HEADERS, "add", s.options[1])  # 4000 > 2000 left
    assert refused.status_code == 422
    assert "only" in refused.text and "left" in refused.text and 'role="alert"' in refused.text
    assert "style=" not in refused.text

    removed = await cart(client, s, headers | HTMX_HEADERS, "remove", s.options[2])
    assert re.search(r'value="3000"', removed.text)
    await cart(client, s, headers | HTMX_HEADERS, "add", s.options[1])

    review = await client.get(f"{s.ballot_url}/review")
    assert review.status_code == 200
    assert "Option 1" in review.text and "Option 2" in review.text and "Submit my ballot" in review.text
    assert re.search(r"<tfoot>\s*<tr>\s*<th scope=\"row\">Total</th><td>€70</td>", review.text), "3000 + 4000 cents"

    done = await submit(client, s, headers)
    assert done.status_code == 303
    assert done.headers["location"] == f"{s.ballot_url}/ballot"
    confirmation = await client.get(done.headers["location"])
    receipt = re.search(r'<code class="receipt">([0-9a-f]+)</code>', confirmation.text).group(1)
    assert "tells nobody else who you are" in confirmation.text and "What happens next" in confirmation.text
    assert f'href="/projects/{s.project.slug}">See the whole project</a>' in confirmation.text

    again = await submit(client, s, headers)  # a double click or a retry after a timeout
    assert again.status_code == 303 and again.headers["location"] == done.headers["location"]
    assert (
        re.search(r'<code class="receipt">([0-9a-f]+)</code>', (await client.get(f"{s.ballot_url}/ballot")).text).group(
            1
        )
        == receipt
    )

    ballots = await _ballots(factory, tenant)
    assert len(ballots) == 1
    assert ballots[0].user_id == user.id and ballots[0].source == "online"
    assert ballots[0].option_ids == [s.options[0].id, s.options[1].id]
    assert await factory.count(Cart, tenant.id) == 0


async def test_without_javascript_every_step_is_a_form_post_and_redirect(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, amount=10000)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    added = await cart(client, s, headers, "add", s.options[0])
    assert added.status_code == 303 and added.headers["location"] == s.ballot_url
    refused = await cart(client, s, headers, "add", s.options[3])
    assert refused.status_code == 200 or refused.status_code == 303
    page = await client.get(s.ballot_url)
    assert "<!DOCTYPE html>" in page.text and re.search(r'value="(3000|9000)"', page.text)


async def test_knapsack_minimum_spend_blocks_submit_with_a_reason(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, amount=10000, min_spend_percent=50)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])  # 3000 < 5000
    review = await client.get(f"{s.ballot_url}/review")
    assert "Spend at least" in review.text and "Submit my ballot" not in review.text
    refused = await submit(client, s, headers)
    assert refused.status_code == 422 and "Spend at least" in refused.text
    assert await factory.count(Ballot, tenant.id) == 0
    await cart(client, s, headers, "add", s.options[1])
    assert (await submit(client, s, headers)).status_code == 303
    assert await factory.count(Ballot, tenant.id) == 1


async def test_approval_limits(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="approval", min_choices=2, max_choices=3)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    refused = await submit(client, s, headers)
    assert refused.status_code == 422 and "Choose at least 2 options" in refused.text
    for option in s.options[1:3]:
        assert (await cart(client, s, headers, "add", option)).status_code == 303
    too_many = await cart(client, s, headers | HTMX_HEADERS, "add", s.options[3])
    assert too_many.status_code == 422 and "at most 3" in too_many.text
    assert (await submit(client, s, headers)).status_code == 303
    (ballot,) = await _ballots(factory, tenant)
    assert ballot.option_ids == [o.id for o in s.options[:3]] and ballot.points is None


async def test_cumulative_points(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="cumulative", points=5, max_points_per_option=3)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    assert (await cart(client, s, headers, "points", s.options[0], points=3)).status_code == 303
    over_cap = await cart(client, s, headers | HTMX_HEADERS, "points", s.options[1], points=4)
    assert over_cap.status_code == 422 and "At most 3 points per option" in over_cap.text
    over_total = await cart(client, s, headers | HTMX_HEADERS, "points", s.options[1], points=3)
    assert over_total.status_code == 422 and "Only 2 of your points" in over_total.text
    ok = await cart(client, s, headers | HTMX_HEADERS, "add", s.options[1])  # +1 point
    assert ok.status_code == 200 and re.search(r'<progress[^>]*max="5"[^>]*value="4"', ok.text)
    assert (await submit(client, s, headers)).status_code == 303
    (ballot,) = await _ballots(factory, tenant)
    assert ballot.option_ids == [s.options[0].id, s.options[1].id] and ballot.points == [3, 1]


async def test_choose_one_replaces_the_choice(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="choose-one")
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    await cart(client, s, headers, "add", s.options[2])
    assert (await submit(client, s, headers)).status_code == 303
    (ballot,) = await _ballots(factory, tenant)
    assert ballot.option_ids == [s.options[2].id]


async def test_ranked_order_can_be_changed(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="ranked", rank_count=3)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    for option in s.options[:3]:
        await cart(client, s, headers, "add", option)
    refused = await cart(client, s, headers | HTMX_HEADERS, "add", s.options[3])
    assert refused.status_code == 422 and "rank at most 3" in refused.text
    await cart(client, s, headers, "up", s.options[2])  # 1 3 2
    await cart(client, s, headers, "up", s.options[2])  # 3 1 2
    review = await client.get(f"{s.ballot_url}/review")
    assert review.text.index("Option 3") < review.text.index("Option 1") < review.text.index("Option 2")
    assert (await submit(client, s, headers)).status_code == 303
    (ballot,) = await _ballots(factory, tenant)
    assert ballot.option_ids == [s.options[2].id, s.options[0].id, s.options[1].id]


async def test_empty_ballot_cannot_be_submitted(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant)
    refused = await submit(client, s, await csrf(client))
    assert refused.status_code == 422 and "Choose at least one option" in refused.text
    assert await factory.count(Ballot, tenant.id) == 0


async def test_phase_page_shows_the_budgets_and_how_to_vote(client, factory, tenant) -> None:
    s = await setup_phase(factory, tenant)
    anonymous = await client.get(f"/projects/{s.project.slug}/phases/{s.phase.id}")
    assert anonymous.status_code == 200
    assert "City budget" in anonymous.text and "Sign in to take part." in anonymous.text
    await voter(factory, client, tenant)
    signed_in = await client.get(f"/projects/{s.project.slug}/phases/{s.phase.id}")
    assert f'href="{s.ballot_url}"' in signed_in.text


async def test_a_refused_edit_without_javascript_redirects_and_the_page_says_why(client, factory, tenant, csrf) -> None:
    """Post/redirect/get: a reload of the refusal does not post again, and the ballot page replays the edit on the
    cart as it is now (writing nothing) to say why — or says nothing once the edit has become possible."""
    from urllib.parse import parse_qs, urlsplit

    s = await setup_phase(factory, tenant, amount=10000, costs=(3000, 4000, 8000))
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    refused = await client.post(
        s.cart_url, data={"action": "add", "option_id": str(s.options[2].id)}, headers=headers, follow_redirects=False
    )
    assert refused.status_code == 303
    target = urlsplit(refused.headers["location"])
    assert target.path == s.ballot_url
    assert parse_qs(target.query) == {"refused": ["add"], "option_id": [str(s.options[2].id)]}
    page = await client.get(refused.headers["location"])
    assert page.status_code == 200
    assert re.search(r'role="alert">This option costs €80 but only €70 of your budget is left', page.text)
    async with factory.db.session(tenant.id) as session:
        carts = list((await session.scalars(select(Cart))).all())
    assert [[int(a) for a, _ in c.items] for c in carts] == [[s.options[0].id]], "the refusal wrote nothing"

    await cart(client, s, headers, "remove", s.options[0])  # now it fits: the same address says nothing
    assert 'role="alert"' not in (await client.get(refused.headers["location"])).text
    for junk in ("?refused=add&option_id=x", "?refused=explode&option_id=1", "?refused=points&option_id=1"):
        assert (await client.get(s.ballot_url + junk)).status_code == 200, junk
