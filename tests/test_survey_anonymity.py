"""Anonymous responses are unlinked from their authors, proven from a dump of every table of the database.

Six residents answer an anonymous survey, each with a marker text. Then every row of every table is read (the
logical content a ``pg_dump`` holds) and searched: the marker appears only in ``survey_response``; that row holds
no user, no e-mail, no time, and an id that says nothing about order; the participation rows that enforce one
response per person hold only (tenant, phase, who), no id and no time; and no other table gained a row while the
residents answered (no audit entry, event or job that names them next to the survey) but the rate limit's
hits, which in an anonymous survey count hashed addresses only, never accounts.

On PostgreSQL the heap order and ``xmin`` are checked too: no response and no participation row is alone with the
transaction that wrote it (covers), and after the ``survey.mix`` job every response and participation row shares
the mix's ``xmin`` and neither heap order (``SELECT`` without ``ORDER BY``, ``ctid``) is the order of answering.
"""

from __future__ import annotations

import collections
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, table, text

from core import DomainEvent, JobContext
from core.context import AUTH_COOKIE
from core.db.base import Base
from plugins.survey import plugin as survey_plugin
from plugins.survey.hooks import mix_open
from plugins.survey.models import SurveyParticipant, SurveyQuestion, SurveyResponse

RESIDENTS = 6


async def _rows(factory: Any, sql: str) -> list[Any]:
    async with factory.db.session(unscoped=True) as session:
        return list((await session.execute(text(sql))).all())


async def _dump(factory: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the app knows, as plain dicts."""
    dump: dict[str, list[dict[str, Any]]] = {}
    async with factory.db.session(unscoped=True) as session:
        for name in sorted(Base.metadata.tables):
            result = await session.execute(select(text("*")).select_from(table(name)))
            dump[name] = [dict(row._mapping) for row in result]
    return dump


def _mentions(row: dict[str, Any], needles: set[str]) -> bool:
    blob = json.dumps(row, default=str)
    return any(needle in blob for needle in needles)


async def test_a_database_dump_cannot_link_an_anonymous_response_to_its_author(client, factory, tenant, csrf) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey", config={"anonymous": True})
    async with factory.db.session(tenant.id, write=True) as session:
        question = SurveyQuestion(phase_id=phase.id, kind="short", page=1, required=True, text={"en": "Say something"})
        session.add(question)
    residents = [await factory.user(tenant, email=f"anon{i}@example.org") for i in range(RESIDENTS)]
    sessions = []
    for resident in residents:  # sign everyone in first: sessions are not part of what the survey writes
        client.cookies.delete(AUTH_COOKIE)
        await factory.login(client, resident)
        headers = await csrf(client)
        sessions.append((dict(client.cookies), headers))
    before = await _dump(factory)
    for index, (cookies, headers) in enumerate(sessions):
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        form = {"page": "1", "key": f"anonymous-key-{index:04d}", "state": "{}", "action": "next",
                f"q{question.id}": f"marker-{index}"}  # fmt: skip
        response = await client.post(f"/p/{phase.id}/survey/take", data=form, headers=headers, follow_redirects=False)
        assert response.status_code == 303, response.text
    after = await _dump(factory)

    changed = {name for name in after if len(after[name]) != len(before[name])}
    assert changed == {"survey_response", "survey_participant", "rate_limit_hit"}, changed
    # the rate limit of an anonymous survey counts addresses (hashed), never accounts
    new_hits = [h for h in after["rate_limit_hit"] if h not in before["rate_limit_hit"]]
    assert new_hits and all(":i" in h["bucket"] and ":a" not in h["bucket"] for h in new_hits), new_hits

    identities = {str(r.id) for r in residents} | {r.email for r in residents} | {r.display_name for r in residents}
    responses = after["survey_response"]
    assert len(responses) == RESIDENTS
    for index, resident in enumerate(residents):
        marker = f"marker-{index}"
        holders = [name for name, rows in after.items() for row in rows if _mentions(row, {marker})]
        assert holders == ["survey_response"], holders
        (row,) = [r for r in responses if _mentions(r, {marker})]
        assert row["user_id"] is None and row["submitted_at"] is None
        assert not [v for v in row.values() if isinstance(v, datetime | date)]
        values = {str(v) for k, v in row.items() if k not in ("answers", "submission_key", "tenant_id", "phase_id")}
        assert not values & identities, values & identities
        assert f"u:{resident.id}" not in json.dumps(row, default=str)

    # the participation rows: only who took part, nothing to order or time them by
    assert set(after["survey_participant"][0]) == {"tenant_id", "phase_id", "who"}
    assert {c.name for c in SurveyParticipant.__table__.columns} == {"tenant_id", "phase_id", "who"}
    assert {p["who"] for p in after["survey_participant"]} == {f"u:{r.id}" for r in residents}

    # response ids are random: sorted by id, the responses do not come out in the order they were given
    ids = [r["id"] for r in responses]
    assert max(ids) - min(ids) > 10**6, ids

    def answer(row: dict[str, Any]) -> str:
        stored = row["answers"] if isinstance(row["answers"], dict) else json.loads(row["answers"])  # SQLite: text
        return stored[str(question.id)]

    by_id = [answer(r) for r in sorted(responses, key=lambda r: r["id"])]
    assert len(set(by_id)) == RESIDENTS
    assert {c.name for c in SurveyResponse.__table__.columns} == {
        "id", "tenant_id", "phase_id", "user_id", "submission_key", "source", "answers", "submitted_at",
    }  # fmt: skip

    # the physical side on PostgreSQL: heap order (no ORDER BY, ctid) and the writing transaction (xmin)
    postgres = factory.db.engine.dialect.name == "postgresql"
    answering = [f"marker-{index}" for index in range(RESIDENTS)]
    whos = [f"u:{r.id}" for r in residents]
    if postgres:
        groups: list[Any] = []
        for sql in ("SELECT xmin::text FROM survey_response", "SELECT xmin::text FROM survey_participant"):
            counted = collections.Counter(r[0] for r in await _rows(factory, sql))
            assert min(counted.values()) >= 2, f"a row is alone with the transaction that wrote it: {sql} {counted}"
            groups += counted
    job = JobContext(state=factory.app, key="survey.mix", tenant_id=tenant.id, slot="test")
    assert await mix_open(job) == RESIDENTS
    mixed = await _dump(factory)
    assert sorted(map(answer, mixed["survey_response"])) == sorted(answering)
    assert sorted(p["who"] for p in mixed["survey_participant"]) == sorted(whos)
    if postgres:
        for order_by in ("", " ORDER BY ctid"):
            heap = await _rows(factory, f"SELECT answers FROM survey_response{order_by}")
            assert [answer({"answers": r[0]}) for r in heap] != answering, f"responses{order_by} in answering order"
            heap = await _rows(factory, f"SELECT who FROM survey_participant{order_by}")
            assert [r[0] for r in heap] != whos, f"participation{order_by} in answering order"
        written = {r[0] for r in await _rows(factory, "SELECT xmin::text FROM survey_response")}
        written |= {r[0] for r in await _rows(factory, "SELECT xmin::text FROM survey_participant")}
        assert len(written) == 1 and not written & set(groups), "after the mix: one xmin, none of an answer's"

    # the close mixes once more (phase.closed → the survey's on_event)
    closed = DomainEvent("phase.closed", tenant.id, data={"phase_id": phase.id, "method": "survey"})
    assert await survey_plugin.on_event(closed)(factory.app) == RESIDENTS
    if postgres:
        again = {r[0] for r in await _rows(factory, "SELECT xmin::text FROM survey_response")}
        assert len(again) == 1 and again != written

    # and a resident's data export finds nothing of an anonymous response
    from plugins.survey.hooks import user_responses

    async with factory.db.session(tenant.id) as session:
        exported = await user_responses(session, residents[0])
    assert exported["survey_responses"] == []
