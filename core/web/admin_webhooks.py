"""The back office's webhooks: endpoints told about chosen events, their secret shown once, and a delivery log."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from sqlalchemy import select

from core.context import Ctx, RequestContext
from core.i18n import gettext as _
from core.models import Webhook, WebhookDelivery
from core.project_service import audit
from core.web.admin_common import get_or_404, precheck
from core.web.forms import FormErrors, read_form
from core.web.render import redirect, render
from core.webhooks import events_catalog, new_secret, valid_url

LOG_SIZE = 50
MAX_WEBHOOKS = 20


async def _page(
    request: Request,
    ctx: RequestContext,
    *,
    values: dict | None = None,
    errors: FormErrors | None = None,
    secret: str | None = None,
    status: int = 200,
) -> Response[str]:
    hooks = (await ctx.session.scalars(select(Webhook).order_by(Webhook.id))).all()
    log = (await ctx.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(LOG_SIZE))).all()
    catalog = events_catalog(ctx.app.registry)
    return render(
        request,
        "admin/webhooks.html",
        status_code=status,
        hooks=hooks,
        urls={h.id: h.url for h in hooks},
        log=log,
        events=[(key, str(label)) for key, label in catalog.items()],
        labels={key: str(label) for key, label in catalog.items()},
        values=values or {"url": "", "events": []},
        errors=errors or FormErrors(),
        secret=secret,
    )


@get("/webhooks")
async def webhooks_page(request: Request, ctx: Ctx) -> Response[str]:
    return await _page(request, ctx)


@post("/webhooks")
async def webhook_create(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    errors = precheck(form)
    url = form.get("url").strip()
    catalog = events_catalog(ctx.app.registry)
    chosen = form.getlist("events")
    events = [e for e in catalog if e in chosen]
    if not valid_url(url):
        errors.add("url", _("Enter the https:// address of your endpoint."))
    if not events or len(events) != len(set(chosen)):
        errors.add("events", _("Choose the events to send."))
    count = len((await ctx.session.scalars(select(Webhook.id))).all())
    if count >= MAX_WEBHOOKS:
        errors.add("url", _("A municipality has at most %(num)s webhooks.", num=MAX_WEBHOOKS))
    if errors:
        return await _page(request, ctx, values={"url": url, "events": events}, errors=errors, status=422)
    secret = new_secret()
    hook = Webhook(url=url, events=events, secret=secret)
    ctx.session.add(hook)
    await ctx.session.flush()
    audit(ctx.session, ctx.user, "webhook.created", hook, data={"url": url, "events": events})
    return await _page(request, ctx, secret=secret, status=201)


@post("/webhooks/{webhook_id:int}/delete")
async def webhook_delete(request: Request, ctx: Ctx, webhook_id: FromPath[int]) -> Response[str]:
    hook = await get_or_404(ctx.session, Webhook, webhook_id)
    audit(ctx.session, ctx.user, "webhook.deleted", hook, data={"url": hook.url})
    await ctx.session.delete(hook)
    await ctx.session.flush()
    return redirect(request, "/admin/webhooks")


routes = [webhooks_page, webhook_create, webhook_delete]
