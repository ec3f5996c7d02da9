"""The quick poll's own behaviour: one vote per resident, results in words and bars, the CSV for staff only."""

from quickpoll.models import Vote

from core.testing import HTMX_HEADERS

CONFIG = {"question": {"en": "Which day?"}, "answers": {"en": ["Saturday", "Sunday"], "nl": ["Zaterdag", "Zondag"]}}


async def test_one_vote_per_resident_then_results_and_export(client, factory, tenant, csrf) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "quickpoll", config=CONFIG)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    vote = f"/p/{phase.id}/quickpoll/vote"
    voted = await client.post(vote, data={"answer": "1"}, headers={**headers, **HTMX_HEADERS})
    assert voted.status_code == 200 and "1 vote" in voted.text and "(your vote)" in voted.text
    swapped = await client.post(vote, data={"answer": "0"}, headers=headers)
    assert swapped.status_code == 409 and "You have already done this." in swapped.text
    wrong = await client.post(vote, data={"answer": "2"}, headers=headers)
    assert wrong.status_code == 409  # the verdict comes first: this resident has voted
    assert await factory.count(Vote, tenant.id) == 1
    page = await client.get(f"/nl/projects/{project.slug}/phases/{phase.id}")
    assert "Zaterdag" in page.text and '<meter min="0" max="1" value="1"' in page.text and "1 stem" in page.text
    assert (await client.get(f"/p/{phase.id}/quickpoll/results.csv")).status_code == 403

    await factory.login(client, await factory.user(tenant, role="admin"))
    export = await client.get(f"/p/{phase.id}/quickpoll/results.csv")
    assert export.status_code == 200
    assert export.text.splitlines()[1:] == ["1,0,en: Saturday; nl: Zaterdag", "2,1,en: Sunday; nl: Zondag"]


async def test_an_answer_outside_the_list_is_a_clear_400(client, factory, tenant, csrf) -> None:
    phase = await factory.phase(await factory.project(tenant), "quickpoll", config=CONFIG)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    for answer in ("7", "-1", "x", ""):
        response = await client.post(f"/p/{phase.id}/quickpoll/vote", data={"answer": answer}, headers=headers)
        assert response.status_code == 400 and "Choose one of the answers." in response.text
    assert await factory.count(Vote, tenant.id) == 0
