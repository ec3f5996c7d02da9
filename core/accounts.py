"""Account rules: creation, authentication, one-time email tokens and rate limits.

Responses built on these never reveal whether an address has an account: callers say "if that address is known,
we sent a mail" in every case, and authentication spends the same Argon2 time for unknown addresses.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import utcnow
from core.models import AuthSession, EmailToken, RateLimitHit, User
from core.passwords import MIN_PASSWORD_LENGTH, hash_password, new_token, token_hash, verify_password

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


async def redeem_token(session: AsyncSession, token: str, purpose: str) -> tuple[User, EmailToken] | None:
    """A token works once, before it expires, for the purpose it was made for."""
    found = await session.scalar(
        select(EmailToken).where(
            EmailToken.token_hash == token_hash(token or ""),
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
    found.used_at = utcnow()
    return user, found


async def rate_limited(session: AsyncSession, buckets: list[str], limit: int, window_seconds: int) -> bool:
    """Count one attempt in each bucket; True when any bucket is over its limit for the window.

    Kept in the database so every worker shares the count; old hits are pruned as we go.
    """
    since = utcnow() - timedelta(seconds=window_seconds)
    await session.execute(delete(RateLimitHit).where(RateLimitHit.created_at < since))
    over = False
    for bucket in buckets:
        count = await session.scalar(
            select(func.count())
            .select_from(RateLimitHit)
            .where(RateLimitHit.bucket == bucket, RateLimitHit.created_at >= since)
        )
        if (count or 0) >= limit:
            over = True
        session.add(RateLimitHit(bucket=bucket))
    await session.flush()
    return over
