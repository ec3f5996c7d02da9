"""Webhooks: domain events sent to a municipality's HTTPS endpoints, signed, retried with backoff, logged.

When a subscribed event happens (``on_event``, after its transaction committed) one ``WebhookDelivery`` row per
webhook is stored and the ``core.webhooks`` job is woken; that job (also run every minute, so nothing waits for a
restart) claims due deliveries with a conditional UPDATE — two job workers never send the same attempt — and POSTs
the JSON payload. A 2xx answer delivers it; anything else is retried after 1, 5, 30 minutes, 2 and 12 hours, then
given up (``failed``). Every attempt's status is on the back office's webhooks page.

The body is ``{"id", "event", "occurred_at", "municipality", "data"}``; ``data`` is the event's ids and public facts
(the actor is never sent). ``X-Townhall-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
webhook's secret lets the receiver check it came from here and is fresh.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from core.db.base import utcnow
from core.hookspecs import hookimpl
from core.i18n import lazy_gettext
from core.jobs.spec import JobContext, JobSpec
from core.models import Tenant, Webhook, WebhookDelivery
from core.specs import DomainEvent

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("townhall.webhooks")

JOB = "core.webhooks"
CORE_EVENTS: dict[str, Any] = {
    "phase.opened": lazy_gettext("A phase opened"),
    "phase.closed": lazy_gettext("A phase closed (its results may now be public)"),
    "status.changed": lazy_gettext("The municipality changed the status of a contribution"),
}
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
SEND_LEASE = timedelta(minutes=2)  # a claimed attempt that crashed mid-send is retried after this
TIMEOUT_SECONDS = 10.0
BATCH = 50
URL_RE = re.compile(r"^(https://[a-z0-9.-]{1,253}|http://(localhost|127\.0\.0\.1))(:\d{1,5})?(/[^\s]*)?$", re.I)


def valid_url(url: str) -> bool:
    """HTTPS only (plain http only to this machine, for trying it out), no spaces, at most 500 characters."""
    return len(url) <= 500 and bool(URL_RE.match(url))


def events_catalog(registry: Any) -> dict[str, Any]:
    """Every event a webhook may subscribe to: the core's and each installed method's ``public_events``."""
    catalog = dict(CORE_EVENTS)
    for spec in registry.methods.values():
        catalog.update(spec.public_events)
    return catalog


def new_secret() -> str:
    return secrets.token_hex(32)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _public(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("actor_id", "user_id", "ids")}


async def record(state: Any, event: DomainEvent) -> int:
    """Store one delivery per active webhook of the event's municipality that subscribed to it; wake the sender."""
    async with state.db.session(event.tenant_id, write=True) as session:
        hooks = (await session.scalars(select(Webhook).where(Webhook.active.is_(True)))).all()
        wanted = [h for h in hooks if event.name in (h.events or [])]
        if not wanted:
            return 0
        tenant = await session.get(Tenant, event.tenant_id)
        now = utcnow()
        for hook in wanted:
            delivery = WebhookDelivery(webhook_id=hook.id, event=event.name, next_attempt_at=now)
            session.add(delivery)
            await session.flush()
            delivery.payload = {
                "id": f"{tenant.slug}-{delivery.id}",
                "event": event.name,
                "occurred_at": now.isoformat(),
                "municipality": tenant.slug,
                "data": _public(event.data),
            }
    from core.jobs import enqueue

    await enqueue(state, JOB, tenant_id=event.tenant_id)
    return len(wanted)


@hookimpl
def on_event(event: DomainEvent) -> Any:
    if not event.tenant_id:
        return None

    async def handle(state: Any) -> None:
        if event.name in events_catalog(state.registry):
            await record(state, event)

    return handle


async def _claim(session: Any, delivery: WebhookDelivery, now: Any) -> bool:
    claimed = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery.id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at == delivery.next_attempt_at,
        )
        .values(next_attempt_at=now + SEND_LEASE, attempts=WebhookDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


async def _post(client: httpx.AsyncClient, hook: Webhook, delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Townhall-Webhooks/1",
        "X-Townhall-Event": delivery.event,
        "X-Townhall-Delivery": str(delivery.payload.get("id", delivery.id)),
        "X-Townhall-Signature": signature(hook.secret, body, int(time.time())),
    }
    import httpx  # imported by the job that sends, not by every web worker (issue 16: start-up)

    try:
        response = await client.post(hook.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, "" if response.is_success else response.text[:500]


async def deliver_due(job_ctx: JobContext, *, client: httpx.AsyncClient | None = None) -> int:
    """The ``core.webhooks`` job for one municipality: send every due attempt once; returns how many were delivered."""
    now = utcnow()
    async with job_ctx.session() as session:
        due = (
            await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.id)
                .limit(BATCH)
            )
        ).all()
        claimed = [d for d in due if await _claim(session, d, now)]
        hooks = {h.id: h for h in (await session.scalars(select(Webhook))).all()}
        work = [(d.id, d.event, dict(d.payload), hooks.get(d.webhook_id)) for d in claimed]
    delivered = 0
    owned = client is None
    if client is None:
        import httpx

        client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        for delivery_id, event, payload, hook in work:
            if hook is None or not hook.active:
                status, error = None, "webhook removed or paused"
            else:
                probe = WebhookDelivery(id=delivery_id, event=event, payload=payload)
                status, error = await _post(client, hook, probe)
            async with job_ctx.session() as session:
                row = await session.get(WebhookDelivery, delivery_id)
                row.last_status, row.last_error = status, error
                if status is not None and 200 <= status < 300:
                    row.status, row.delivered_at = "delivered", utcnow()
                    delivered += 1
                elif row.attempts >= MAX_ATTEMPTS or hook is None:
                    row.status = "failed"
                else:
                    row.next_attempt_at = utcnow() + BACKOFF[row.attempts - 1]
    finally:
        if owned:
            await client.aclose()
    return delivered


@hookimpl
def register_jobs() -> list[JobSpec]:
    return [JobSpec(JOB, deliver_due, every=60, description="send due webhook deliveries, retrying with backoff")]
