"""The back office's API tokens: create one with a name and scopes (shown once), see when each was last used,
revoke it. Every change is in the audit log."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from sqlalchemy import select

from core.api.tokens import SCOPES, new_token, token_hash
from core.context import Ctx, RequestContext
from core.db.base import utcnow
from core.i18n import gettext as _
from core.models import ApiToken
from core.project_service import audit
from core.web.admin_common import get_or_404, precheck
from core.web.forms import FormErrors, read_form
from core.web.render import redirect, render

NAME_MAX = 100


async def _page(
    request: Request,
    ctx: RequestContext,
    *,
    values: dict | None = None,
    errors: FormErrors | None = None,
    created: str | None = None,
    status: int = 200,
) -> Response[str]:
    tokens = (await ctx.session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))).all()
    return render(
        request,
        "admin/tokens.html",
        status_code=status,
        tokens=tokens,
        scopes=[(key, str(label)) for key, label in SCOPES.items()],
        values=values or {"name": "", "scopes": []},
        errors=errors or FormErrors(),
        created=created,
    )


@get("/tokens")
async def tokens_page(request: Request, ctx: Ctx) -> Response[str]:
    return await _page(request, ctx)


@post("/tokens")
async def token_create(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    errors = precheck(form)
    name = " ".join(form.get("name").split())
    scopes = [s for s in SCOPES if s in form.getlist("scopes")]
    if not name or len(name) > NAME_MAX:
        errors.add(
            "name", _("Give the token a name of at most %(num)s characters, such as “Data warehouse”.", num=NAME_MAX)
        )
    if not scopes or len(scopes) != len(set(form.getlist("scopes"))):
        errors.add("scopes", _("Choose what the token may do."))
    if errors:
        return await _page(request, ctx, values={"name": name, "scopes": scopes}, errors=errors, status=422)
    raw = new_token()
    token = ApiToken(name=name, token_hash=token_hash(raw), prefix=raw[:10], scopes=scopes, created_by=ctx.user.id)
    ctx.session.add(token)
    await ctx.session.flush()
    audit(ctx.session, ctx.user, "api_token.created", token, data={"name": name, "scopes": scopes})
    return await _page(request, ctx, created=raw, status=201)


@post("/tokens/{token_id:int}/revoke")
async def token_revoke(request: Request, ctx: Ctx, token_id: FromPath[int]) -> Response[str]:
    token = await get_or_404(ctx.session, ApiToken, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit(ctx.session, ctx.user, "api_token.revoked", token, data={"name": token.name})
        await ctx.session.flush()
    return redirect(request, "/admin/tokens")


routes = [tokens_page, token_create, token_revoke]
