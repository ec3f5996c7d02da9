"""Ballot secrecy: known people vote in a known order; then the whole database (every table, as a plain dump
reads it) and the logs are searched for anything that links a person to a choice.

Runs on SQLite and, with ``TOWNHALL_TEST_DATABASE_URL``, on PostgreSQL. What fails it: a row of any table that holds
a voter's identity (id, e-mail, name) together with their ballot (its answers or receipt hash); a column of the
ballot box that is a user, a time or a sequence; an order of the ballot box (by any of its columns, or as stored on
SQLite) that follows the order of voting; a log line (the app's at DEBUG, all others at INFO) that carries a
receipt or a choice.
"""

from __future__ import annotations

import collections
import itertools
import json
import logging
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import DateTime, Integer, text

from core import Base, JobContext, Rate, RateLimit, throttle, utcnow
from core.ratelimits import RateLimitSyntaxError
from plugins.referendum import rules
from plugins.referendum.hooks import mix_open
from plugins.referendum.models import Ballot, RollEntry
from plugins.referendum.spec import VOTE_LIMIT
from tests.test_referendum_web import make_referendum, question_ids

VOTERS = 8


def _cells(row: Any) -> list[str]:
    return [json.dumps(v, default=str) if isinstance(v, dict | list) else str(v) for v in row]


async def _dump(factory: Any) -> dict[str, list[tuple[list[str], list[Any]]]]:
    """Every table's rows in stored order (no ORDER BY), as a dump tool reads them."""
    out: dict[str, list[tuple[list[str], list[Any]]]] = {}
    async with factory.db.session(unscoped=True) as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(text(f'SELECT * FROM "{table.name}"'))
            keys = list(result.keys())
            out[table.name] = [(keys, list(row)) for row in result.all()]
    return out


async def _rows(factory: Any, sql: str) -> list[Any]:
    async with factory.db.session(unscoped=True) as session:
        return list((await session.execute(text(sql))).all())


async def test_nothing_links_a_voter_to_a_choice(client, factory, tenant, csrf, caplog) -> None:
    # the app's own loggers at DEBUG, everything else at INFO: a database driver's DEBUG output echoes every SQL
    # parameter (ballots included) and is never switched on in production
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="townhall")
    project, phase = await make_referendum(factory, tenant)
    qids = await question_ids(factory, tenant, phase)
    rankings = list(itertools.permutations(range(3)))
    voters = [
        await factory.user(tenant, verified=True, display_name=f"Voter Nr{i}", email=f"voter{i}@example.org")
        for i in range(VOTERS)
    ]
    order = list(range(VOTERS))
    random.Random(7).shuffle(order)  # the voting order differs from the order the accounts were created in
    cast: list[dict[str, Any]] = []
    for position, index in enumerate(order):
        voter = voters[index]
        client.cookies.clear()
        await factory.login(client, voter)
        await client.get(f"/projects/{project.slug}/phases/{phase.id}")
        receipt = "".join("ABCDEFGHJKLMNPQR"[(position + k) % 16] for k in range(16))
        yes = "yes" if position >= VOTERS // 2 else "no"
        ranking = rankings[position % len(rankings)]
        form = {"receipt": receipt, f"q{qids[0]}": yes}
        form |= {f"q{qids[1]}_{option}": str(ranking.index(option) + 1) for option in range(3)}
        response = await client.post(f"/p/{phase.id}/referendum/vote", data=form, headers=await csrf(client))
        assert response.status_code == 200
        choices = {str(qids[0]): yes, str(qids[1]): list(ranking)}
        cast.append({"user": voter, "receipt": receipt, "hash": rules.receipt_hash(receipt), "choices": choices})
    assert len({rules.canonical(c["choices"]) for c in cast}) == VOTERS  # every ballot is recognisable

    dump = await _dump(factory)

    # 1. the ballot box has no column that could name a person, a time or an order of voting
    box = Ballot.__table__
    assert set(box.columns.keys()) == {"id", "tenant_id", "phase_id", "receipt_hash", "choices"}
    assert not [c for c in box.columns if isinstance(c.type, DateTime)]
    assert not [c for c in box.columns if isinstance(c.type, Integer) and c.autoincrement is True]
    assert not [c for c in RollEntry.__table__.columns if isinstance(c.type, DateTime)]

    # 2. no row of any table holds a voter's identity next to their ballot
    for name, rows in dump.items():
        for keys, row in rows:
            cells = _cells(row)
            blob = " ".join(cells)
            for c in cast:
                user = c["user"]
                ballot_here = c["hash"] in blob or c["receipt"] in blob or rules.canonical(c["choices"]) in blob
                if not ballot_here:
                    continue
                identity = {"user_id": str(user.id)} if "user_id" in keys else {}
                named = user.email in blob or user.display_name in blob
                linked = named or any(row[keys.index(k)] == user.id for k in identity)
                assert not linked, (
                    f"{name} links {user.display_name} to their ballot: {dict(zip(keys, cells, strict=True))}"
                )

    # 3. no order of the ballot box follows the order of voting
    voting_order = [c["hash"] for c in cast]
    ballots = [dict(zip(keys, row, strict=True)) for keys, row in dump["referendum_ballot"]]
    assert len(ballots) == VOTERS
    for column in ("id", "receipt_hash"):
        assert [b["receipt_hash"] for b in sorted(ballots, key=lambda b: b[column])] != voting_order, column
    if factory.db.engine.dialect.name == "sqlite":  # PostgreSQL's heap order is a documented limit (docs page)
        assert [b["receipt_hash"] for b in ballots] != voting_order, "the stored order is the voting order"
    # the roll only knows the day and the channel of each vote
    roll = [dict(zip(keys, row, strict=True)) for keys, row in dump["referendum_roll"]]
    assert {str(r["voted_on"]) for r in roll if r["voted"]} and all(len(str(r["voted_on"])) == 10 for r in roll)

    # 4. the vote's rate-limit bookkeeping (rate_limit_hit, next to the account) keeps the day, not the time or order
    hits = [dict(zip(keys, row, strict=True)) for keys, row in dump["rate_limit_hit"]]
    vote_hits = [h for h in hits if ":referendum.vote:" in h["bucket"]]
    assert vote_hits, "the vote is rate limited"
    for hit in vote_hits:
        stamp = hit["created_at"]
        stamp = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
        assert (stamp.hour, stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0, 0), hit
        assert hit["id"] >= 2**61, "a counted vote has a random id, not the next of a sequence"
    account_hits = {int(h["bucket"].split(":a")[1].split(":")[0]): h["id"] for h in vote_hits if ":a" in h["bucket"]}
    by_id = sorted(account_hits, key=account_hits.__getitem__)
    assert by_id != [c["user"].id for c in cast], "the counted votes' ids follow the order of voting"

    # 5. on PostgreSQL: the heap order (SELECT without ORDER BY, ctid) and the writing transaction (xmin)
    postgres = factory.db.engine.dialect.name == "postgresql"
    if postgres:
        # before any mix: every ballot shares its xmin with other ballots, every mark with other marks (covers)
        ballot_x = await _rows(factory, "SELECT receipt_hash, xmin::text FROM referendum_ballot")
        mark_x = await _rows(factory, "SELECT user_id, xmin::text FROM referendum_roll WHERE voted")
        for rows, what in ((ballot_x, "ballot"), (mark_x, "roll mark")):
            groups = collections.Counter(x for _, x in rows)
            assert min(groups.values()) >= 2, f"a {what} is alone with the transaction that wrote it: {groups}"

    # the scheduled mix (as the job runs it), then nothing about the box changed but its order
    before = await _rows(factory, "SELECT receipt_hash, choices FROM referendum_ballot ORDER BY receipt_hash")
    job = JobContext(state=factory.app, key="referendum.mix", tenant_id=tenant.id, slot="test")
    assert await mix_open(job) == VOTERS
    after = await _rows(factory, "SELECT receipt_hash, choices FROM referendum_ballot ORDER BY receipt_hash")
    assert [tuple(map(str, r)) for r in after] == [tuple(map(str, r)) for r in before]

    if postgres:
        voters_order = [c["user"].id for c in cast]
        for order_by in ("", " ORDER BY ctid"):
            heap = [r[0] for r in await _rows(factory, f"SELECT receipt_hash FROM referendum_ballot{order_by}")]
            assert heap != voting_order, f"the ballot box{order_by or ' as stored'} follows the order of voting"
            marks = [r[0] for r in await _rows(factory, f"SELECT user_id FROM referendum_roll WHERE voted{order_by}")]
            assert marks != voters_order, f"the roll marks{order_by or ' as stored'} follow the order of voting"
        written_by_votes = {x for _, x in ballot_x} | {x for _, x in mark_x}
        ballot_x = await _rows(factory, "SELECT receipt_hash, xmin::text FROM referendum_ballot")
        mark_x = await _rows(factory, "SELECT user_id, xmin::text FROM referendum_roll WHERE voted")
        assert not written_by_votes & ({x for _, x in ballot_x} | {x for _, x in mark_x}), "the mix rewrote nothing"
        assert len({x for _, x in ballot_x}) == 1, "after the mix every ballot has the same xmin"
        assert len({x for _, x in mark_x}) == 1, "after the mix every roll mark has the same xmin"
        for _, x in mark_x:  # a mark's transaction names all ballots or none
            assert sum(1 for _, bx in ballot_x if bx == x) in (0, VOTERS)

    # 6. the logs say nothing of receipts or choices
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name != "httpx")
    for c in cast:
        assert c["receipt"] not in logged and c["hash"] not in logged
        assert rules.canonical(c["choices"]) not in logged


def test_a_coarse_limit_counts_whole_days_only() -> None:
    with pytest.raises(RateLimitSyntaxError):
        RateLimit.of(account="1/min", ip="5/day", coarse=True)
    assert VOTE_LIMIT.coarse and all(r.seconds == 86400 for r in (*VOTE_LIMIT.account, *VOTE_LIMIT.ip))
    # an operator's override of the vote's limit stays coarse: shorter windows drop out, a day stands in
    override = RateLimit.parse("account 3/min 9/day; ip 20/min")
    coarse = override.made_coarse()
    assert coarse.coarse and [str(r) for r in coarse.account] == ["9/day"] and [str(r) for r in coarse.ip] == ["20/day"]


async def test_coarse_hits_keep_the_day_and_still_limit(factory) -> None:
    checks = [("rl:test:referendum.vote:a1:86400", Rate(2, 86400))]
    async with factory.db.session(unscoped=True, write=True) as session:
        assert await throttle.count(session, checks, coarse=True) is None
        assert await throttle.count(session, checks, coarse=True) is None
        wait = await throttle.count(session, checks, coarse=True)  # the third vote of the day from one account
        stamps = (await session.execute(text("SELECT id, created_at FROM rate_limit_hit"))).all()
    now = utcnow()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert wait is not None and abs(wait - (midnight - now).total_seconds()) < 5, "free again at midnight UTC"
    assert len(stamps) == 2 and all(i >= throttle.COARSE_IDS for i, _ in stamps)
    for _, stamp in stamps:
        stamp = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
        assert (stamp.hour, stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0, 0)
