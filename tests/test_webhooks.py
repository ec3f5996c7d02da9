"""Webhooks: admins register endpoints for events; events are stored per webhook after their commit, sent signed
to a real local HTTP server by the job, retried with backoff when refused, and logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, update

from core.jobs.spec import JobContext
from core.models import AuditEntry, Webhook, WebhookDelivery
from core.specs import DomainEvent
from core.webhooks import BACKOFF, JOB, deliver_due, valid_url


class Receiver:
    """A local endpoint that records what it gets and answers the statuses it is told to, in order."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/townhall"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
async def admin_client(client, factory, tenant) -> Any:
    await factory.login(client, await factory.user(tenant, role="admin"))
    return client


async def add_webhook(client: Any, csrf: Any, url: str, events: list[str]) -> str:
    response = await client.post("/admin/webhooks", data={"url": url, "events": events}, headers=await csrf(client))
    assert response.status_code == 201, response.text[:400]
    import re

    return re.search(r'id="new-secret"[^>]*value="([0-9a-f]{64})"', response.text).group(1)


async def run_job(app: Any, tenant: Any) -> int:
    return await deliver_due(JobContext(state=app.state.townhall, key=JOB, tenant_id=tenant.id, slot="test"))


async def test_an_event_reaches_the_endpoint_signed(admin_client, app, factory, tenant, csrf, receiver) -> None:
    secret = await add_webhook(admin_client, csrf, receiver.url, ["phase.opened"])
    state = app.state.townhall
    await state.dispatch_events(
        [
            DomainEvent(
                "phase.opened", tenant.id, actor_id=987654321, data={"phase_id": 5, "project_id": 2, "method": "x"}
            )
        ]
    )
    assert await run_job(app, tenant) == 1
    [got] = receiver.received
    body = got["body"]
    payload = json.loads(body)
    assert payload["event"] == "phase.opened" and payload["data"] == {"phase_id": 5, "project_id": 2, "method": "x"}
    assert "987654321" not in body.decode() and "actor" not in payload, "the actor is never sent"
    timestamp, mac = (part.split("=", 1)[1] for part in got["headers"]["X-Townhall-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert got["headers"]["X-Townhall-Event"] == "phase.opened"
    assert await run_job(app, tenant) == 0, "a delivered event is not sent again"
    page = await admin_client.get("/admin/webhooks")
    assert "Delivered" in page.text and secret not in page.text


async def test_refused_deliveries_are_retried_with_backoff_then_given_up(
    admin_client, app, factory, tenant, csrf, receiver
) -> None:
    await add_webhook(admin_client, csrf, receiver.url, ["phase.closed"])
    receiver.answers = [500] * 10
    await app.state.townhall.dispatch_events([DomainEvent("phase.closed", tenant.id, data={"phase_id": 1})])
    for attempt in range(1, 7):
        assert await run_job(app, tenant) == 0
        async with factory.db.session(tenant.id, write=True) as session:
            delivery = await session.scalar(select(WebhookDelivery))
            assert delivery.attempts == attempt and delivery.last_status == 500
            if attempt < 6:
                assert delivery.status == "pending"
                wait = delivery.next_attempt_at - delivery.created_at
                assert wait >= BACKOFF[attempt - 1] - timedelta(seconds=5)
                await session.execute(update(WebhookDelivery).values(next_attempt_at=delivery.created_at))
    assert delivery.status == "failed" and len(receiver.received) == 6


async def test_a_retry_that_succeeds_delivers_once(admin_client, app, factory, tenant, csrf, receiver) -> None:
    await add_webhook(admin_client, csrf, receiver.url, ["phase.closed"])
    receiver.answers = [503]
    await app.state.townhall.dispatch_events([DomainEvent("phase.closed", tenant.id, data={"phase_id": 1})])
    assert await run_job(app, tenant) == 0
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(WebhookDelivery).values(next_attempt_at=WebhookDelivery.created_at))
    assert await run_job(app, tenant) == 1
    assert len(receiver.received) == 2


async def test_other_events_and_other_municipalities_send_nothing(
    admin_client, app, factory, tenant, other_tenant, csrf, receiver
) -> None:
    await add_webhook(admin_client, csrf, receiver.url, ["phase.opened"])
    state = app.state.townhall
    await state.dispatch_events(
        [
            DomainEvent("phase.closed", tenant.id, data={"phase_id": 1}),
            DomainEvent("phase.opened", other_tenant.id, data={"phase_id": 2}),
            DomainEvent("budgeting.ballot_submitted", tenant.id, data={"ballot_id": 3}),
        ]
    )
    async with factory.db.session(tenant.id) as session:
        assert (await session.scalars(select(WebhookDelivery))).all() == []


async def test_an_idea_posted_by_a_resident_becomes_a_delivery(client, app, factory, tenant, csrf, receiver) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Webhook(url=receiver.url, events=["ideation.idea_posted"], secret="s" * 64))
    phase = await factory.phase(await factory.project(tenant), "ideation")
    await factory.login(client, await factory.user(tenant, verified=True))
    posted = await client.post(
        f"/p/{phase.id}/ideation/new",
        data={"title": "More benches", "body": "In the shade"},
        headers=await csrf(client),
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert await run_job(app, tenant) == 1
    payload = json.loads(receiver.received[0]["body"])
    assert payload["event"] == "ideation.idea_posted" and payload["data"]["phase_id"] == phase.id


async def test_the_form_refuses_bad_addresses_and_no_events(admin_client, factory, tenant, csrf) -> None:
    for url, events in (
        ("http://example.org/hook", ["phase.opened"]),
        ("https://ok.example/x", []),
        ("https://ok.example/x", ["root.everything"]),
        ("javascript:alert(1)", ["phase.opened"]),
    ):
        response = await admin_client.post(
            "/admin/webhooks", data={"url": url, "events": events}, headers=await csrf(admin_client)
        )
        assert response.status_code == 422, url
    async with factory.db.session(tenant.id) as session:
        assert (await session.scalars(select(Webhook))).all() == []


async def test_creating_and_deleting_are_audited(admin_client, factory, tenant, csrf) -> None:
    await add_webhook(admin_client, csrf, "https://hooks.example/townhall", ["status.changed"])
    async with factory.db.session(tenant.id) as session:
        hook_id = await session.scalar(select(Webhook.id))
    deleted = await admin_client.post(f"/admin/webhooks/{hook_id}/delete", headers=await csrf(admin_client))
    assert deleted.status_code in (200, 303)
    async with factory.db.session(tenant.id) as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert (await session.scalars(select(Webhook))).all() == []
    assert {"webhook.created", "webhook.deleted"} <= set(actions)


def test_only_https_or_this_machine() -> None:
    assert valid_url("https://hooks.example/townhall?x=1")
    assert valid_url("http://127.0.0.1:8080/h")
    assert not valid_url("http://hooks.example/")
    assert not valid_url("https://hooks.example/a b")
    assert not valid_url("ftp://hooks.example/")
