"""The survey over HTTP: staff build a form, residents answer it page by page, the server judges every post.

Routes by roles by phase states, the logic enforced on forged posts, one response per person, double submits,
drafts, anonymous mode, the versioned form and the exports.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from core.context import AUTH_COOKIE
from plugins.survey.models import SurveyDraft, SurveyParticipant, SurveyQuestion, SurveyResponse

KEY = "k" * 24


async def _survey(factory: Any, tenant: Any, *, state: str = "active", config: dict | None = None,
                  permissions: dict | None = None) -> tuple[Any, Any, dict[str, int]]:  # fmt: skip
    """A three-page survey: page 1 "Do you live here?" jumps to page 3 on "no"; page 2 a required multiple choice
    and a required street shown only to cyclists; page 3 a required comment."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey", state=state, config=config, permissions=permissions)
    async with factory.db.session(tenant.id, write=True) as session:
        lives = SurveyQuestion(phase_id=phase.id, position=1, page=1, kind="single", required=True,
                               text={"en": "Do you live here?"},
                               options=[["yes", {"en": "Yes"}], ["no", {"en": "No"}]])  # fmt: skip
        mode = SurveyQuestion(phase_id=phase.id, position=2, page=2, kind="multiple", required=True,
                              text={"en": "How do you travel?"},
                              options=[["walk", {"en": "Walk"}], ["bike", {"en": "Bike"}]])  # fmt: skip
        session.add_all([lives, mode])
        await session.flush()
        street = SurveyQuestion(phase_id=phase.id, position=3, page=2, kind="short", required=True,
                                text={"en": "Where is cycling hardest?"},
                                condition={"question": mode.id, "op": "contains", "value": "bike"})  # fmt: skip
        comment = SurveyQuestion(phase_id=phase.id, position=4, page=3, kind="long", required=True,
                                 text={"en": "What should change?"})  # fmt: skip
        session.add_all([street, comment])
        await session.flush()
        lives.jumps = [[{"question": lives.id, "op": "equals", "value": "no"}, 3]]
        ids = {"lives": lives.id, "mode": mode.id, "street": street.id, "comment": comment.id}
    return project, phase, ids


async def _post(client: Any, headers: dict, phase: Any, page: int, state: dict, fields: dict, *,
                key: str = KEY, action: str = "next") -> Any:  # fmt: skip
    data = {"page": str(page), "key": key, "state": json.dumps(state), "action": action, **fields}
    return await client.post(f"/p/{phase.id}/survey/take", data=data, headers=headers, follow_redirects=False)


async def _responses(factory: Any, tenant: Any, phase: Any) -> list[SurveyResponse]:
    async with factory.db.session(tenant.id) as session:
        found = await session.scalars(select(SurveyResponse).where(SurveyResponse.phase_id == phase.id))
        return list(found.all())


async def _answer_all(client: Any, headers: dict, phase: Any, ids: dict[str, int], *, key: str = KEY) -> Any:
    """Walk the three pages as a cyclist, carrying the earlier pages in the hidden state as the form does."""
    q = {name: f"q{i}" for name, i in ids.items()}
    first = await _post(client, headers, phase, 1, {}, {q["lives"]: "yes"}, key=key)
    assert first.status_code == 200 and "How do you travel?" in first.text
    state = {q["lives"]: ["yes"]}
    second = await _post(client, headers, phase, 2, state, {q["mode"]: ["walk", "bike"], q["street"]: "Ring road"},
                         key=key)  # fmt: skip
    assert second.status_code == 200 and "What should change?" in second.text
    state |= {q["mode"]: ["walk", "bike"], q["street"]: ["Ring road"]}
    return await _post(client, headers, phase, 3, state, {q["comment"]: "More trees"}, key=key)


async def test_resident_answers_three_pages_and_sees_the_confirmation(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    page = await client.get(f"/p/{phase.id}/survey/take")
    assert page.status_code == 200 and "Do you live here?" in page.text and "Page 1 of 3" in page.text
    done = await _answer_all(client, headers, phase, ids)
    assert done.status_code == 303 and done.headers["location"].endswith(f"/p/{phase.id}/survey/done")
    confirmation = await client.get(done.headers["location"])
    assert "Your answers are stored." in confirmation.text
    (response,) = await _responses(factory, tenant, phase)
    assert response.answers == {
        str(ids["lives"]): "yes",
        str(ids["mode"]): ["walk", "bike"],
        str(ids["street"]): "Ring road",
        str(ids["comment"]): "More trees",
    }
    assert response.user_id is not None and response.submitted_at is not None


async def test_a_page_jump_skips_page_two(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    jumped = await _post(client, headers, phase, 1, {}, {f"q{ids['lives']}": "no"})
    assert jumped.status_code == 200 and "What should change?" in jumped.text and "How do you travel" not in jumped.text
    done = await _post(client, headers, phase, 3, {f"q{ids['lives']}": ["no"]}, {f"q{ids['comment']}": "ok"})
    assert done.status_code == 303
    (response,) = await _responses(factory, tenant, phase)
    assert set(response.answers) == {str(ids["lives"]), str(ids["comment"])}


async def test_a_visible_required_question_is_required_and_a_page_error_is_shown(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    refused = await _post(client, headers, phase, 2, {f"q{ids['lives']}": ["yes"]}, {f"q{ids['mode']}": "bike"})
    assert refused.status_code == 422
    assert "This question needs an answer." in refused.text and "Where is cycling hardest?" in refused.text
    assert await _responses(factory, tenant, phase) == []


async def test_forged_posts_cannot_skip_or_answer_hidden_questions(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    q = {name: f"q{i}" for name, i in ids.items()}
    # skipping page 2 although the answer to page 1 leads there
    skipped = await _post(client, headers, phase, 3, {q["lives"]: ["yes"]}, {q["comment"]: "x"})
    assert skipped.status_code == 422
    # answering the cyclists' question as a walker
    hidden = {q["lives"]: ["yes"], q["mode"]: ["walk"], q["street"]: ["Ring road"]}
    forged = await _post(client, headers, phase, 3, hidden, {q["comment"]: "x"})
    assert forged.status_code == 422 and "cannot be answered" in forged.text
    # an answer that is no option
    bad = await _post(client, headers, phase, 3, {q["lives"]: ["maybe"]}, {q["comment"]: "x"})
    assert bad.status_code == 422
    damaged = await _post(client, headers, phase, 3, {}, {}, key="short")
    assert damaged.status_code == 400
    junk = await client.post(f"/p/{phase.id}/survey/take", headers=headers,
                             data={"page": "1", "key": KEY, "state": "[1, {"})  # fmt: skip
    assert junk.status_code == 400
    assert await _responses(factory, tenant, phase) == []


async def test_one_response_per_person_and_a_retried_submit_stores_one(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    assert (await _answer_all(client, headers, phase, ids)).status_code == 303
    final = {f"q{ids['lives']}": ["no"]}
    retry = await _post(client, headers, phase, 3, final, {f"q{ids['comment']}": "again"})  # same key: a retry
    assert retry.status_code == 303
    again = await _post(client, headers, phase, 3, final, {f"q{ids['comment']}": "again"}, key="n" * 24)
    assert again.status_code == 409 and "already" in again.text
    assert len(await _responses(factory, tenant, phase)) == 1
    panel = await client.get(f"/p/{phase.id}/survey/take")
    assert "You have already done this." in panel.text


async def test_several_responses_when_the_phase_allows_them(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant, config={"several_responses": True})
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    for key in ("a" * 20, "b" * 20):
        done = await _post(client, headers, phase, 3, {f"q{ids['lives']}": ["no"]}, {f"q{ids['comment']}": "x"},
                           key=key)  # fmt: skip
        assert done.status_code == 303
    assert len(await _responses(factory, tenant, phase)) == 2


async def test_anonymous_mode_stores_no_author_and_no_time(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant, config={"anonymous": True})
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    headers = await csrf(client)
    assert (await _answer_all(client, headers, phase, ids)).status_code == 303
    (response,) = await _responses(factory, tenant, phase)
    assert response.user_id is None and response.submitted_at is None
    assert await factory.count(SurveyParticipant, tenant.id) == 1
    again = await _post(client, headers, phase, 3, {f"q{ids['lives']}": ["no"]}, {f"q{ids['comment']}": "x"},
                        key="z" * 20)  # fmt: skip
    assert again.status_code == 409  # still one per person, through the participation mark
    done = await client.get(f"/p/{phase.id}/survey/done")
    assert "do not appear in the download of your data" in done.text
    await factory.login(client, await factory.user(tenant))  # someone who has not answered yet
    headers = await csrf(client)
    assert "Save and continue later" not in (await client.get(f"/p/{phase.id}/survey/take")).text
    draft = await _post(client, headers, phase, 1, {}, {f"q{ids['lives']}": "no"}, key="d" * 20, action="save")
    assert draft.status_code == 403 and await factory.count(SurveyDraft, tenant.id) == 0


async def test_a_draft_is_saved_and_resumed(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    headers = await csrf(client)
    saved = await _post(client, headers, phase, 2, {f"q{ids['lives']}": ["yes"]}, {f"q{ids['mode']}": "walk"},
                        action="save")  # fmt: skip
    assert saved.status_code == 200 and "Your answers are saved." in saved.text
    assert await factory.count(SurveyDraft, tenant.id) == 1
    resumed = await client.get(f"/p/{phase.id}/survey/take")
    assert "How do you travel?" in resumed.text and "Page 2 of 3" in resumed.text
    assert 'value="walk" checked' in resumed.text
    client.cookies.delete(AUTH_COOKIE)
    anonymous = await _post(client, await csrf(client), phase, 1, {}, {}, action="save")
    assert anonymous.status_code in (401, 403)


async def test_everyone_level_one_response_per_browser(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant, permissions={"survey.respond": {"level": "everyone"}})
    headers = await csrf(client)
    page = await client.get(f"/p/{phase.id}/survey/take")
    assert page.status_code == 200 and "survey_browser" in client.cookies
    final = {f"q{ids['lives']}": ["no"]}
    assert (await _post(client, headers, phase, 3, final, {f"q{ids['comment']}": "x"})).status_code == 303
    again = await _post(client, headers, phase, 3, final, {f"q{ids['comment']}": "x"}, key="y" * 20)
    assert again.status_code == 409
    (response,) = await _responses(factory, tenant, phase)
    assert response.user_id is None
    client.cookies.delete("survey_browser")
    cookieless = await _post(client, headers, phase, 3, final, {f"q{ids['comment']}": "x"}, key="w" * 20)
    assert cookieless.status_code == 400


@pytest.mark.parametrize("state", ["upcoming", "ended"])
async def test_no_responses_outside_the_open_phase(client, factory, tenant, csrf, state) -> None:
    _project, phase, ids = await _survey(factory, tenant, state=state)
    await factory.login(client, await factory.user(tenant))
    refused = await _post(client, await csrf(client), phase, 3, {f"q{ids['lives']}": ["no"]},
                          {f"q{ids['comment']}": "x"})  # fmt: skip
    assert refused.status_code == 403
    assert await _responses(factory, tenant, phase) == []


async def test_signed_out_visitor_is_asked_to_sign_in(client, factory, tenant, csrf) -> None:
    project, phase, ids = await _survey(factory, tenant)
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert page.status_code == 200 and "Sign in to take part." in page.text
    refused = await _post(client, await csrf(client), phase, 3, {f"q{ids['lives']}": ["no"]},
                          {f"q{ids['comment']}": "x"})  # fmt: skip
    assert refused.status_code == 401


# ---------------------------------------------------------------- staff: routes by roles


STAFF_GETS = ["/manage", "/preview", "/results.csv", "/results.xlsx"]


async def test_staff_routes_by_role(client, factory, tenant, csrf) -> None:
    project, phase, ids = await _survey(factory, tenant)
    base = f"/p/{phase.id}/survey"
    resident, admin, moderator = (await factory.user(tenant), await factory.user(tenant, role="admin"),
                                  await factory.user(tenant))  # fmt: skip
    await factory.moderator(project, moderator)
    for who, expected in ((None, 303), (resident, 403), (admin, 200), (moderator, 200)):
        client.cookies.delete(AUTH_COOKIE)
        if who is not None:
            await factory.login(client, who)
        for path in STAFF_GETS:
            response = await client.get(base + path, follow_redirects=False)
            assert response.status_code == expected, (path, who and who.role, response.status_code)
        headers = await csrf(client)
        move = await client.post(f"{base}/manage/questions/{ids['mode']}/move", data={"direction": "up"},
                                 headers=headers, follow_redirects=False)  # fmt: skip
        assert move.status_code == (303 if expected == 200 else 401 if who is None else expected)


async def test_results_visibility_by_role_and_state(client, factory, tenant) -> None:
    _p, open_phase, _ids = await _survey(factory, tenant, config={"results_public": True})
    _p, ended, _ids = await _survey(factory, tenant, state="ended", config={"results_public": True})
    _p, private, _ids = await _survey(factory, tenant, state="ended")
    await factory.login(client, await factory.user(tenant))
    assert (await client.get(f"/p/{open_phase.id}/survey/results")).status_code == 403
    assert (await client.get(f"/p/{ended.id}/survey/results")).status_code == 200
    assert (await client.get(f"/p/{private.id}/survey/results")).status_code == 403
    assert (await client.get(f"/p/{ended.id}/survey/results.csv")).status_code == 403
    await factory.login(client, await factory.user(tenant, role="admin"))
    assert (await client.get(f"/p/{open_phase.id}/survey/results")).status_code == 200


async def test_staff_build_a_survey_through_the_builder(client, factory, tenant, csrf) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey")
    base = f"/p/{phase.id}/survey"
    await factory.login(client, await factory.user(tenant, role="admin"))
    headers = await csrf(client)
    form = {"kind": "single", "page": "1", "text.en": "Favourite colour?", "text.nl": "Lievelingskleur?",
            "options.en": "Red\nGreen", "options.nl": "Rood\nGroen", "required": "1"}  # fmt: skip
    created = await client.post(f"{base}/manage/questions", data=form, headers=headers, follow_redirects=False)
    assert created.status_code == 303
    async with factory.db.session(tenant.id) as session:
        (question,) = (await session.scalars(select(SurveyQuestion).where(SurveyQuestion.phase_id == phase.id))).all()
    assert question.options == [["o1", {"en": "Red", "nl": "Rood"}], ["o2", {"en": "Green", "nl": "Groen"}]]
    follow = {"kind": "short", "page": "2", "text.en": "Why red?", "cond_question": str(question.id),
              "cond_op": "equals", "cond_value": "o1"}  # fmt: skip
    assert (await client.post(f"{base}/manage/questions", data=follow, headers=headers)).status_code == 200
    bad = await client.post(f"{base}/manage/questions", data={"kind": "single", "text.en": "x", "options.en": "one"},
                            headers=headers)  # fmt: skip
    assert bad.status_code == 422 and "Give between 2 and" in bad.text
    jump = {**form, "jump_op": "equals", "jump_value": "o2", "jump_to": "0"}
    edited = await client.post(f"{base}/manage/questions/{question.id}", data=jump, headers=headers,
                               follow_redirects=False)  # fmt: skip
    assert edited.status_code == 303
    copy = await client.post(f"{base}/manage/questions/{question.id}/duplicate", headers=headers)
    assert copy.status_code == 200
    manage = await client.get(f"{base}/manage")
    assert manage.text.count("<strong>Favourite colour?</strong>") == 2 and "has a page jump" in manage.text
    log = await client.get(f"/projects/{project.slug}/phases/{phase.id}/changes")
    assert log.status_code == 200 and "Question added" in log.text and "Question changed" in log.text


async def test_the_form_is_versioned_once_responses_exist(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    base = f"/p/{phase.id}/survey"
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    assert (await _answer_all(client, headers, phase, ids)).status_code == 303
    await factory.login(client, await factory.user(tenant, role="admin"))
    headers = await csrf(client)
    retyped = {"kind": "dropdown", "page": "1", "text.en": "Do you live here?", "options.en": "Yes\nNo"}
    refused = await client.post(f"{base}/manage/questions/{ids['lives']}", data=retyped, headers=headers)
    assert refused.status_code == 422 and "cannot change" in refused.text
    fewer = {"kind": "single", "page": "1", "text.en": "Do you live here?", "options.en": "Yes"}
    assert (
        await client.post(f"{base}/manage/questions/{ids['lives']}", data=fewer, headers=headers)
    ).status_code == 422
    removed = await client.post(f"{base}/manage/questions/{ids['comment']}/delete", headers=headers,
                                follow_redirects=False)  # fmt: skip
    assert removed.status_code == 303
    comment = await factory.reload(SurveyQuestion, ids["comment"], tenant.id)
    assert comment is not None and comment.removed
    export = await client.get(f"{base}/results.csv")
    assert export.status_code == 200 and f"Q{ids['comment']} What should change?" in export.text
    assert "More trees" in export.text
    locked = await client.get(f"{base}/results")
    assert "(removed)" in locked.text


async def test_results_page_charts_tables_filter_and_search(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    for index in range(3):
        await factory.login(client, await factory.user(tenant))
        headers = await csrf(client)
        assert (await _answer_all(client, headers, phase, ids, key=f"key-{index}" * 4)).status_code == 303
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/p/{phase.id}/survey/results")
    assert page.status_code == 200
    assert '<svg class="survey-chart"' in page.text and 'aria-hidden="true"' in page.text
    assert "<table" in page.text and "100 %" in page.text
    assert "Ring road" in page.text
    filtered = await client.get(f"/p/{phase.id}/survey/results", params={"by": str(ids["lives"]), "is": "no"})
    assert "0 responses" in filtered.text
    searched = await client.get(f"/p/{phase.id}/survey/results", params={"q": "zzz"})
    assert "Ring road" not in searched.text
    export = await client.get(f"/p/{phase.id}/survey/results.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


async def test_export_neutralises_formulas(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    final = {f"q{ids['lives']}": ["no"]}
    assert (await _post(client, headers, phase, 3, final, {f"q{ids['comment']}": "=HYPERLINK(1)"})).status_code == 303
    await factory.login(client, await factory.user(tenant, role="admin"))
    export = await client.get(f"/p/{phase.id}/survey/results.csv")
    assert ",=HYPERLINK" not in export.text and "'=HYPERLINK(1)" in export.text


async def test_paper_responses_through_the_core_import(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    headers = await csrf(client)
    q = {name: f"q{i}" for name, i in ids.items()}
    rows = [
        "reference,answers",
        f"P-1,{q['lives']}=no; {q['comment']}=More buses",
        f"P-2,{q['lives']}=yes; {q['mode']}=walk|bike; {q['street']}=Ring road; {q['comment']}=ok",
        f"P-3,{q['lives']}=yes; {q['comment']}=skipped page two",  # a visible required question left out
        f"P-1,{q['lives']}=no; {q['comment']}=twice",  # the same paper form again
        f"P-4,{q['lives']}=no; {q['street']}=hidden; {q['comment']}=x",  # answers a question it was not asked
    ]
    base = f"/p/{phase.id}/import/survey.paper"
    upload = await client.post(base, data={"source": "Town hall desk"}, headers=headers, follow_redirects=False,
                               files={"file": ("paper.csv", "\n".join(rows).encode(), "text/csv")})  # fmt: skip
    assert upload.status_code == 303
    preview = await client.get(upload.headers["location"])
    assert preview.status_code == 200
    assert "This paper form was entered already." in preview.text and "This question needs an answer." in preview.text
    assert await _responses(factory, tenant, phase) == []  # nothing before confirmation
    confirmed = await client.post(upload.headers["location"], data={}, headers=headers, follow_redirects=False)
    assert confirmed.status_code == 303
    stored = await _responses(factory, tenant, phase)
    assert sorted(r.submission_key for r in stored) == ["paper-P-1", "paper-P-2"]
    assert all(r.source == "paper" and r.user_id is None for r in stored)


async def test_a_copy_of_ones_answers_by_e_mail(app, client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant, config={"email_copy": True})
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    headers = await csrf(client)
    early = await client.post(f"/p/{phase.id}/survey/copy", headers=headers)
    assert early.status_code == 404
    assert (await _answer_all(client, headers, phase, ids)).status_code == 303
    done = await client.get(f"/p/{phase.id}/survey/done")
    assert "E-mail me a copy of my answers" in done.text
    outbox = app.state.townhall.mailer.outbox
    before = len(outbox)
    sent = await client.post(f"/p/{phase.id}/survey/copy", headers=headers, follow_redirects=False)
    assert sent.status_code == 303
    mail = outbox[before:]
    assert len(mail) == 1 and mail[0]["To"] == resident.email
    body = mail[0].get_content()
    assert mail[0]["Subject"].startswith("Your answers: ")
    assert body.startswith("Here is a copy of your answers to “")
    assert "How do you travel?" in body and "Walk, Bike" in body and "Ring road" in body


async def test_no_copy_for_an_anonymous_survey(client, factory, tenant, csrf) -> None:
    _project, phase, ids = await _survey(factory, tenant, config={"email_copy": True, "anonymous": True})
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    assert (await _answer_all(client, headers, phase, ids)).status_code == 303
    assert "E-mail me a copy" not in (await client.get(f"/p/{phase.id}/survey/done")).text
    assert (await client.post(f"/p/{phase.id}/survey/copy", headers=headers)).status_code == 403


async def test_demo_seed_a_survey_with_logic_and_200_responses(client, factory, tenant) -> None:
    from plugins.survey.demo import seed

    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey")
    async with factory.db.session(tenant.id, write=True) as session:
        await seed(session, await session.get(type(phase), phase.id))
    async with factory.db.session(tenant.id) as session:
        questions = (await session.scalars(select(SurveyQuestion).where(SurveyQuestion.phase_id == phase.id))).all()
    assert any(q.jumps for q in questions) and any(q.condition for q in questions)
    assert len(await _responses(factory, tenant, phase)) == 200
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/p/{phase.id}/survey/results")
    assert page.status_code == 200 and "200 responses" in page.text
