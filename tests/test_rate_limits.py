"""The participation rate-limit mechanism itself: declared limits, their syntax, counting, waits and overrides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select

from core import COMMENTING, UNLIMITED, ActionSpec, Rate, RateLimit
from core.accounts import count_attempt
from core.db.base import utcnow
from core.i18n import format_duration
from core.models import RateLimitHit
from core.ratelimits import DEFAULT, PRESETS, RateLimitSyntaxError, parse_env, parse_overrides
from core.settings import settings_from_env
from core.testing.ratelimits import check_rate_limits
from core.throttle import RateLimited, buckets, count, effective_limit


def test_rates_read_the_way_operators_write_them() -> None:
    assert Rate.parse("10/min") == Rate(10, 60)
    assert Rate.parse("5/10min") == Rate(5, 600)
    assert Rate.parse("100/day") == Rate(100, 86400)
    assert Rate.parse("7/90") == Rate(7, 90)
    assert Rate.parse(" 20 / h ") == Rate(20, 3600)
    limit = RateLimit.parse("account 10/min 100/day; ip 50/min")
    assert limit == RateLimit((Rate(10, 60), Rate(100, 86400)), (Rate(50, 60),))
    assert RateLimit.parse(str(limit)) == limit
    assert RateLimit.of(account="10/min, 100/day") == RateLimit((Rate(10, 60), Rate(100, 86400)))
    assert RateLimit.parse("off") == UNLIMITED and UNLIMITED.unlimited
    for preset in PRESETS.values():
        assert RateLimit.parse(str(preset)) == preset


@pytest.mark.parametrize(
    "text", ["", "ten/min", "10/fortnight", "10", "0/min", "5/8day", "account", "user 1/min", "ip 1/min; ip 2/min"]
)
def test_a_limit_we_cannot_read_is_refused(text: str) -> None:
    with pytest.raises(RateLimitSyntaxError):
        RateLimit.parse(text)


def test_overrides_come_from_settings_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_RATE_LIMITS", "ideation.post=account 2/min; ip 4/min | core.report=off")
    settings = settings_from_env()
    assert settings.rate_limits == {"ideation.post": "account 2/min; ip 4/min", "core.report": "off"}
    parsed = parse_overrides(settings.rate_limits)
    assert parsed["ideation.post"] == RateLimit.of(account="2/min", ip="4/min")
    with pytest.raises(RateLimitSyntaxError):
        parse_env("ideation.post")
    with pytest.raises(RateLimitSyntaxError):
        parse_env("ideation.post=account 2/fortnight")


def test_a_typo_in_the_overrides_stops_the_app_at_start(townhall_settings: Any) -> None:
    from core.app import create_app

    with pytest.raises(RateLimitSyntaxError):
        create_app(msgspec.structs.replace(townhall_settings, rate_limits={"ideation.post": "acount 1/min"}))


def test_an_override_wins_then_the_declaration_then_the_default() -> None:
    class App:
        rate_limits = {"a.b": RateLimit.of(account="1/min")}

    assert effective_limit(App(), "a.b", COMMENTING) == RateLimit.of(account="1/min")
    assert effective_limit(App(), "a.c", COMMENTING) == COMMENTING
    assert effective_limit(App(), "a.c", None) == DEFAULT


def test_buckets_hash_the_address_and_name_their_window() -> None:
    limit = RateLimit.of(account="1/min, 5/day", ip="3/min")
    names = [name for name, _rate in buckets("x.y", 7, 42, "203.0.113.9", limit)]
    assert names[0] == "rl:7:x.y:a42:60" and names[1] == "rl:7:x.y:a42:86400"
    assert "203.0.113.9" not in names[2] and names[2].endswith(":60")
    assert [n for n, _r in buckets("x.y", 7, None, "203.0.113.9", limit)] == names[2:]  # anonymous: per IP only


def test_waits_read_as_words_in_each_language() -> None:
    assert format_duration(45, "en") == "45 seconds"
    assert format_duration(121, "en") == "3 minutes"  # rounded up: never told to come back too early
    assert format_duration(90000, "nl") == "25 uur"
    assert format_duration(200000, "de") == "3 Tage"


def test_the_check_finds_actions_without_a_sound_limit() -> None:
    ok = ActionSpec("m.ok", "Ok", rate_limit=COMMENTING, step_limits={"edit": COMMENTING})
    assert check_rate_limits([ok, ActionSpec("m.free", "Free", rate_limit=UNLIMITED)]) == []
    problems = check_rate_limits(
        [
            ActionSpec("m.none", "None"),
            ActionSpec("m.step", "Step", rate_limit=COMMENTING, step_limits={"edit": None}),  # type: ignore[dict-item]
            ActionSpec("m.noip", "No IP", rate_limit=RateLimit.of(account="1/min")),
            ActionSpec("m.noacct", "No account", rate_limit=RateLimit.of(ip="1/min")),
            ActionSpec("m.anon", "Anon", needs_account=False, rate_limit=RateLimit.of(ip="1/min")),
            ActionSpec("m.tight", "Tight", rate_limit=RateLimit.of(account="5/min", ip="2/min")),
        ]
    )
    assert problems == [
        "action 'm.none' declares no rate_limit (e.g. rate_limit=core.POSTING)",
        "action 'm.step:edit' declares no rate_limit (e.g. rate_limit=core.POSTING)",
        "action 'm.noip' has no per-IP rate",
        "action 'm.noacct' needs an account but has no per-account rate",
        "action 'm.tight': per-IP 2/min allows less than one account in the same window",
    ]
    assert hash(ok) == hash(ActionSpec("m.ok", "Ok", rate_limit=COMMENTING))  # still usable as a set member


async def _hits(session: Any, bucket: str | None = None) -> int:
    stmt = select(func.count()).select_from(RateLimitHit)
    if bucket is not None:
        stmt = stmt.where(RateLimitHit.bucket == bucket)
    return int(await session.scalar(stmt) or 0)


async def test_count_lets_the_limit_through_then_refuses_and_records_nothing(app: Any) -> None:
    db = app.state.townhall.db
    checks = [("b:acct:60", Rate(3, 60)), ("b:ip:60", Rate(5, 60))]
    async with db.session(write=True) as session:
        assert [await count(session, checks) for _ in range(3)] == [None, None, None]
        wait = await count(session, checks)
        assert wait is not None and 55 <= wait <= 60
        assert await _hits(session, "b:acct:60") == 3 and await _hits(session, "b:ip:60") == 3


async def test_the_wait_is_until_the_oldest_hit_leaves_the_window(app: Any) -> None:
    db = app.state.townhall.db
    now = utcnow()
    async with db.session(write=True) as session:
        session.add_all(
            [
                RateLimitHit(bucket="w:60", created_at=now - timedelta(seconds=50)),
                RateLimitHit(bucket="w:60", created_at=now - timedelta(seconds=20)),
                RateLimitHit(bucket="w:60", created_at=now - timedelta(seconds=90)),  # outside: pruned
            ]
        )
        await session.flush()
        wait = await count(session, [("w:60", Rate(2, 60))])
        assert wait is not None and 9 <= wait <= 11
        assert await _hits(session, "w:60") == 2
        assert await count(session, [("w:60", Rate(3, 60))]) is None  # a larger limit has room


async def test_login_counting_no_longer_prunes_other_windows(app: Any) -> None:
    """count_attempt used to delete every hit older than its own 5 minutes, a day-long limit's included."""
    db = app.state.townhall.db
    async with db.session(write=True) as session:
        session.add(RateLimitHit(bucket="rl:1:x:a1:86400", created_at=utcnow() - timedelta(hours=3)))
        await session.flush()
        await count_attempt(session, ["login:1:abc"], 10, 300)
        assert await _hits(session, "rl:1:x:a1:86400") == 1


def test_the_refusal_is_a_429_with_retry_after() -> None:
    exc = RateLimited(75)
    assert exc.status_code == 429 and exc.headers == {"Retry-After": "75"} and exc.retry_after == 75
    assert "75 seconds" in exc.detail


async def test_the_prune_job_forgets_only_hits_older_than_any_window(app: Any) -> None:
    from core.jobs.core_jobs import prune_rate_limits
    from core.jobs.spec import JobContext

    state = app.state.townhall
    async with state.db.session(write=True) as session:
        session.add_all(
            [
                RateLimitHit(bucket="old", created_at=utcnow() - timedelta(days=8)),
                RateLimitHit(bucket="recent", created_at=utcnow() - timedelta(days=2)),
            ]
        )
    assert "core.prune_rate_limits" in state.registry.jobs
    removed = await prune_rate_limits(JobContext(state, "core.prune_rate_limits", None, "t"))
    assert removed == 1
    async with state.db.session() as session:
        assert await _hits(session) == 1 and await _hits(session, "recent") == 1
