"""Offline import: preview with per-row errors, nothing stored before confirmation, one confirmation only."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from plugins.ideation.models import Idea, IdeaTopic


async def _staff(ideation, factory, tenant):
    phase = await ideation.phase()
    topics, areas = await ideation.taxonomy()
    await ideation.login(await factory.user(tenant, role="admin"))
    return phase, topics, areas


CSV = (
    "Titel;Beschrijving;Thema;Wijk\n"
    "Benches by the pond;Somewhere to rest;Green;North\n"
    ";No title here;Green;North\n"
    "Night buses;Later buses on weekends;Unknown topic;South\n"
    "Bike racks;More racks at the station;Mobility, Green;\n"
)


async def test_csv_preview_then_confirm(ideation, factory, tenant, client) -> None:
    phase, _topics, _areas = await _staff(ideation, factory, tenant)
    base = f"/p/{phase.id}/ideation"
    url = f"/p/{phase.id}/import/ideation.ideas"
    upload = await ideation.post(
        url,
        {"source": "Town meeting, 12 May"},
        files={"file": ("ideas.csv", CSV.encode("utf-8"), "text/csv")},
    )
    assert upload.status_code == 303, upload.text
    preview_url = upload.headers["location"]
    preview = await client.get(preview_url)
    assert preview.status_code == 200
    assert "2 of 4 rows can be imported" in preview.text
    assert 'id="import-row-3"' in preview.text and "The title is missing." in preview.text
    assert "Unknown topic “Unknown topic”." in preview.text
    assert await factory.count(Idea, tenant.id) == 0  # nothing before confirmation
    confirm = await ideation.post(preview_url, {"map_title": "0", "map_body": "1", "map_topics": "2", "map_area": "3"})
    assert confirm.status_code == 303
    async with factory.db.session(tenant.id) as session:
        ideas = (await session.scalars(select(Idea).order_by(Idea.id))).all()
        links = (await session.execute(select(IdeaTopic.idea_id, IdeaTopic.topic_id))).all()
    assert [i.title for i in ideas] == ["Benches by the pond", "Bike racks"]
    assert all(i.offline and i.offline_source == "Town meeting, 12 May" and i.author_id is None for i in ideas)
    assert len(links) == 3
    again = await ideation.post(preview_url, {"map_title": "0"})
    assert again.status_code == 409
    assert await factory.count(Idea, tenant.id) == 2
    listing = await client.get(base)
    assert "Collected offline" in listing.text


async def test_xlsx_import_and_mapping_change(ideation, factory, tenant, client) -> None:
    phase, _topics, _areas = await _staff(ideation, factory, tenant)
    url = f"/p/{phase.id}/import/ideation.ideas"
    book = Workbook()
    sheet = book.active
    sheet.append(["What", "Why"])
    sheet.append(["A skate park", "For teenagers"])
    sheet.append(["Library hours", "Open later"])
    buf = io.BytesIO()
    book.save(buf)
    upload = await ideation.post(
        url,
        {"source": "Paper forms"},
        files={"file": ("ideas.xlsx", buf.getvalue(), "application/octet-stream")},
    )
    preview_url = upload.headers["location"]
    unmapped = await client.get(preview_url)
    assert "0 of 2 rows can be imported" in unmapped.text  # no column guessed as the title
    mapped = await client.get(preview_url, params={"map_title": "0", "map_body": "1"})
    assert "2 of 2 rows can be imported" in mapped.text
    await ideation.post(preview_url, {"map_title": "0", "map_body": "1"})
    assert await factory.count(Idea, tenant.id) == 2


async def test_bad_files_are_refused(ideation, factory, tenant) -> None:
    phase, _t, _a = await _staff(ideation, factory, tenant)
    url = f"/p/{phase.id}/import/ideation.ideas"
    for name, data in (("x.csv", b""), ("x.xlsx", b"not a zip"), ("x.csv", b"only,a,header\n")):
        response = await ideation.post(url, {"source": "s"}, files={"file": (name, data, "text/csv")})
        assert response.status_code == 422, name
    missing_source = await ideation.post(url, {"source": ""}, files={"file": ("x.csv", CSV.encode(), "text/csv")})
    assert missing_source.status_code == 422
