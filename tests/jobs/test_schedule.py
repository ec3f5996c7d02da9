"""Which slot is due: every N seconds, cron strings, and the refusal of malformed job specs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.jobs import JobSpec, JobSpecError
from core.jobs.saq_runner import saq_cron
from core.jobs.schedule import due_slot, slot_key


async def _noop(job_ctx: object) -> None:
    return None


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_n_seconds_floors_to_the_slot() -> None:
    spec = JobSpec("core.test", _noop, every=3600)
    assert due_slot(spec, at("2026-12-02 14:59:59")) == at("2026-12-02 14:00:00")
    assert due_slot(spec, at("2026-12-02 15:00:00")) == at("2026-12-02 15:00:00")
    assert due_slot(JobSpec("core.test", _noop, every=30), at("2026-12-02 14:00:45.5")) == at("2026-12-02 14:00:30")


def test_cron_gives_the_latest_scheduled_instant_at_or_before_now() -> None:
    daily = JobSpec("core.test", _noop, cron="30 2 * * *")
    assert due_slot(daily, at("2026-12-02 02:29:59")) == at("2026-12-01 02:30:00")
    assert due_slot(daily, at("2026-12-02 02:30:00")) == at("2026-12-02 02:30:00")
    assert due_slot(daily, at("2026-12-02 23:00:00")) == at("2026-12-02 02:30:00")
    seconds = JobSpec("core.test", _noop, cron="* * * * * */10")
    assert due_slot(seconds, at("2026-12-02 10:00:19")) == at("2026-12-02 10:00:10")


def test_the_slot_is_the_same_whatever_the_time_zone_of_now() -> None:
    from zoneinfo import ZoneInfo

    spec = JobSpec("core.test", _noop, cron="0 * * * *")
    local = datetime(2026, 12, 2, 15, 20, tzinfo=ZoneInfo("Europe/Brussels"))
    assert slot_key(due_slot(spec, local)) == "2026-12-02T14:00:00Z"


def test_a_one_off_job_has_no_slot() -> None:
    assert due_slot(JobSpec("core.test", _noop), at("2026-12-02 10:00:00")) is None
    assert not JobSpec("core.test", _noop).periodic


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "nodot"}, "<owner>.<name>"),
        ({"key": "Core.test"}, "<owner>.<name>"),
        ({"key": "core.test", "every": 10, "cron": "* * * * *"}, "not both"),
        ({"key": "core.test", "every": 0}, ">= 1"),
        ({"key": "core.test", "cron": "every day"}, "invalid cron"),
    ],
)
def test_malformed_specs_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(JobSpecError, match=message):
        JobSpec(run=_noop, **kwargs)


def test_saq_fires_often_enough_for_the_slot() -> None:
    assert saq_cron(JobSpec("core.test", _noop, cron="0 * * * *")) == "0 * * * *"
    assert saq_cron(JobSpec("core.test", _noop, every=10)) == "* * * * * */10"
    assert saq_cron(JobSpec("core.test", _noop, every=3600)) == "* * * * *"
