"""The proposals rules as pure functions: thresholds (absolute, percent), deadlines across DST, the state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugins.proposals import rules
from plugins.proposals.identity import identity_hash, identity_key, normalise


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --------------------------------------------------------------------------- thresholds


def test_absolute_threshold_is_the_number() -> None:
    assert rules.threshold_for("absolute", 50, 99.0, None) == 50
    assert rules.threshold_for("absolute", 50, 99.0, 1000) == 50


@pytest.mark.parametrize(
    ("percent", "population", "expected"),
    [(1.0, 10_000, 100), (1.0, 10_001, 101), (0.5, 999, 5), (2.5, 40_000, 1000), (0.01, 10, 1), (33.3, 1000, 333)],
)
def test_percent_threshold_rounds_up(percent: float, population: int, expected: int) -> None:
    assert rules.threshold_for("percent", 50, percent, population) == expected


def test_percent_threshold_is_exact_decimal_not_float() -> None:
    # 0.1 * 30 in binary floating point is 3.0000000000000004, which a naive ceil would make 4
    assert rules.threshold_for("percent", 1, 0.1, 3000) == 3


def test_percent_threshold_needs_a_population() -> None:
    assert rules.threshold_for("percent", 50, 1.0, None) is None
    assert rules.threshold_for("percent", 50, 1.0, 0) is None


# --------------------------------------------------------------------------- deadlines


def test_deadline_is_end_of_nth_local_day_after_publication() -> None:
    published = utc("2026-06-10T09:00:00")
    deadline = rules.deadline_for("days", 30, "", published, "Europe/Amsterdam")
    # 10 June + 30 days = 10 July; it ends at local midnight 11 July 00:00 CEST = 10 July 22:00 UTC
    assert deadline == utc("2026-07-10T22:00:00")


def test_deadline_across_spring_dst_change_keeps_local_midnight() -> None:
    published = utc("2026-03-20T12:00:00")  # CET (+1)
    deadline = rules.deadline_for("days", 10, "", published, "Europe/Amsterdam")
    # end of 30 March local = 31 March 00:00 CEST (+2) = 30 March 22:00 UTC, not 23:00 as plain UTC days give
    assert deadline == utc("2026-03-30T22:00:00")
    # adding 10 x 24 hours to the end of the publication day (21 March 00:00 CET = 20 March 23:00 UTC) is an hour late
    assert deadline != utc("2026-03-20T23:00:00") + timedelta(days=10)


def test_deadline_across_autumn_dst_change() -> None:
    published = utc("2026-10-20T12:00:00")  # CEST (+2)
    deadline = rules.deadline_for("days", 10, "", published, "Europe/Amsterdam")
    # end of 30 October local = 31 October 00:00 CET (+1, winter time since 25 October) = 30 October 23:00 UTC
    assert deadline == utc("2026-10-30T23:00:00")


def test_publication_late_evening_counts_the_local_day() -> None:
    # 23:30 UTC on 9 June is already 10 June in Amsterdam: the deadline counts from the local day
    published = utc("2026-06-09T23:30:00")
    assert rules.deadline_for("days", 1, "", published, "Europe/Amsterdam") == utc("2026-06-11T22:00:00")


def test_fixed_deadline_is_end_of_that_local_day() -> None:
    published = utc("2026-01-01T00:00:00")
    assert rules.deadline_for("fixed", 0, "2026-03-29", published, "Europe/Amsterdam") == utc("2026-03-29T22:00:00")
    assert rules.deadline_for("fixed", 0, "not a date", published, "Europe/Amsterdam") is None


def test_unknown_timezone_falls_back_to_utc() -> None:
    published = utc("2026-06-10T09:00:00")
    assert rules.deadline_for("days", 1, "", published, "Mars/Olympus") == utc("2026-06-12T00:00:00")


def test_response_due_counts_local_days_from_the_threshold() -> None:
    reached = utc("2026-03-25T10:00:00")
    assert rules.response_due(reached, 5, "Europe/Amsterdam") == utc("2026-03-30T22:00:00")


# --------------------------------------------------------------------------- state machine


def test_lifecycle_happy_path() -> None:
    state = rules.DRAFT
    for event, expected in [
        ("submit", rules.SUBMITTED),
        ("publish", rules.COLLECTING),
        ("reach", rules.REACHED),
        ("answer", rules.ANSWERED),
    ]:
        state = rules.next_state(state, event)
        assert state == expected


def test_changes_requested_goes_back_to_the_author() -> None:
    assert rules.next_state(rules.SUBMITTED, "ask_changes") == rules.CHANGES
    assert rules.next_state(rules.CHANGES, "submit") == rules.SUBMITTED


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (rules.DRAFT, "publish"),
        (rules.COLLECTING, "submit"),
        (rules.EXPIRED, "reach"),
        (rules.REACHED, "expire"),
        (rules.REACHED, "reach"),
        (rules.ANSWERED, "answer"),
        (rules.COLLECTING, "answer"),
        (rules.REJECTED, "publish"),
        (rules.DRAFT, "nonsense"),
    ],
)
def test_forbidden_transitions_raise(state: str, event: str) -> None:
    assert not rules.allowed(state, event)
    with pytest.raises(rules.TransitionError):
        rules.next_state(state, event)


def test_every_state_is_reachable_from_draft() -> None:
    seen, frontier = {rules.DRAFT}, [rules.DRAFT]
    while frontier:
        state = frontier.pop()
        for event in rules.TRANSITIONS:
            if rules.allowed(state, event):
                target = rules.next_state(state, event)
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
    assert seen == set(rules.STATES)


# --------------------------------------------------------------------------- milestones, progress


def test_milestones_are_crossed_once() -> None:
    assert rules.milestones_crossed(15, 17, 50) == [33]  # 16.5 needed: 17 crosses 33 percent
    assert rules.milestones_crossed(16, 17, 50) == [33]
    assert rules.milestones_crossed(17, 18, 50) == []
    assert rules.milestones_crossed(32, 33, 50) == [66]
    assert rules.milestones_crossed(49, 50, 50) == [100]
    assert rules.milestones_crossed(50, 51, 50) == []
    assert rules.milestones_crossed(0, 50, 50) == [33, 66, 100]
    assert rules.milestones_crossed(10, 9, 50) == []


def test_progress_floors_and_caps() -> None:
    now = utc("2026-06-01T00:00:00")
    p = rules.progress(49, 50, now + timedelta(hours=25), now)
    assert (p.percent, p.remaining, p.days_left) == (98, 1, 2)
    assert rules.progress(999, 1000, None, now).percent == 99
    assert rules.progress(80, 50, now - timedelta(days=1), now).percent == 100
    assert rules.progress(80, 50, now - timedelta(days=1), now).days_left == 0


def test_signing_and_overdue() -> None:
    now = utc("2026-06-01T00:00:00")
    assert rules.may_sign(rules.COLLECTING, False)
    assert not rules.may_sign(rules.REACHED, False)
    assert rules.may_sign(rules.REACHED, True)
    assert not rules.may_sign(rules.EXPIRED, True)
    assert rules.overdue(rules.REACHED, now - timedelta(seconds=1), now)
    assert not rules.overdue(rules.REACHED, now + timedelta(seconds=1), now)
    assert not rules.overdue(rules.ANSWERED, now - timedelta(days=1), now)


# --------------------------------------------------------------------------- identity keys


def test_identity_key_normalises_and_hashes() -> None:
    from datetime import date

    a = identity_key(name="  Jöhn  O'Brien ", birth_date=date(1980, 1, 2), address="Main St. 1")
    b = identity_key(name="john obrien", birth_date=date(1980, 1, 2), address="main st 1")
    assert a == b
    assert identity_key(name="john obrien", birth_date=None, address="main st 1") is None
    assert identity_key(national_id=" ab-12 34 ") == identity_key(national_id="AB1234")
    assert normalise("Ünïcode  Street") == "unicode street"
    digest = identity_hash("secret", a)
    assert len(digest) == 64 and "obrien" not in digest
    assert identity_hash("other secret", a) != digest
