"""Admin pages for residents' accounts (role, verification, posting bans) and the audit log."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from sqlalchemy import delete, or_, select

from core.context import Ctx, RequestContext
from core.db.base import utcnow
from core.i18n import gettext as _
from core.models import ROLES, Area, AuditEntry, AuthSession, User
from core.project_service import ServiceError, audit
from core.verification import set_verified
from core.web.admin_common import get_or_404, paginate, precheck
from core.web.forms import FormErrors, read_form
from core.web.render import redirect, render

SEARCH_MAX = 200


def role_labels() -> dict[str, str]:
    return {"resident": _("Resident"), "admin": _("Administrator")}


# --- rules ----------------------------------------------------------------------------------------------------


async def change_role(session: Any, actor: User, user: User, role: str) -> None:
    if role not in ROLES:
        raise ServiceError({"role": _("Choose one of the offered options.")})
    if user.id == actor.id and role != "admin":
        raise ServiceError({"role": _("You cannot remove your own administrator role.")})
    if role != user.role:
        audit(session, actor, "user.role_changed", user, data={"before": user.role, "after": role})
        user.role = role


async def change_verified(session: Any, actor: User, user: User, verified: bool) -> None:
    await set_verified(session, user, verified, actor)


def parse_ban_date(raw: str, tz: str) -> datetime | None:
    """``YYYY-MM-DD``: the ban lasts until the start of that day in the tenant's time zone. Empty lifts it."""
    if not raw:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise ServiceError({"banned_until": _("Enter a date.")})
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ServiceError({"banned_until": _("Enter a date.")}) from None
    until = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    if until <= utcnow() or day.year > 2200:
        raise ServiceError({"banned_until": _("Choose a date in the future.")})
    return until


async def change_ban(
    session: Any, actor: User, user: User, until: datetime | None, *, block_sign_in: bool = False
) -> None:
    """A ban stops posting; with ``block_sign_in`` it also ends the person's sessions and refuses sign-in until then.

    Ending the sessions is what makes the heavier ban bite at once: a signed-in browser would otherwise keep reading
    members-only pages for as long as its cookie lives.
    """
    if user.id == actor.id and until is not None:
        raise ServiceError({"banned_until": _("You cannot ban yourself.")})
    block = until is not None and block_sign_in
    before = (user.banned_until.isoformat() if user.banned_until else None, bool(user.sign_in_banned))
    user.banned_until, user.sign_in_banned = until, block
    after = (until.isoformat() if until else None, block)
    if block:
        ended = await session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
        if ended.rowcount:
            audit(session, actor, "user.signed_out", user, data={"sessions": ended.rowcount})
    if before != after:
        action = "user.banned" if until else "user.unbanned"
        audit(session, actor, action, user, data={"until": after[0], "sign_in": block})


# --- pages ----------------------------------------------------------------------------------------------------


@get("/users")
async def user_list(request: Request, ctx: Ctx, q: FromQuery[str] = "", page: FromQuery[int] = 1) -> Response[str]:
    query = q.strip()[:SEARCH_MAX].replace("\x00", "")
    stmt = select(User).order_by(User.display_name, User.id)
    if query:
        stmt = stmt.where(
            or_(
                User.display_name.icontains(query, autoescape=True),
                User.email.icontains(query.lower(), autoescape=True),
            )
        )
    listing = await paginate(ctx.session, stmt, page)
    return render(
        request,
        "admin/users.html",
        fragment="admin/_users_table.html",
        listing=listing,
        q=query,
        roles=role_labels(),
    )


async def _user_page(
    request: Request, ctx: RequestContext, user: User, errors: FormErrors | None = None, status: int = 200
) -> Response[str]:
    area = await ctx.session.get(Area, user.area_id) if user.area_id else None
    tz = ctx.tenant.timezone if ctx.tenant else "UTC"
    ban_value = ""
    if user.banned_until and user.banned_until > utcnow():
        ban_value = user.banned_until.astimezone(ZoneInfo(tz)).date().isoformat()
    return render(
        request,
        "admin/user.html",
        status_code=status,
        subject=user,
        area=area,
        errors=errors or FormErrors(),
        roles=role_labels(),
        ban_value=ban_value,
        ban_blocks_sign_in=bool(ban_value and user.sign_in_banned),
        saved=request.query_params.get("saved") == "1",
    )


@get("/users/{user_id:int}")
async def user_detail(request: Request, ctx: Ctx, user_id: FromPath[int]) -> Response[str]:
    return await _user_page(request, ctx, await get_or_404(ctx.session, User, user_id))


async def _user_action(request: Request, ctx: RequestContext, user_id: int, action: str) -> Response[str]:
    user = await get_or_404(ctx.session, User, user_id)
    form = await read_form(request)
    errors = precheck(form)
    if not errors:
        try:
            actor: User = ctx.user  # type: ignore[assignment]
            if action == "role":
                await change_role(ctx.session, actor, user, form.get("role"))
            elif action == "verify":
                await change_verified(ctx.session, actor, user, form.flag("verified"))
            else:
                tz = ctx.tenant.timezone if ctx.tenant else "UTC"
                until = parse_ban_date(form.get("banned_until"), tz)
                await change_ban(ctx.session, actor, user, until, block_sign_in=form.flag("block_sign_in"))
            await ctx.session.flush()
            return redirect(request, f"/admin/users/{user.id}?saved=1")
        except ServiceError as exc:
            errors.update(exc.errors)
    return await _user_page(request, ctx, user, errors, status=422)


@post("/users/{user_id:int}/role")
async def user_role(request: Request, ctx: Ctx, user_id: FromPath[int]) -> Response[str]:
    return await _user_action(request, ctx, user_id, "role")


@post("/users/{user_id:int}/verify")
async def user_verify(request: Request, ctx: Ctx, user_id: FromPath[int]) -> Response[str]:
    return await _user_action(request, ctx, user_id, "verify")


@post("/users/{user_id:int}/ban")
async def user_ban(request: Request, ctx: Ctx, user_id: FromPath[int]) -> Response[str]:
    return await _user_action(request, ctx, user_id, "ban")


@get("/audit")
async def audit_log(request: Request, ctx: Ctx, page: FromQuery[int] = 1) -> Response[str]:
    stmt = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    listing = await paginate(ctx.session, stmt, page)
    actor_ids = {e.actor_id for e in listing.items if e.actor_id}
    actors = {}
    if actor_ids:
        actors = {u.id: u for u in (await ctx.session.scalars(select(User).where(User.id.in_(actor_ids)))).all()}
    return render(request, "admin/audit.html", listing=listing, actors=actors)


routes = [user_list, user_detail, user_role, user_verify, user_ban, audit_log]
