"""No weighted referendum result: staff are told why (the ballot is secret) and sent to who voted against the
population, counted from the roll's voted marks, never from the ballots."""

from __future__ import annotations

from tests.test_referendum_web import ballot_form, make_referendum, question_ids, set_state, signed_in

WHY = "There is no weighted estimate of this result: the ballot is secret"


async def test_staff_learn_why_there_is_no_weighted_result_and_see_who_voted(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant)
    qids = await question_ids(factory, tenant, phase)
    voters = [await factory.user(tenant, verified=True) for _ in range(5)]
    await factory.user(tenant, verified=True)  # on the roll, does not vote
    for i, person in enumerate(voters):
        await factory.login(client, person)
        receipt = f"ABCD-EFGH-JKLM-NPQ{'RSTUV'[i]}"
        vote = await client.post(f"/p/{phase.id}/referendum/vote", data=ballot_form(qids, receipt),
                                 headers=await csrf(client))  # fmt: skip
        assert vote.status_code == 200, vote.text[:500]
    await set_state(factory, tenant, phase, "ended")

    await factory.login(client, voters[0])
    resident_page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert "Valid" in resident_page.text and WHY not in resident_page.text, "staff only"

    await signed_in(factory, client, tenant, role="admin")
    page = (await client.get(f"/projects/{project.slug}/phases/{phase.id}")).text
    assert "Valid" in page and WHY in page
    link = f"/admin/projects/{project.id}/representativeness?phase={phase.id}"
    assert f'href="{link}"' in page.replace("&amp;", "&")
    who_voted = await client.get(link)
    assert who_voted.status_code == 200 and "Participants: 5." in who_voted.text, "the roll's voted marks count"
