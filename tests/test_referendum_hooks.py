"""The referendum's hooks outside HTTP: the audit command, stats, the resident's data export and forgetting,
retention, and the demo seed (an open referendum with votes, a closed one with results)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from core import Phase
from plugins.referendum import rules, services
from plugins.referendum.cli import referendum_cli
from plugins.referendum.hooks import retain, seed, turnout_stat
from plugins.referendum.models import Ballot, Box, RollEntry
from plugins.referendum.spec import ReferendumConfig
from tests.test_referendum_web import make_referendum, question_ids


async def _vote_all(factory, tenant, phase, users) -> None:
    qids = await question_ids(factory, tenant, phase)
    async with factory.db.session(tenant.id, write=True) as session:
        ph = await session.get(Phase, phase.id)
        await services.ensure_roll(session, ph, ReferendumConfig())
        for i, user in enumerate(users):
            entry = await services.my_entry(session, ph, user)
            choices = {str(qids[0]): "yes" if i else "no", str(qids[1]): [i % 3]}
            assert await services.cast_online(session, ph, entry.id, services.new_receipt(), choices) == "cast"


async def test_audit_command_recomputes_and_detects_a_change(factory, tenant, tmp_path: Path) -> None:
    _, phase = await make_referendum(factory, tenant)
    await _vote_all(factory, tenant, phase, [await factory.user(tenant, verified=True) for _ in range(3)])
    async with factory.db.session(tenant.id) as session:
        document = await services.published(session, await session.get(Phase, phase.id))
    path = tmp_path / "box.json"
    path.write_text(json.dumps(document))
    ok = CliRunner().invoke(referendum_cli, ["audit", str(path), "--head", document["head"]])
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True
    document["ballots"][1]["choices"] = {"1": "invalid"}
    path.write_text(json.dumps(document))
    bad = CliRunner().invoke(referendum_cli, ["audit", str(path), "--head", document["head"]])
    assert bad.exit_code == 1 and "ballot 2" in bad.output
    assert CliRunner().invoke(referendum_cli, ["check", str(path), "NOT-A-REAL-CODE"]).exit_code == 1


async def test_stats_data_export_forgetting_and_retention(factory, tenant) -> None:
    _, phase = await make_referendum(factory, tenant)
    users = [await factory.user(tenant, verified=True) for _ in range(3)]
    await _vote_all(factory, tenant, phase, users[:2])
    async with factory.db.session(tenant.id, write=True) as session:
        ph = await session.get(Phase, phase.id)
        assert await turnout_stat(session, ph) == {"roll_size": 3, "turnout": 2, "online": 2, "paper": 0}
        exported = await services.user_rows(session, users[0])
        assert exported == [
            {"phase_id": phase.id, "voted": True, "voted_on": exported[0]["voted_on"], "channel": "online"}
        ]
        assert "choices" not in json.dumps(exported)
        await services.forget(session, users[0])
        assert await services.user_rows(session, users[0]) == []
        result = await retain(session, ph)
        assert result.anonymised == {"Electoral roll entries": 2}
        assert await turnout_stat(session, ph) == {"roll_size": 3, "turnout": 2, "online": 2, "paper": 0}
        assert (await session.scalar(select(RollEntry.id).where(RollEntry.user_id.is_not(None)))) is None
    assert await factory.count(Ballot, tenant.id) == 2


async def test_demo_seed_opens_one_referendum_and_closes_another_with_results(factory, tenant) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "referendum", state="active")
    for _ in range(4):
        await factory.user(tenant, verified=True)
    async with factory.db.session(tenant.id, write=True) as session:
        await seed(session, await session.get(Phase, phase.id))
    async with factory.db.session(tenant.id) as session:
        phases = (await session.scalars(select(Phase).where(Phase.project_id == project.id))).all()
        assert len(phases) == 2
        boxes = {b.phase_id: b for b in (await session.scalars(select(Box))).all()}
        open_box, closed = boxes[phase.id], next(b for pid, b in boxes.items() if pid != phase.id)
        assert open_box.head is None and closed.head is not None and closed.results["turnout"] >= 1
        document = await services.published(session, next(p for p in phases if p.id != phase.id))
        assert rules.audit(document, closed.head).ok


async def test_the_close_event_counts_once(factory, tenant) -> None:
    from plugins.referendum.hooks import close_phase
    from plugins.referendum.plugin import on_event

    _, phase = await make_referendum(factory, tenant)
    await _vote_all(factory, tenant, phase, [await factory.user(tenant, verified=True) for _ in range(2)])
    event = type(
        "Event",
        (),
        {"name": "phase.closed", "tenant_id": tenant.id, "data": {"phase_id": phase.id, "method": "referendum"}},
    )
    handler = on_event(event)
    assert handler is not None
    await handler(factory.app)  # the phase is still open: nothing is counted
    async with factory.db.session(tenant.id, write=True) as session:
        assert (await session.scalar(select(Box))).head is None
        ph = await session.get(Phase, phase.id)
        ph.ends_at = ph.starts_at + (ph.ends_at - ph.starts_at) / 100
    await handler(factory.app)
    async with factory.db.session(tenant.id) as session:
        box = await session.scalar(select(Box))
        head, counted_at = box.head, box.counted_at
    assert head is not None and box.results["ballots"] == 2
    await close_phase(factory.app, tenant.id, phase.id)  # a second run changes nothing
    async with factory.db.session(tenant.id) as session:
        again = await session.scalar(select(Box))
    assert (again.head, again.counted_at) == (head, counted_at)


async def test_two_closes_at_once_count_once(factory, tenant, monkeypatch) -> None:
    """Issue 16: a second request (or the close job) that read the box uncounted while another was counting waits
    on the box row, then finds the stored results; the box is mixed and counted once (PostgreSQL: on SQLite a
    writing session's BEGIN IMMEDIATE already serialises the two)."""
    import asyncio

    import pytest

    if factory.db.dialect != "postgresql":
        pytest.skip("the row lock is PostgreSQL's; SQLite serialises writing sessions at BEGIN")
    _, phase = await make_referendum(factory, tenant)
    await _vote_all(factory, tenant, phase, [await factory.user(tenant, verified=True) for _ in range(3)])
    async with factory.db.session(tenant.id, write=True) as session:
        ph = await session.get(Phase, phase.id)
        ph.ends_at = ph.starts_at + (ph.ends_at - ph.starts_at) / 100
    mixes = []
    real_mix = services.mix

    async def counting_mix(session, ph):
        mixes.append(ph.id)
        return await real_mix(session, ph)

    monkeypatch.setattr(services, "mix", counting_mix)
    second_read, first_counted = asyncio.Event(), asyncio.Event()

    async def second() -> str | None:
        async with factory.db.session(tenant.id, write=True) as session:
            ph = await session.get(Phase, phase.id)
            box = await services.box_of(session, ph)
            assert box.head is None  # read before the first close committed
            second_read.set()
            await first_counted.wait()
            return (await services.close(session, ph, ReferendumConfig(), box)).head

    async with factory.db.session(tenant.id, write=True) as session:
        ph = await session.get(Phase, phase.id)
        box = await services.box_of(session, ph)
        task = asyncio.create_task(second())
        await second_read.wait()
        first_head = (await services.close(session, ph, ReferendumConfig(), box)).head
        first_counted.set()
        await asyncio.sleep(0.3)
        assert not task.done()  # waiting on the box row, not counting
    assert await task == first_head and first_head is not None
    assert mixes == [phase.id]


async def test_a_mix_puts_back_exactly_the_rows_it_took(factory, tenant) -> None:
    """The mix's fast paths (one statement on PostgreSQL, the driver's raw rows on SQLite): every column of every
    ballot and roll mark, dates, flags and JSON answers included, reads the same afterwards."""
    _, phase = await make_referendum(factory, tenant)
    await _vote_all(factory, tenant, phase, [await factory.user(tenant, verified=True) for _ in range(4)])

    async def rows() -> tuple[set, set]:
        async with factory.db.session(tenant.id) as session:
            ballots = (await session.execute(select(Ballot.__table__))).all()
            roll = (await session.execute(select(RollEntry.__table__))).all()
        return {tuple(map(repr, r)) for r in ballots}, {tuple(map(repr, r)) for r in roll}

    before = await rows()
    async with factory.db.session(tenant.id, write=True) as session:
        assert await services.mix(session, await session.get(Phase, phase.id)) == 4
    assert await rows() == before and len(before[0]) == 4
