"""core.permissions.check: every reason, for every level and role, with areas and plugin vetoes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from babel.support import NullTranslations

from core import ALLOWED, REASONS, denied, hookimpl
from core.i18n import activate
from core.permissions import check
from core.plugins import build_plugin_manager

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ACTION = "dummy.support"


def phase(state: str = "active", level: str | None = None, areas: list[int] | None = None) -> SimpleNamespace:
    starts, ends = {
        "active": (NOW - timedelta(days=1), NOW + timedelta(days=1)),
        "upcoming": (NOW + timedelta(days=1), NOW + timedelta(days=2)),
        "ended": (NOW - timedelta(days=2), NOW - timedelta(days=1)),
    }[state]
    rule: dict[str, Any] = {}
    if level is not None:
        rule["level"] = level
    if areas is not None:
        rule["areas"] = areas
    return SimpleNamespace(starts_at=starts, ends_at=ends, method="dummy", permissions={ACTION: rule} if rule else {})


def user(role: str = "resident", verified: bool = False, area_id: int | None = None, banned: bool = False) -> Any:
    banned_until = NOW + timedelta(days=1) if banned else None
    return SimpleNamespace(id=7, role=role, verified=verified, area_id=area_id, banned_until=banned_until)


ROLES = {
    "anonymous": None,
    "resident": user(),
    "verified": user(verified=True),
    "admin": user("admin"),
    "banned": user(verified=True, banned=True),
}
# level → role → expected reason (None = allowed)
TABLE: dict[str, dict[str, str | None]] = {
    "everyone": {"anonymous": None, "resident": None, "verified": None, "admin": None, "banned": "banned"},
    "registered": {"anonymous": "not_signed_in", "resident": None, "verified": None, "admin": None, "banned": "banned"},
    "verified": {
        "anonymous": "not_signed_in",
        "resident": "not_verified",
        "verified": None,
        "admin": None,
        "banned": "banned",
    },
    "admins": {
        "anonymous": "not_signed_in",
        "resident": "admins_only",
        "verified": "admins_only",
        "admin": None,
        "banned": "admins_only",
    },
}
CASES = [(level, role, reason) for level, row in TABLE.items() for role, reason in row.items()]


@pytest.mark.parametrize(("level", "role", "reason"), CASES)
def test_level_by_role(level: str, role: str, reason: str | None) -> None:
    verdict = check(ROLES[role], ACTION, phase(level=level), needs_account=False, now=NOW)
    assert verdict.reason == reason
    assert verdict.allowed is (reason is None)


@pytest.mark.parametrize(("level", "role", "reason"), CASES)
def test_the_level_defaults_to_the_actions_default(level: str, role: str, reason: str | None) -> None:
    assert check(ROLES[role], ACTION, phase(), default_level=level, needs_account=False, now=NOW).reason == reason


@pytest.mark.parametrize("level", sorted(TABLE))
def test_an_action_that_needs_an_account_refuses_anonymous_visitors_at_every_level(level: str) -> None:
    assert check(None, ACTION, phase(level=level), now=NOW).reason == "not_signed_in"  # needs_account by default
    assert check(None, ACTION, phase(), default_level=level, needs_account=True, now=NOW).reason == "not_signed_in"
    signed_in = TABLE[level]["resident"]
    assert check(ROLES["resident"], ACTION, phase(level=level), now=NOW).reason == signed_in


@pytest.mark.parametrize("state", ["upcoming", "ended"])
@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("level", sorted(TABLE))
def test_a_phase_that_is_not_open_refuses_everyone(state: str, role: str, level: str) -> None:
    assert check(ROLES[role], ACTION, phase(state, level=level), now=NOW).reason == "phase_not_active"


def test_an_unknown_level_in_the_phase_falls_back_to_the_default() -> None:
    assert check(None, ACTION, phase(level="moderators"), default_level="registered", now=NOW).reason == (
        "not_signed_in"
    )
    assert check(None, ACTION, phase(level="moderators"), default_level="everyone", needs_account=False, now=NOW)


def test_a_ban_that_is_over_no_longer_counts() -> None:
    former = user(verified=True)
    former.banned_until = NOW - timedelta(seconds=1)
    assert check(former, ACTION, phase(), now=NOW).allowed


@pytest.mark.parametrize(
    ("who", "level", "reason"),
    [
        (None, "registered", "not_signed_in"),
        (None, "everyone", "not_signed_in"),  # an area limit needs to know where the visitor lives
        (user(area_id=1), "registered", None),
        (user(area_id=2), "registered", "not_in_area"),
        (user(area_id=None), "registered", "not_in_area"),
        (user(area_id=2), "everyone", "not_in_area"),
        (user(area_id=1), "verified", "not_verified"),  # the level is checked before the area
        (user("admin", area_id=None), "registered", None),  # staff are not limited to areas
        (user(verified=True, area_id=3, banned=True), "registered", "banned"),
    ],
)
def test_area_limits(who: Any, level: str, reason: str | None) -> None:
    assert check(who, ACTION, phase(level=level, areas=[1, 4]), needs_account=False, now=NOW).reason == reason


def test_area_ids_in_the_phase_may_be_strings() -> None:
    assert check(user(area_id=4), ACTION, phase(areas=["4"]), now=NOW).allowed


class Veto:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple] = []

    @hookimpl
    def permission_verdict(self, user: Any, action: str, phase: Any, item: Any) -> Any:
        self.calls.append((user, action, item))
        return self.answer


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ([None], None),
        ([True], None),
        ([ALLOWED], None),
        ([False], "action_disabled"),
        ([denied("limit_reached")], "limit_reached"),
        ([denied("already_done")], "already_done"),
        ([True, denied("already_done")], "already_done"),  # any veto wins over an approval
        ([None, False, True], "action_disabled"),
    ],
)
def test_plugin_vetoes(answers: list[Any], reason: str | None) -> None:
    vetoes = [Veto(a) for a in answers]
    pm = build_plugin_manager(vetoes, load_entry_points=False)
    verdict = check(user(), ACTION, phase(), item="the item", pm=pm, now=NOW)
    assert verdict.reason == reason
    assert all(v.calls == [(vetoes[0].calls[0][0], ACTION, "the item")] for v in vetoes if v.calls)


def test_vetoes_are_not_asked_when_the_core_already_refused() -> None:
    veto = Veto(None)
    pm = build_plugin_manager([veto], load_entry_points=False)
    assert check(None, ACTION, phase(), pm=pm, now=NOW).reason == "not_signed_in"
    assert check(user(), ACTION, phase("ended"), pm=pm, now=NOW).reason == "phase_not_active"
    assert veto.calls == []


def test_every_reason_can_happen_and_has_a_message() -> None:
    reachable = {reason for row in TABLE.values() for reason in row.values() if reason}
    reachable |= {"phase_not_active", "not_in_area", "action_disabled", "limit_reached", "already_done"}
    assert reachable == set(REASONS)
    for reason in REASONS:
        verdict = denied(reason)
        assert not verdict and verdict.message.strip()
    assert ALLOWED.allowed and ALLOWED.message == ""


def test_an_unknown_reason_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown permission reason"):
        denied("because")


def test_messages_are_resolved_in_the_active_language_when_shown() -> None:
    """Reasons are lazy strings: the same Verdict reads in whatever language is active when it is rendered."""

    class Shouting(NullTranslations):
        def ugettext(self, message: str) -> str:
            return message.upper()

    verdict = denied("not_signed_in")
    try:
        activate("en", NullTranslations())
        english = verdict.message
        activate("xx", Shouting())
        translated = verdict.message
    finally:
        activate("en", NullTranslations())
    assert english == "Sign in to take part."
    assert translated == "SIGN IN TO TAKE PART."


async def test_the_phase_permissions_gate_the_http_action(client, factory, tenant, csrf) -> None:
    """End to end: an area-limited phase refuses a resident of another area, with the reason, writing nothing."""
    from core.models import Area
    from tests.dummy_method.models import DummySupport

    async with factory.db.session(tenant.id, write=True) as session:
        north, south = Area(name={"en": "North"}), Area(name={"en": "South"})
        session.add_all([north, south])
        await session.flush()
        north_id, south_id = north.id, south.id
    project = await factory.project(tenant)
    ph = await factory.phase(
        project, "dummy", permissions={"dummy.support": {"level": "registered", "areas": [north_id]}}
    )
    await factory.login(client, await factory.user(tenant, area_id=south_id))
    refused = await client.post(f"/p/{ph.id}/dummy/support", headers=await csrf(client))
    assert refused.status_code == 403
    assert "This is open to residents of the selected areas only." in refused.text
    assert await factory.count(DummySupport, tenant.id) == 0
    await factory.login(client, await factory.user(tenant, area_id=north_id))
    accepted = await client.post(f"/p/{ph.id}/dummy/support", headers=await csrf(client), follow_redirects=False)
    assert accepted.status_code == 303
    assert await factory.count(DummySupport, tenant.id) == 1
