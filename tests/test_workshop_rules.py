"""The workshop's pure rules: capacity and waiting list, join window, timer state, meeting links, calendar file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugins.workshop import rules
from plugins.workshop.spec import WorkshopConfig, config_of

T0 = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- capacity and waiting list


@pytest.mark.parametrize(
    ("registered", "capacity", "expected"),
    [
        (0, 1, rules.REGISTERED),
        (2, 3, rules.REGISTERED),
        (3, 3, rules.WAITING),
        (5, 3, rules.WAITING),
        (500, 0, rules.REGISTERED),
    ],
)
def test_seat_or_waiting_list(registered: int, capacity: int, expected: str) -> None:
    assert rules.new_registration_status(registered, capacity) == expected


@pytest.mark.parametrize(
    ("registered", "capacity", "waiting", "expected"),
    [(2, 3, 4, 1), (3, 3, 4, 0), (1, 5, 2, 2), (0, 5, 0, 0), (9, 0, 7, 7), (6, 3, 2, 0)],
)
def test_seats_to_fill_from_the_waiting_list(registered: int, capacity: int, waiting: int, expected: int) -> None:
    assert rules.seats_to_fill(registered, capacity, waiting) == expected


# --------------------------------------------------------------------------- join window


def test_join_window_opens_n_minutes_before_the_start_and_closes_at_the_end() -> None:
    end = T0 + timedelta(hours=2)

    def state(now: datetime, ended_at: datetime | None = None) -> str:
        return rules.session_state(T0, end, 10, ended_at, now)

    assert state(T0 - timedelta(minutes=10, seconds=1)) == rules.UPCOMING
    assert state(T0 - timedelta(minutes=10)) == rules.LIVE  # inclusive
    assert state(T0 + timedelta(hours=1)) == rules.LIVE
    assert state(end - timedelta(seconds=1)) == rules.LIVE
    assert state(end) == rules.ENDED  # exclusive
    assert state(T0 + timedelta(minutes=5), ended_at=T0) == rules.ENDED  # ended early by the facilitator
    assert rules.session_state(T0, end, 0, None, T0 - timedelta(seconds=1)) == rules.UPCOMING
    assert rules.join_opens_at(T0, 15) == T0 - timedelta(minutes=15)


# --------------------------------------------------------------------------- timer


def test_timer_state_counts_down_from_a_server_side_end_time() -> None:
    assert rules.timer_state(None, T0) == rules.Timer("off", 0)
    assert rules.timer_state(T0 + timedelta(minutes=5), T0) == rules.Timer("running", 300)
    assert rules.timer_state(T0 + timedelta(seconds=0.2), T0) == rules.Timer("running", 1)  # rounds up
    assert rules.timer_state(T0, T0) == rules.Timer("done", 0)
    assert rules.timer_state(T0 - timedelta(seconds=3), T0) == rules.Timer("done", 0)
    assert rules.clock(300) == "05:00" and rules.clock(3725) == "1:02:05" and rules.clock(-4) == "00:00"


def test_agenda_step_is_clamped() -> None:
    assert rules.clamp_step(7, 3) == 2 and rules.clamp_step(-1, 3) == 0 and rules.clamp_step(4, 0) == 0


# --------------------------------------------------------------------------- meeting links


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", None),
        ("https://meet.example.org/room-1", None),
        ("https://eu.meet.example.org/room", None),  # a subdomain of an allowed host
        ("https://MEET.example.org:443/x", None),
        ("http://meet.example.org/room", "https"),
        ("javascript:alert(1)", "https"),
        ("https://evil.org/meet.example.org", "host"),
        ("https://meet.example.org.evil.org/", "host"),
        ("https://notmeet.example.org/", "host"),
        ("https://user:pw@meet.example.org/", "format"),
        ("https://meet.example.org:8443/", "format"),
        ("https://meet.example.org/a b", "format"),
        ("https://[::1/", "format"),
    ],
)
def test_meeting_link_must_be_https_on_an_allowed_host(url: str, problem: str | None) -> None:
    assert rules.meeting_link_problem(url, ["meet.example.org"]) == problem


def test_allowed_hosts_are_checked_in_the_config() -> None:
    assert WorkshopConfig(allowed_hosts=[" Meet.Example.org ", ""]).allowed_hosts == ["meet.example.org"]
    assert config_of(type("P", (), {"config": {"allowed_hosts": ["not a host"]}})()).allowed_hosts == []


# --------------------------------------------------------------------------- calendar


def test_ics_is_a_valid_folded_utc_event() -> None:
    text = rules.ics(
        "workshop-1-2@city.test",
        "Park; a, b",
        T0,
        T0 + timedelta(hours=2),
        "https://city.test/p/1",
        "Étape 1\nÉtape 2 " + "é" * 80,
        T0,
    )
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20260504T180000Z" in lines and "DTEND:20260504T200000Z" in lines
    assert "SUMMARY:Park\\; a\\, b" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:Étape 1\\nÉtape 2 " + "é" * 80 in unfolded
