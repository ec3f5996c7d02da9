"""The survey's file-upload question over HTTP: an image through the core's upload checks, carried signed between
pages, shown to staff as links in the results and the exports, refused when it is not an image, dropped when a
forged page carries an unsigned reference, stripped when its author is forgotten and swept once unused."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core import JobContext, Tenant
from plugins.survey import files, rules
from plugins.survey.hooks import forget
from plugins.survey.models import SurveyQuestion, SurveyResponse

KEY = "f" * 24
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _survey(factory: Any, tenant: Any, *, config: dict | None = None) -> tuple[Any, int, int]:
    """Page 1: a required photo; page 2: a required comment."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey", config=config or {})
    async with factory.db.session(tenant.id, write=True) as session:
        photo = SurveyQuestion(phase_id=phase.id, position=1, page=1, kind="file", required=True,
                               text={"en": "A photo of the place"})  # fmt: skip
        comment = SurveyQuestion(phase_id=phase.id, position=2, page=2, kind="long", required=True,
                                 text={"en": "What is wrong there?"})  # fmt: skip
        session.add_all([photo, comment])
        await session.flush()
        return phase, photo.id, comment.id


async def _page(client: Any, headers: dict, phase: Any, page: int, state: dict, fields: dict, upload: Any = None,
                action: str = "next") -> Any:  # fmt: skip
    data = {"page": str(page), "key": KEY, "state": json.dumps(state), "action": action, **fields}
    extra = {"files": upload} if upload is not None else {}
    return await client.post(f"/p/{phase.id}/survey/take", data=data, headers=headers, follow_redirects=False,
                             **extra)  # fmt: skip


def _state_of(html: str) -> dict[str, list[str]]:
    import html as html_lib
    import re

    found = re.search(r'name="state" value="([^"]*)"', html)
    assert found is not None
    return json.loads(html_lib.unescape(found.group(1)))


def test_the_rules_take_a_stored_name_only() -> None:
    question = rules.Question(id=7, kind="file", page=1)
    assert rules.parse_answer(question, {"q7": ["3/" + "a" * 32 + ".png|sig"]}) == "3/" + "a" * 32 + ".png"
    assert rules.parse_answer(question, {}) is None
    for bad in ("../../etc/passwd", "3/abc.png", "3/" + "a" * 32 + ".exe"):
        try:
            rules.parse_answer(question, {"q7": [bad]})
        except rules.AnswerError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


def test_a_signature_binds_the_name_to_the_phase_and_question() -> None:
    token = files.sign("secret", 4, 7, "3/" + "b" * 32 + ".jpg")
    assert files.verified("secret", 4, 7, token) == token
    assert files.verified("secret", 5, 7, token) is None
    assert files.verified("other", 4, 7, token) is None
    assert files.verified("secret", 4, 7, "3/" + "b" * 32 + ".jpg|" + "0" * 32) is None


async def test_an_image_is_stored_carried_listed_exported_and_forgotten(app, client, factory, tenant, csrf) -> None:
    phase, photo, comment = await _survey(factory, tenant)
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    headers = await csrf(client)
    first = await client.get(f"/p/{phase.id}/survey/take")
    assert 'enctype="multipart/form-data"' in first.text and 'type="file"' in first.text

    # not an image: refused with the core's message, nothing stored
    bad = await _page(client, headers, phase, 1, {}, {}, {f"q{photo}": ("notes.png", b"just text", "image/png")})
    assert bad.status_code == 422 and "Only PNG, JPEG, GIF and WebP images can be uploaded." in bad.text
    # no image at all: the required question says so
    missing = await _page(client, headers, phase, 1, {}, {})
    assert missing.status_code == 422

    sent = await _page(client, headers, phase, 1, {}, {}, {f"q{photo}": ("place.png", PNG, "image/png")})
    assert sent.status_code == 200 and "What is wrong there?" in sent.text
    state = _state_of(sent.text)
    (token,) = state[f"q{photo}"]
    name = token.split("|")[0]
    stored = Path(app.state.townhall.settings.upload_dir) / "survey" / name
    assert stored.read_bytes() == PNG

    # back to page 1 and on again without choosing a new file: the image stays attached
    back = await _page(client, headers, phase, 2, state, {f"q{comment}": "Broken lamp"}, action="back")
    assert back.status_code == 200 and "An image is attached." in back.text
    again = await _page(client, headers, phase, 1, _state_of(back.text), {})
    assert again.status_code == 200 and _state_of(again.text)[f"q{photo}"] == [token]

    # a forged state pointing at a file the server did not sign for this question is dropped
    forged = {f"q{photo}": [name + "|" + "0" * 32]}
    refused = await _page(client, headers, phase, 2, forged, {f"q{comment}": "Broken lamp"})
    assert refused.status_code == 422 and "A photo of the place" in refused.text

    done = await _page(client, headers, phase, 2, _state_of(again.text), {f"q{comment}": "Broken lamp"})
    assert done.status_code == 303
    async with factory.db.session(tenant.id) as session:
        (response,) = (await session.scalars(select(SurveyResponse).where(SurveyResponse.phase_id == phase.id))).all()
    assert response.answers[str(photo)] == name

    # the resident cannot open it; staff can, from the results page and the export
    link = files.url(phase.id, name)
    assert (await client.get(link)).status_code in (401, 403)
    client.cookies.clear()
    await factory.login(client, await factory.user(tenant, role="admin"))
    results = await client.get(f"/p/{phase.id}/survey/results")
    assert results.status_code == 200 and link in results.text
    image = await client.get(link)
    assert image.status_code == 200 and image.content == PNG and image.headers["content-type"] == "image/png"
    assert (await client.get(files.url(phase.id, name.split("/")[0] + "/" + "c" * 32 + ".png"))).status_code == 404
    export = await client.get(f"/p/{phase.id}/survey/results.csv")
    assert link in export.text

    # forgetting the resident strips the image from the response; the sweep deletes the unused file
    async with factory.db.session(tenant.id, write=True) as session:
        await forget(session, resident)
    async with factory.db.session(tenant.id) as session:
        kept = await session.get(SurveyResponse, response.id)
        assert str(photo) not in kept.answers and kept.answers[str(comment)] == "Broken lamp"
    old = time.time() - files.GRACE_SECONDS - 60
    os.utime(stored, (old, old))
    job = JobContext(state=app.state.townhall, key="survey.sweep_files", tenant_id=tenant.id, slot="test")
    assert await files.sweep(job) == 1 and not stored.exists()
    assert (await client.get(link)).status_code == 404


async def test_a_point_is_judged_against_the_municipality_and_the_map_enhances_the_fields(
    client, factory, csrf
) -> None:
    tenant = await factory.tenant("bounded.test")
    async with factory.db.session(unscoped=True, write=True) as session:
        stored = await session.get(Tenant, tenant.id)
        stored.bounds = {"south": 50.0, "west": 4.0, "north": 51.0, "east": 5.0}
    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey")
    async with factory.db.session(tenant.id, write=True) as session:
        where = SurveyQuestion(phase_id=phase.id, position=1, page=1, kind="point", required=True,
                               text={"en": "Where is it?"})  # fmt: skip
        session.add(where)
        await session.flush()
        qid = where.id
    client.base_url = "http://bounded.test"
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    page = await client.get(f"/p/{phase.id}/survey/take")
    # the fields work without JavaScript; the script adds the locator and "Use my location" on top of them
    assert f'name="q{qid}_lat"' in page.text and f'name="q{qid}_lng"' in page.text
    assert 'data-bounds="50.0,4.0,51.0,5.0"' in page.text and "/static/survey/survey-map.js" in page.text
    script = await client.get("/static/survey/survey-map.js")
    assert script.status_code == 200 and "geolocation" in script.text
    data = {"page": "1", "key": KEY, "state": "{}", "action": "next"}
    outside = await client.post(f"/p/{phase.id}/survey/take", headers=headers, follow_redirects=False,
                                data=data | {f"q{qid}_lat": "52.1", f"q{qid}_lng": "4.5"})  # fmt: skip
    assert outside.status_code == 422 and "This point is outside the municipality." in outside.text
    inside = await client.post(f"/p/{phase.id}/survey/take", headers=headers, follow_redirects=False,
                               data=data | {f"q{qid}_lat": "50.5", f"q{qid}_lng": "4.25"})  # fmt: skip
    assert inside.status_code == 303
    async with factory.db.session(tenant.id) as session:
        (response,) = (await session.scalars(select(SurveyResponse).where(SurveyResponse.phase_id == phase.id))).all()
    assert response.answers[str(qid)] == [50.5, 4.25]


async def test_staff_add_a_file_question_through_the_builder_and_preview_it(client, factory, tenant, csrf) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey")
    base = f"/p/{phase.id}/survey"
    await factory.login(client, await factory.user(tenant, role="admin"))
    headers = await csrf(client)
    manage = await client.get(f"{base}/manage")
    assert 'value="file"' in manage.text and "File upload (an image)" in manage.text
    form = {"kind": "file", "page": "1", "text.en": "A photo of the place", "required": "1"}
    created = await client.post(f"{base}/manage/questions", data=form, headers=headers, follow_redirects=False)
    assert created.status_code == 303
    async with factory.db.session(tenant.id) as session:
        (question,) = (await session.scalars(select(SurveyQuestion).where(SurveyQuestion.phase_id == phase.id))).all()
    assert question.kind == "file" and question.required
    preview = await client.get(f"{base}/preview")
    assert preview.status_code == 200 and 'type="file"' in preview.text and "PNG, JPEG, GIF or WebP" in preview.text
