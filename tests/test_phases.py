"""The one definition of phase state, and the overlap rule of a project's timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from core.phases import PhaseState, current_phase, overlapping, phase_state

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def phase(start: datetime = START, end: datetime = END, id_: int = 1) -> SimpleNamespace:
    return SimpleNamespace(id=id_, starts_at=start, ends_at=end)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (START - timedelta(days=30), PhaseState.UPCOMING),
        (START - TICK, PhaseState.UPCOMING),
        (START, PhaseState.ACTIVE),  # start is inclusive
        (START + TICK, PhaseState.ACTIVE),
        (END - TICK, PhaseState.ACTIVE),
        (END, PhaseState.ENDED),  # end is exclusive
        (END + timedelta(days=400), PhaseState.ENDED),
    ],
)
def test_phase_state_boundaries(moment: datetime, expected: PhaseState) -> None:
    assert phase_state(phase(), moment) is expected


def test_phase_state_compares_instants_not_wall_clocks() -> None:
    """09:00 UTC is 10:00 in Amsterdam (CET): the same instant, so the phase has just started."""
    amsterdam = START.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert amsterdam.hour == 10
    assert phase_state(phase(), amsterdam) is PhaseState.ACTIVE
    assert phase_state(phase(), amsterdam - TICK) is PhaseState.UPCOMING


def test_phase_state_defaults_to_now() -> None:
    now = datetime.now(UTC)
    assert phase_state(phase(now - timedelta(hours=1), now + timedelta(hours=1))) is PhaseState.ACTIVE
    assert phase_state(phase(now - timedelta(hours=2), now - timedelta(hours=1))) is PhaseState.ENDED


def test_state_values_are_the_strings_templates_use() -> None:
    assert [s.value for s in PhaseState] == ["upcoming", "active", "ended"]


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (END, END + timedelta(days=5), False),  # starts exactly when the other ends: back to back is fine
        (START - timedelta(days=5), START, False),  # ends exactly when the other starts
        (END - TICK, END + timedelta(days=5), True),
        (START - timedelta(days=5), START + TICK, True),
        (START + timedelta(days=1), END - timedelta(days=1), True),  # inside
        (START - timedelta(days=1), END + timedelta(days=1), True),  # around
        (START, END, True),  # identical
    ],
)
def test_overlapping(start: datetime, end: datetime, overlaps: bool) -> None:
    other = phase()
    found = overlapping([other], start, end)
    assert (found is other) if overlaps else found is None


def test_overlapping_ignores_the_phase_being_edited_and_finds_the_culprit() -> None:
    first, second = phase(id_=1), phase(END, END + timedelta(days=10), id_=2)
    assert overlapping([first, second], START, END, ignore_id=1) is None
    assert overlapping([first, second], END - TICK, END + TICK, ignore_id=1) is second
    assert overlapping([first, second], END - TICK, END + TICK, ignore_id=2) is first
    assert overlapping([], START, END) is None


def test_current_phase_is_the_active_one() -> None:
    first, second = phase(id_=1), phase(END, END + timedelta(days=10), id_=2)
    assert current_phase([first, second], START) is first
    assert current_phase([first, second], END) is second  # the hand-over instant belongs to the next phase
    assert current_phase([first, second], END + timedelta(days=10)) is None
