"""Paper ballots imported from CSV/XLSX through the core's import: the typed-in rules, per-row errors, nothing
written before confirmation, one confirmation only, counted with the paper ballots."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from core.models import AuditEntry
from plugins.budgeting.models import Ballot

from .web_support import setup_phase, voter


def _url(s) -> str:
    return f"/p/{s.phase.id}/import/budgeting.paper"


async def _upload(client, headers, s, name: str, data: bytes, source: str = "Paper ballots, town hall") -> str:
    response = await client.post(
        _url(s), data={"source": source}, files={"file": (name, data, "text/csv")}, headers=headers,
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def test_csv_rows_are_checked_like_typed_ballots_and_imported_once(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, show_results_before_end=True)  # knapsack, budget 10000
    await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    csv_text = (
        "Ballot number,Chosen options\n"
        "B1,Option 4\n"  # valid (by title)
        f"B2,{s.options[0].id}\n"  # valid (by id)
        "B3,Option 9\n"  # unknown option
        'B4,"Option 1; Option 2; Option 3; Option 4"\n'  # over budget
        "B1,Option 2\n"  # same number twice in the file
    )
    preview_url = await _upload(client, headers, s, "ballots.csv", csv_text.encode("utf-8"))
    preview = await client.get(preview_url)
    assert preview.status_code == 200
    assert "2 of 5 rows can be imported" in preview.text
    assert "Unknown option “Option 9”." in preview.text
    assert "Your choices cost more than the budget." in preview.text
    assert "This ballot number appears twice in the file." in preview.text
    assert 'id="import-row-4"' in preview.text
    assert await factory.count(Ballot, tenant.id) == 0  # nothing before confirmation
    confirm = await client.post(preview_url, data={}, headers=headers, follow_redirects=False)
    assert confirm.status_code == 303
    again = await client.post(preview_url, data={}, headers=headers, follow_redirects=False)
    assert again.status_code == 409
    async with factory.db.session(tenant.id) as session:
        ballots = (await session.scalars(select(Ballot).order_by(Ballot.id))).all()
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "import.confirmed"))).all()
    assert [(b.reference, b.source, b.option_ids) for b in ballots] == [
        ("B1", "paper", [s.options[3].id]),
        ("B2", "paper", [s.options[0].id]),
    ]
    assert all(b.extra == {"offline_source": "Paper ballots, town hall"} for b in ballots)
    assert len(audit) == 1 and audit[0].data["imported"] == 2 and audit[0].data["skipped"] == 3
    summary = await client.get(preview_url)
    assert "Imported: 2 paper ballots." in summary.text
    results = await client.get(f"{s.base}/results")
    assert "Paper (entered by staff): 2" in results.text
    # A later file may not enter a number again: the stored ballots count as already entered.
    second = await _upload(client, headers, s, "more.csv", b"Ballot number;Chosen options\nB2;Option 3\n")
    assert "A paper ballot with this number has already been entered." in (await client.get(second)).text


async def test_xlsx_cumulative_points_and_arabic_errors(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="cumulative", points=4)
    await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    book = Workbook()
    sheet = book.active
    sheet.append(["Reference", "Options", "Points"])
    sheet.append([17, "Option 1; Option 3", "2;2"])
    sheet.append([18, "Option 2", "9"])  # more points than the ballot has
    sheet.append([19, "Option 1; Option 2", "3"])  # one number for two options
    buf = io.BytesIO()
    book.save(buf)
    preview_url = await _upload(client, headers, s, "ballots.xlsx", buf.getvalue())
    preview = await client.get(preview_url)
    assert "1 of 3 rows can be imported" in preview.text
    arabic = await client.get(f"/ar{preview_url}")
    assert arabic.status_code == 200
    assert 'dir="rtl"' in arabic.text
    assert "You have 4 points to spread, no more." in preview.text
    assert "لديك 4 نقاط لتوزيعها، لا أكثر." in arabic.text  # the ballot rule's own message, in Arabic
    assert "يمكن استيراد 1 من أصل 3 صفوف." in arabic.text  # and the core's page around it
    await client.post(preview_url, data={}, headers=headers, follow_redirects=False)
    async with factory.db.session(tenant.id) as session:
        ballots = (await session.scalars(select(Ballot))).all()
    assert [(b.reference, b.option_ids, b.points) for b in ballots] == [
        ("17", [s.options[0].id, s.options[2].id], [2, 2])
    ]


async def test_only_staff_of_a_budgeting_phase_may_import(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant)
    anonymous = await client.get(_url(s), follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    await voter(factory, client, tenant)
    assert (await client.get(_url(s))).status_code == 403
    await voter(factory, client, tenant, role="admin")
    assert (await client.get(_url(s))).status_code == 200
    assert (await client.get(f"/p/{s.phase.id}/import/ideation.ideas")).status_code == 404
    template = await client.get(f"{_url(s)}/template.csv")
    assert template.status_code == 200 and "Ballot number" in template.text


async def test_confirmation_checks_again_and_refuses_a_file_with_nothing_left(client, factory, tenant, csrf) -> None:
    """A number typed in on the paper ballot page after the preview is not imported twice; a file with no valid
    row left is refused (422), writes nothing and stays pending."""
    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    preview_url = await _upload(client, headers, s, "one.csv", b"Ballot number,Chosen options\nC1,Option 1\n")
    assert "1 of 1 rows can be imported" in (await client.get(preview_url)).text
    typed = await client.post(
        s.paper_url, data={"reference": "C1", "option": [str(s.options[1].id)]}, headers=headers,
        follow_redirects=False,
    )  # fmt: skip
    assert typed.status_code == 303
    refused = await client.post(preview_url, data={}, headers=headers, follow_redirects=False)
    assert refused.status_code == 422
    async with factory.db.session(tenant.id) as session:
        ballots = (await session.scalars(select(Ballot))).all()
    assert [(b.reference, b.option_ids) for b in ballots] == [("C1", [s.options[1].id])]
    assert "0 of 1 rows can be imported" in (await client.get(preview_url)).text  # still pending


async def test_ranked_ballots_take_the_options_order_or_explicit_ranks(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="ranked", rank_count=3)
    await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    csv_text = (
        "Ballot number,Chosen options,Points or ranks\n"
        'R1,"Option 2; Option 1",\n'  # order of the list
        'R2,"Option 2; Option 1; Option 3","3;1;2"\n'  # explicit ranks
        'R3,"Option 2; Option 1","1;1"\n'  # same rank twice
    )
    preview_url = await _upload(client, headers, s, "ranked.csv", csv_text.encode())
    preview = await client.get(preview_url)
    assert "2 of 3 rows can be imported" in preview.text and "Two options have the same rank." in preview.text
    await client.post(preview_url, data={}, headers=headers, follow_redirects=False)
    async with factory.db.session(tenant.id) as session:
        ballots = (await session.scalars(select(Ballot).order_by(Ballot.id))).all()
    o = [option.id for option in s.options]
    assert [(b.reference, b.option_ids) for b in ballots] == [("R1", [o[1], o[0]]), ("R2", [o[0], o[2], o[1]])]
