"""The referendum's htmx paths: the polling station's roll search and marking in place, and checking a receipt in
place. Each HX request gets a fragment; the same URL without htmx still answers with the whole page (no-JS path)."""

from __future__ import annotations

from sqlalchemy import select

from plugins.referendum.models import Ballot, RollEntry
from tests.test_referendum_web import RECEIPT, ballot_form, make_referendum, question_ids, set_state, signed_in

HX = {"HX-Request": "true"}


async def test_roll_search_and_paper_mark_in_place(client, factory, tenant, csrf) -> None:
    _project, phase = await make_referendum(factory, tenant)
    await factory.user(tenant, verified=True, display_name="Paper Pieter")
    await factory.user(tenant, verified=True, display_name="Other Olga")
    await signed_in(factory, client, tenant, role="admin")
    base = f"/p/{phase.id}/referendum"

    page = await client.get(f"{base}/manage", params={"q": "pieter"})  # no JavaScript: the whole page
    assert page.status_code == 200 and "<html" in page.text and 'hx-get="' in page.text
    assert 'id="roll-results"' in page.text and "Paper Pieter" in page.text

    fragment = await client.get(f"{base}/manage", params={"q": "pieter"}, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="roll-results"' in fragment.text
    assert "Paper Pieter" in fragment.text and "Other Olga" not in fragment.text
    assert 'hx-post="' in fragment.text and 'name="q" value="pieter"' in fragment.text

    async with factory.db.session(tenant.id) as session:
        entry = await session.scalar(select(RollEntry).where(RollEntry.name == "Paper Pieter"))
    headers = await csrf(client) | HX
    marked = await client.post(f"{base}/paper/mark", data={"entry": entry.id, "q": "pieter"}, headers=headers)
    assert marked.status_code == 200 and "<html" not in marked.text
    assert "Marked as having voted." in marked.text and "has already voted" in marked.text
    again = await client.post(f"{base}/paper/mark", data={"entry": entry.id, "q": "pieter"}, headers=headers)
    assert again.status_code == 409 and "already voted" in again.text
    assert await factory.count(RollEntry, tenant.id, RollEntry.voted.is_(True)) == 1

    # the no-JS post still answers with the whole page
    async with factory.db.session(tenant.id) as session:
        other = await session.scalar(select(RollEntry).where(RollEntry.name == "Other Olga"))
    plain = await client.post(f"{base}/paper/mark", data={"entry": other.id}, headers=await csrf(client))
    assert plain.status_code == 200 and "<html" in plain.text and "Marked as having voted." in plain.text

    # residents get neither the page nor the fragment
    client.cookies.clear()
    await factory.login(client, await factory.user(tenant, verified=True))
    assert (await client.get(f"{base}/manage", params={"q": "o"}, headers=HX)).status_code == 403


async def test_checking_a_receipt_in_place_after_the_close(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant)
    qids = await question_ids(factory, tenant, phase)
    voter = await factory.user(tenant, verified=True)
    await factory.login(client, voter)
    await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    voted = await client.post(f"/p/{phase.id}/referendum/vote", data=ballot_form(qids, RECEIPT),
                              headers=await csrf(client))  # fmt: skip
    assert voted.status_code == 200
    check = f"/p/{phase.id}/referendum/check"
    embargo = await client.get(check, params={"receipt": RECEIPT}, headers=HX)  # before the close: no answer
    assert embargo.status_code == 200 and "Your ballot is in the published ballot box" not in embargo.text

    await set_state(factory, tenant, phase, "ended")
    page = await client.get(check)
    assert page.status_code == 200 and 'hx-target="#check-result"' in page.text and 'id="check-result"' in page.text
    found = await client.get(check, params={"receipt": RECEIPT.lower()}, headers=HX)
    assert found.status_code == 200 and "<html" not in found.text
    assert "Your ballot is in the published ballot box and was counted." in found.text
    missing = await client.get(check, params={"receipt": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, headers=HX)
    assert "No ballot with this receipt code" in missing.text and "<html" not in missing.text
    plain = await client.get(check, params={"receipt": RECEIPT})
    assert "<html" in plain.text and "was counted" in plain.text
    assert await factory.count(Ballot, tenant.id) == 1
