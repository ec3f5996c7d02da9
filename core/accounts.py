"""Account rules: creation, authentication, one-time email tokens and rate limits.

Responses built on these never reveal whether an address has an account: callers say "if that address is known,
we sent a mail" in every case, and authentication spends the same Argon2 time for unknown addresses.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import utcnow
from core.models import Area, AuditEntry, AuthSession, EmailToken, Notification, RateLimitHit, User
from core.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    is_common_password,
    new_token,
    token_hash,
    verify_password,
)

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}$")
TOKEN_LIFETIME = {"confirm": timedelta(days=3), "reset": timedelta(hours=2), "email": timedelta(days=1)}


class AccountError(ValueError):
    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code


def normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if len(email) > 320 or not EMAIL_RE.match(email):
        raise AccountError("email", "invalid_email")
    return email


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password", "password_too_short")
    if len(password) > 1024 or "\x00" in password:
        raise AccountError("password", "invalid_password")
    if is_common_password(password):
        raise AccountError("password", "common_password")
    return password


def check_display_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name or len(name) > 120 or "\x00" in name:
        raise AccountError("display_name", "invalid_name")
    return name


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    display_name: str,
    role: str = "resident",
    verified: bool = False,
    confirmed: bool = False,
    locale: str | None = None,
    area_id: int | None = None,
) -> User:
    email = normalise_email(email)
    check_password(password)
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=check_display_name(display_name),
        role=role,
        verified=verified,
        email_confirmed_at=utcnow() if confirmed else None,
        locale=locale,
        area_id=area_id,
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    try:
        email = normalise_email(email)
    except AccountError:
        verify_password(None, password)
        return None
    user = await user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    return user


def sign_in_blocked(user: User) -> bool:
    """A ban set with "also block signing in" that still lasts (the lighter ban only stops posting)."""
    return bool(user.sign_in_banned) and user.banned_until is not None and user.banned_until > utcnow()


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    """A new password ends every session of the account, including other devices."""
    check_password(password)
    user.password_hash = hash_password(password)
    await session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))


async def issue_token(session: AsyncSession, user: User, purpose: str, payload: str | None = None) -> str:
    token = new_token()
    session.add(
        EmailToken(
            purpose=purpose,
            token_hash=token_hash(token),
            user_id=user.id,
            payload=payload,
            expires_at=utcnow() + TOKEN_LIFETIME[purpose],
        )
    )
    await session.flush()
    return token


async def find_token(session: AsyncSession, token: str, purpose: str) -> tuple[User, EmailToken] | None:
    """The unused, unexpired token for ``purpose`` and its user, without spending it (to show a form first)."""
    if not token or len(token) > 200:
        return None
    found = await session.scalar(
        select(EmailToken).where(
            EmailToken.token_hash == token_hash(token),
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > utcnow(),
        )
    )
    if found is None:
        return None
    user = await session.get(User, found.user_id)
    if user is None:
        return None
    return user, found


async def redeem_token(session: AsyncSession, token: str, purpose: str) -> tuple[User, EmailToken] | None:
    """A token works once, before it expires, for the purpose it was made for.

    The token is spent with a conditional UPDATE, so two concurrent clicks cannot both succeed.
    """
    pair = await find_token(session, token, purpose)
    if pair is None:
        return None
    _user, found = pair
    spent = await session.execute(
        update(EmailToken)
        .where(EmailToken.id == found.id, EmailToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return None
    found.used_at = utcnow()
    return pair


async def spend_tokens(session: AsyncSession, user: User, purpose: str) -> None:
    """Invalidate every outstanding token of ``purpose`` (after a reset, older reset links stop working)."""
    await session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose, EmailToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def lock_buckets(session: AsyncSession, buckets: list[str]) -> None:
    """Serialise attempts on the same buckets until this transaction ends, so counting cannot interleave.

    On PostgreSQL a transaction-scoped advisory lock per bucket (always taken in the same order, so two requests
    cannot deadlock); SQLite already serialises writing requests at ``BEGIN IMMEDIATE``.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in sorted(set(buckets)):
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@dataclass
class Attempt:
    """One counted attempt: ``over`` when a bucket was already full; ``hits`` are the rows that counted it."""

    over: bool
    hits: list[RateLimitHit] = field(default_factory=list)


async def count_attempt(session: AsyncSession, buckets: list[str], limit: int, window_seconds: int) -> Attempt:
    """Count one attempt in each bucket BEFORE the work it limits, atomically across workers.

    The buckets are locked, counted and the attempt recorded in one go, so 30 parallel requests against a limit of
    10 see 0..29 and only 10 pass. Kept in the database so every worker shares the count; old hits are pruned as
    we go. A refused attempt is not recorded (it did no work).
    """
    await lock_buckets(session, buckets)
    since = utcnow() - timedelta(seconds=window_seconds)
    await session.execute(
        delete(RateLimitHit)
        .where(RateLimitHit.bucket.in_([name[:200] for name in buckets]), RateLimitHit.created_at < since)
        .execution_options(synchronize_session=False)
    )  # only these buckets: others (participation limits, core.throttle) have windows of their own
    for name in buckets:
        count = await session.scalar(
            select(func.count())
            .select_from(RateLimitHit)
            .where(RateLimitHit.bucket == name[:200], RateLimitHit.created_at >= since)
        )
        if (count or 0) >= limit:
            return Attempt(over=True)
    hits = [RateLimitHit(bucket=name[:200]) for name in buckets]
    session.add_all(hits)
    await session.flush()
    return Attempt(over=False, hits=hits)


async def withdraw_attempt(session: AsyncSession, attempt: Attempt) -> None:
    """Take back an attempt that turned out not to count (the right password: only failures are limited)."""
    for hit in attempt.hits:
        await session.delete(hit)
    await session.flush()


async def rate_limited(session: AsyncSession, buckets: list[str], limit: int, window_seconds: int) -> bool:
    """Count one request in each bucket; True when a bucket was already full (refuse it)."""
    return (await count_attempt(session, buckets, limit, window_seconds)).over


def bucket(kind: str, tenant_id: int, value: str) -> str:
    """A rate-limit bucket name of bounded length that does not store the address or IP in clear."""
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"{kind}:{tenant_id}:{digest}"


DIGEST_CHOICES = ("daily", "weekly", "off")


def notification_prefs(user: User) -> dict:
    """The preferences as the account form shows them: ``{"email": bool, "digest": "daily"|"weekly"|"off"}``.

    Stored as core.notifications reads them: ``email`` (bool, default True), ``digest`` (bool, default False: mail
    each notification at once) and ``digest_frequency`` ("daily" | "weekly") for when ``digest`` is on.
    """
    stored = user.notification_prefs or {}
    frequency = stored.get("digest_frequency") if stored.get("digest_frequency") in ("daily", "weekly") else "daily"
    return {"email": bool(stored.get("email", True)), "digest": frequency if stored.get("digest") else "off"}


def store_notification_prefs(user: User, *, email: bool, digest: str) -> None:
    if digest not in DIGEST_CHOICES:
        raise AccountError("digest", "invalid_digest")
    prefs = dict(user.notification_prefs or {})  # a new dict, so the JSON column is seen as changed
    prefs["email"] = bool(email)
    prefs["digest"] = digest != "off"
    if digest != "off":
        prefs["digest_frequency"] = digest
    user.notification_prefs = prefs


async def confirm_email(session: AsyncSession, user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    await spend_tokens(session, user, "confirm")


async def apply_email_change(session: AsyncSession, user: User, new_email: str) -> bool:
    """Switch the address once its owner clicked the link; False when another account took it meanwhile."""
    new_email = normalise_email(new_email)
    taken = await user_by_email(session, new_email)
    if taken is not None and taken.id != user.id:
        return False
    user.email = new_email
    user.email_confirmed_at = utcnow()
    await spend_tokens(session, user, "email")
    await session.flush()
    return True


def _plugin_callables(pm: Any, hook_name: str, user: User) -> list[tuple[str, Any]]:
    """Each plugin's result of a per-user hook, named by the plugin that gave it."""
    hook = getattr(pm.hook, hook_name)
    out: list[tuple[str, Any]] = []
    for impl in reversed(hook.get_hookimpls()):
        kwargs = {name: user for name in impl.argnames if name == "user"}
        result = impl.function(**kwargs)
        if result is not None:
            out.append((impl.plugin_name, result))
    return out


async def export_user_data(session: AsyncSession, user: User, pm: Any) -> dict:
    """Everything stored about the user: core rows first, then what each plugin's ``user_data`` hook returns."""
    notifications = (
        await session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at)
        )
    ).all()
    sessions = (
        await session.scalars(select(AuthSession).where(AuthSession.user_id == user.id).order_by(AuthSession.id))
    ).all()
    audit = (
        await session.scalars(
            select(AuditEntry)
            .where(
                or_(
                    AuditEntry.actor_id == user.id,
                    (AuditEntry.target_type == "user") & (AuditEntry.target_id == user.id),
                )
            )
            .order_by(AuditEntry.created_at)
        )
    ).all()
    area = await session.get(Area, user.area_id) if user.area_id else None
    core = {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "locale": user.locale,
            "role": user.role,
            "verified": user.verified,
            "email_confirmed_at": user.email_confirmed_at,
            "area": {"id": area.id, "name": area.name} if area else None,
            "notification_prefs": notification_prefs(user),
            "banned_until": user.banned_until,
            "created_at": user.created_at,
        },
        "sessions": [{"created_at": s.created_at, "expires_at": s.expires_at} for s in sessions],
        "notifications": [
            {"kind": n.kind, "data": n.data, "url": n.url, "read_at": n.read_at, "created_at": n.created_at}
            for n in notifications
        ],
        "activity_log": [
            {"action": a.action, "target_type": a.target_type, "target_id": a.target_id, "created_at": a.created_at}
            for a in audit
        ],
    }
    plugins: dict[str, Any] = {}
    for name, collect in _plugin_callables(pm, "user_data", user):
        plugins[name] = await collect(session) if callable(collect) else collect
    return {"exported_at": utcnow(), "core": core, "plugins": plugins}


async def delete_user(session: AsyncSession, user: User, pm: Any) -> None:
    """Every plugin forgets the user first (in this transaction), then the account and its sessions go.

    Sessions, tokens, notifications and moderator grants cascade with the row; audit entries keep no actor.
    """
    for _name, forget in _plugin_callables(pm, "forget_user", user):
        if callable(forget):
            await forget(session)
    user_id = user.id
    await session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
    await session.execute(delete(EmailToken).where(EmailToken.user_id == user_id))
    await session.execute(delete(Notification).where(Notification.user_id == user_id))
    await session.delete(user)
    session.add(AuditEntry(actor_id=None, action="account.deleted", target_type="user", target_id=user_id))
    await session.flush()


async def is_last_admin(session: AsyncSession, user: User) -> bool:
    if user.role != "admin":
        return False
    admins = await session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
    return (admins or 0) <= 1
