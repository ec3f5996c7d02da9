"""Asking for the optional profile questions before a resident's first participation, not only at registration.

A signed-in resident on an open phase, in a municipality that asks profile questions, is offered them once above
the method's panel ("Answer the questions" / "Not now"). Having been asked is remembered in a cookie set when the
about-you page is opened or "Not now" is chosen: no statement is spent on the phase page (whether the municipality
asks any question is cached per worker, core.tenant_cache), at the price of asking once more on a new browser.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from sqlalchemy import select

from core.models import ProfileQuestion
from core.tenant_cache import tenant_cached

ASKED_COOKIE = "townhall_profile_asked"
ASKED_REMEMBERED = 365 * 24 * 3600


async def _asks_anything(session: Any) -> bool:
    return await session.scalar(select(ProfileQuestion.id).limit(1)) is not None


async def should_ask(request: Request, ctx: Any) -> bool:
    if ctx.user is None or request.cookies.get(ASKED_COOKIE) == "1":
        return False
    return await tenant_cached(ctx, "demographics.asks", _asks_anything)


def remember_asked(response: Response) -> Response:
    response.set_cookie(ASKED_COOKIE, "1", max_age=ASKED_REMEMBERED, path="/", httponly=True, samesite="lax")
    return response
