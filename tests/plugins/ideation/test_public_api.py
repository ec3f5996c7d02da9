"""Ideation in the public JSON API: public ideas only, counts and statuses, no authors, pages that join up."""

from __future__ import annotations

from sqlalchemy import update

from plugins.ideation.models import Idea


async def test_public_ideas_with_counts_and_no_author(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    author = await factory.user(tenant, verified=True, display_name="Ada Writer")
    await ideation.login(author)
    ids = [await ideation.idea_id(await ideation.post_idea(phase, title=f"Idea {n}")) for n in range(5)]
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(Idea).where(Idea.id == ids[1]).values(hidden=True, hidden_reason="spam"))
        await session.execute(update(Idea).where(Idea.id == ids[2]).values(withdrawn_at=Idea.created_at))
    client.cookies.clear()

    body = (await client.get(f"/api/v1/phases/{phase.id}")).json()
    data = body["data"]
    assert data["kind"] == "idea"
    assert [item["id"] for item in data["items"]] == [ids[0], ids[3], ids[4]]
    assert data["summary"] == {"ideas": 3}
    first = data["items"][0]
    assert first["title"] == "Idea 0" and first["status"]["key"] == "proposed" and first["status"]["label"]
    assert (first["likes"], first["dislikes"], first["comments"]) == (0, 0, 0)
    assert first["url"] == f"/p/{phase.id}/ideation/ideas/{ids[0]}"
    assert "Ada Writer" not in str(body)
    assert not {"author", "author_id", "user_id", "anonymous"} & set(first)


async def test_pages_of_ideas_join_up_without_gaps(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant, verified=True))
    ids = [await ideation.idea_id(await ideation.post_idea(phase, title=f"Idea {n}")) for n in range(5)]
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        data = (await client.get(f"/api/v1/phases/{phase.id}{query}")).json()["data"]
        seen += [item["id"] for item in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
