"""API tokens: created by a municipality's admins with scopes, shown once, stored hashed, revocable, last use kept.

A request proves a token with ``Authorization: Bearer th_...``. Token routes never look at cookies, so a browser
session cannot reach them by accident and CSRF does not apply (core/csrf.py exempts a bearer POST under /api/).
The token acts for the admin who made it and stops working when that account is gone, banned from signing in or no
longer an admin.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from litestar import Request
from sqlalchemy import or_, select, update

from core.context import RequestContext
from core.db.base import utcnow
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.models import ApiToken, User
from core.web.errors import UserFacingError

PREFIX = "th_"
SCOPES: dict[str, Any] = {
    "exports:read": lazy_gettext("Read every phase's exports, private ones included"),
    "imports:write": lazy_gettext("Import offline input (paper ballots, signatures, ideas)"),
}
LAST_USE_PRECISION = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _sep, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class TokenRefused(UserFacingError):
    """401 without a usable token, 403 when the token lacks the scope; both say why in the reader's language."""


async def require_token(request: Request, ctx: RequestContext, scope: str) -> tuple[ApiToken, User]:
    """The valid, unrevoked token of this municipality with ``scope``, and the admin it acts for."""
    raw = bearer(request)
    if raw is None or not raw.startswith(PREFIX):
        raise TokenRefused(
            detail=_("This needs an API token: send it as “Authorization: Bearer …”."),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = await ctx.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    owner = await ctx.session.get(User, token.created_by) if token and token.created_by else None
    if token is None or token.revoked_at is not None or owner is None or owner.role != "admin" or owner.sign_in_banned:
        raise TokenRefused(
            detail=_("This API token is not valid here: it was revoked, or belongs to another municipality."),
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if scope not in (token.scopes or []):
        raise TokenRefused(
            detail=_("This API token may not do this: it lacks the scope “%(scope)s”.", scope=scope), status_code=403
        )
    now = utcnow()
    await ctx.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USE_PRECISION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return token, owner
