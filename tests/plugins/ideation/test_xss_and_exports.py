"""Every resident- or staff-written text is escaped where shown; exports cannot smuggle spreadsheet formulas."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from core.models import Comment

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MD_PAYLOAD = '[click](javascript:alert(1)) <iframe src="https://evil"></iframe>'


def assert_clean(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript' not in html and "onerror=alert(1)>" not in html.replace(
        "&lt;img src=x onerror=alert(1)&gt;", ""
    )
    assert "<iframe" not in html


async def test_payloads_are_escaped_everywhere(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(anonymous_allowed=True, auto_hide_reports=5)
    _topics, _areas = await ideation.taxonomy()
    author = await factory.user(tenant, display_name=PAYLOAD)
    await ideation.login(author)
    base = f"/p/{phase.id}/ideation"
    idea = await ideation.idea_id(
        await ideation.post_idea(phase, title="Title " + PAYLOAD, body=MD_PAYLOAD + " " + PAYLOAD)
    )
    await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": PAYLOAD + MD_PAYLOAD})
    async with factory.db.session(tenant.id) as session:
        cid = await session.scalar(select(Comment.id))
    await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": PAYLOAD, "parent_id": str(cid)})
    reporter = await factory.user(tenant)
    await ideation.login(reporter)
    await ideation.post(f"/items/core.comment/{cid}/report", {"reason": "other", "note": PAYLOAD})
    admin = await factory.user(tenant, role="admin")
    await ideation.login(admin)
    await ideation.post(f"{base}/statuses", {"label.en": PAYLOAD, "colour": "#123456"})
    await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "accepted", "feedback.en": PAYLOAD})
    pages = [
        await client.get(base),
        await client.get(base, headers={"HX-Request": "true"}),
        await client.get(f"{base}/ideas/{idea}"),
        await client.get(f"/admin/moderation?project={phase.project_id}"),
        await client.get(f"{base}/statuses"),
        await client.get(f"{base}/insights"),
        await client.get(f"{base}/similar", params={"title": "Title script alert"}, headers={"HX-Request": "true"}),
    ]
    for page in pages:
        assert page.status_code == 200, page.url
        assert_clean(page.text)
    detail = pages[2].text
    assert "&lt;script&gt;" in detail
    assert 'rel="nofollow noopener ugc"' not in detail or "javascript" not in detail
    assert "Title" in pages[6].text  # the suggestion itself is shown, escaped


async def test_markdown_links_are_safe(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(
        await ideation.post_idea(phase, body="See [the plan](https://example.org/plan) and **bold**.")
    )
    page = await client.get(f"/p/{phase.id}/ideation/ideas/{idea}")
    assert '<a href="https://example.org/plan" rel="nofollow noopener ugc">the plan</a>' in page.text
    assert "<strong>bold</strong>" in page.text


async def test_exports_neutralise_formulas(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(collect_location=True)
    author = await factory.user(tenant, display_name="@SUM(1+1)")
    await ideation.login(author)
    base = f"/p/{phase.id}/ideation"
    idea = await ideation.idea_id(
        await ideation.post_idea(
            phase, title='=HYPERLINK("http://evil","x")', body="+cmd|' /C calc'!A0", lat="52.1", lon="4.3"
        )
    )
    await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": "-2+3"})
    await ideation.post(f"/items/ideation.idea/{idea}/react", {"kind": "like"})
    await ideation.login(await factory.user(tenant, role="admin"))
    csv_ideas = await client.get(f"{base}/export/ideas?format=csv")
    assert csv_ideas.status_code == 200
    assert csv_ideas.headers["content-disposition"].startswith("attachment;")
    text = csv_ideas.text
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@SUM(1+1)" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text
    comments = await client.get(f"{base}/export/comments?format=csv")
    assert "'-2+3" in comments.text
    xlsx = await client.get(f"{base}/export/ideas?format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://evil","x")' in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
    reactions = await client.get(f"{base}/export/reactions?format=xlsx")
    assert reactions.status_code == 200
    geo = await client.get(f"{base}/export/geojson")
    data = json.loads(geo.content)
    assert data["type"] == "FeatureCollection"
    assert data["features"][0]["geometry"]["coordinates"] == [4.3, 52.1]
    assert (await client.get(f"{base}/export/ideas?format=pdf")).status_code == 404
