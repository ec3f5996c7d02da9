"""Paper signature sheets through the core's import: identities hashed at check time, duplicates refused against
online and paper signatures and within the file, the threshold rule applied, the uploaded cells dropped."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from core.models import ImportBatch
from plugins.proposals import rules
from plugins.proposals.identity import identity_hash, identity_key
from plugins.proposals.models import Proposal, Signature, Transition
from tests.test_proposals_http import World


async def _upload(world: World, name: str, data: bytes, media: str = "text/csv") -> str:
    if "csrftoken" not in world.client.cookies:
        await world.client.get("/")
    headers = {"x-csrftoken": world.client.cookies.get("csrftoken", "")}
    response = await world.client.post(
        f"/p/{world.phase.id}/import/proposals.paper",
        data={"source": "Market stall, 3 May"},
        files={"file": (name, data, media)},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def test_sheet_is_deduplicated_hashed_and_reaches_the_threshold(factory, client, tenant, app) -> None:
    world = await World(factory, client, tenant).setup()
    p = await world.proposal(rules.COLLECTING, threshold=3)
    closed = await world.proposal(rules.EXPIRED, title="Closed")
    secret = app.state.townhall.settings.secret_key if hasattr(app, "state") else app.settings.secret_key
    async with world.db.session(tenant.id, write=True) as session:  # an online signer who gave a national id
        session.add(
            Signature(
                proposal_id=p.id,
                user_id=world.verified.id,
                identity_hash=identity_hash(secret, identity_key(national_id="NL-999")),
            )
        )
        (await session.get(Proposal, p.id)).online_count = 1
    await world.as_(world.admin)
    csv_text = (
        "Proposal number,National id,Full name,Date of birth,Address\n"
        f"{p.id},,Ann Smith,1970-05-01,Elm Road 2\n"  # valid
        f"{p.id},,ann  SMITH,1970-05-01,elm road 2\n"  # the same person again in the file
        f"{p.id},nl999,,,\n"  # already signed online with this national id
        f"{p.id},,Bob Jones,01/02/1980,Oak St 1\n"  # bad date
        f"{closed.id},X1,,,\n"  # not collecting
        f"{p.id},,Only A Name,,\n"  # identity incomplete
        f"{p.id},B-22,,,\n"  # valid
    )
    preview_url = await _upload(world, "sheet.csv", csv_text.encode())
    preview = await client.get(preview_url)
    assert preview.status_code == 200
    assert "2 of 7 rows can be imported" in preview.text
    assert "This person has already signed this proposal." in preview.text
    assert "Give the date of birth as YYYY-MM-DD." in preview.text
    assert "No proposal with this number is collecting signatures." in preview.text
    assert await world.count(Signature, Signature.paper.is_(True)) == 0
    headers = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    assert (await client.post(preview_url, data={}, headers=headers, follow_redirects=False)).status_code == 303
    assert (await client.post(preview_url, data={}, headers=headers, follow_redirects=False)).status_code == 409
    p = await world.reload(p)
    assert (p.online_count, p.paper_count, p.state) == (1, 2, rules.REACHED)
    assert await world.count(Transition, Transition.event == "reach") == 1
    async with world.db.session(tenant.id) as session:
        batch = (await session.scalars(select(ImportBatch))).one()
        stored = list((await session.scalars(select(Signature.identity_hash).where(Signature.paper.is_(True)))).all())
    assert batch.rows == [] and batch.imported == 2  # the clear identities are gone with the cells
    assert all(len(h) == 64 for h in stored) and "smith" not in str(stored).lower()


async def test_xlsx_sheet_in_dutch(factory, client, tenant) -> None:
    world = await World(factory, client, tenant).setup()
    p = await world.proposal(rules.COLLECTING, threshold=10)
    await world.as_(world.admin)
    book = Workbook()
    sheet = book.active
    sheet.append(["Voorstel", "National id"])
    sheet.append([p.id, "A1"])
    sheet.append([p.id, "A1"])
    data = io.BytesIO()
    book.save(data)
    preview_url = await _upload(
        world, "sheet.xlsx", data.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    preview = await client.get("/nl" + preview_url)
    assert "Deze persoon heeft dit voorstel al ondertekend." in preview.text
