"""A minimum age on the roll: accounts hold no birth date, so it needs the imported register with a birth date per
voter; at the snapshot entries too young on the last day of voting (or without a birth date) leave the roll and the
birth dates are cleared."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest
from sqlalchemy import select

from core import RowError
from plugins.referendum import services
from plugins.referendum.imports import parse_born
from plugins.referendum.models import Box, RollEntry
from plugins.referendum.spec import ReferendumConfig
from tests.test_referendum_web import make_referendum, set_state, signed_in


def test_a_minimum_age_needs_the_register() -> None:
    with pytest.raises(msgspec.ValidationError, match="minimum age needs the imported register"):
        msgspec.convert({"minimum_age": 16}, ReferendumConfig)
    assert msgspec.convert({"minimum_age": 16, "roll_source": "register"}, ReferendumConfig).minimum_age == 16
    assert msgspec.convert({}, ReferendumConfig).minimum_age == 0


def test_age_arithmetic_and_birth_dates() -> None:
    assert services.age_on(date(2010, 6, 15), date(2026, 6, 15)) == 16
    assert services.age_on(date(2010, 6, 16), date(2026, 6, 15)) == 15
    assert services.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert parse_born(" 2001-02-03 ", None) == date(2001, 2, 3) and parse_born("", None) is None
    for bad in ("03/02/2001", "1850-01-01", "2999-01-01"):
        with pytest.raises(RowError):
            parse_born(bad, None)


async def test_the_register_with_birth_dates_makes_the_roll(client, factory, tenant, csrf) -> None:
    config = {"roll_source": "register", "minimum_age": 16}
    _project, phase = await make_referendum(factory, tenant, state="upcoming", config=config)
    await signed_in(factory, client, tenant, role="admin")
    headers = await csrf(client)
    await set_state(factory, tenant, phase, "active")  # dates as they will be; the box is not snapshotted yet
    async with factory.db.session(tenant.id) as session:
        from core import Phase

        stored = await session.get(Phase, phase.id)
        last = services.last_voting_day(stored)
    await set_state_upcoming(factory, tenant, phase)
    sixteen = last.replace(year=last.year - 16)  # sixteen on the last day of voting
    fifteen = sixteen + timedelta(days=1)  # sixteen the day after
    csv_text = (f"Voter code or e-mail;Birth date\nAAAA1111;{sixteen.isoformat()}\nBBBB2222;{fifteen.isoformat()}\n"
                "CCCC3333;\nDDDD4444;1950-01-01\n")  # fmt: skip
    url = f"/p/{phase.id}/import/referendum.register"
    uploaded = await client.post(url, data={"source": "Register"}, headers=headers, follow_redirects=False,
                                 files={"file": ("register.csv", csv_text.encode(), "text/csv")})  # fmt: skip
    assert uploaded.status_code == 303, uploaded.text
    confirmed = await client.post(uploaded.headers["location"], headers=headers, follow_redirects=False)
    assert confirmed.status_code == 303
    async with factory.db.session(tenant.id) as session:
        born = {e.code: e.born_on for e in (await session.scalars(select(RollEntry))).all()}
    assert born == {"AAAA1111": sixteen, "BBBB2222": fifteen, "CCCC3333": None, "DDDD4444": date(1950, 1, 1)}

    await set_state(factory, tenant, phase, "active")
    manage = await client.get(f"/p/{phase.id}/referendum/manage")
    assert manage.status_code == 200 and "2 people are on the electoral roll" in manage.text
    async with factory.db.session(tenant.id) as session:
        entries = (await session.scalars(select(RollEntry))).all()
        box = await session.scalar(select(Box).where(Box.phase_id == phase.id))
    assert sorted(e.code for e in entries) == ["AAAA1111", "DDDD4444"] and box.roll_size == 2
    assert all(e.born_on is None for e in entries), "birth dates are cleared at the snapshot"


async def set_state_upcoming(factory, tenant, phase) -> None:
    """Back to upcoming with the same end (so the last day of voting stays the one computed above)."""
    from sqlalchemy import update

    from core import Phase, utcnow

    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(Phase).where(Phase.id == phase.id).values(starts_at=utcnow() + timedelta(days=1)))
