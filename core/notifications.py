"""In-app notifications and the emails that follow them, respecting each user's preferences.

A service calls ``notify(...)`` inside its transaction (the rows commit or roll back with the act) and then
``announce(ctx, rows)``, which queues a domain event. After the commit, this module's ``on_event`` hook mails the
recipients who want immediate mail; those who chose a digest get one mail later from ``send_digests``.

Texts are stored as a gettext message id plus arguments and rendered in the reader's language when shown or mailed:
``message("Status of “%(title)s” is now %(status)s.", title="…", status=translatable("Accepted"))``.
Preferences live in ``User.notification_prefs``: ``{"email": bool (default True), "digest": bool (default False)}``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import i18n, multiloc, realtime
from core.db.base import utcnow
from core.hookspecs import hookimpl
from core.models import Notification, Tenant, TenantHost, User

log = logging.getLogger("townhall.notifications")

EMAIL_EVENT = "notifications.created"


def translatable(msgid: str) -> dict[str, str]:
    """An argument translated in the reader's language (for example a status label)."""
    return {"t": msgid}


def localised(value: dict[str, str]) -> dict[str, dict[str, str]]:
    """An argument that is a multilingual text (``{locale: text}``), shown in the reader's language."""
    return {"ml": dict(value)}


def message(text: str, **args: Any) -> dict[str, Any]:
    return {"text": text, "args": args}


def _arg(value: Any, locale: str, default_locale: str) -> str:
    if isinstance(value, dict) and "t" in value:
        msgid = value["t"]  # a variable, so the extractor does not take the key "t" for a message
        return i18n.gettext(msgid)
    if isinstance(value, dict) and "ml" in value:
        return multiloc.pick(value["ml"], locale, default_locale).text
    return str(value)


def describe(notification: Notification, locale: str | None = None, default_locale: str = "en") -> str:
    """The notification's text in the active (or given) language."""
    locale = locale or i18n.current_locale()
    data = notification.data or {}
    text = data.get("text")
    if not text:
        return notification.kind
    args = {k: _arg(v, locale, default_locale) for k, v in (data.get("args") or {}).items()}
    try:
        return i18n.gettext(text) % args
    except (KeyError, TypeError, ValueError):
        return text


def wants_email(user: User) -> bool:
    return bool((user.notification_prefs or {}).get("email", True)) and user.email_confirmed_at is not None


def wants_digest(user: User) -> bool:
    return bool((user.notification_prefs or {}).get("digest", False))


async def notify(
    session: AsyncSession,
    user_ids: Iterable[int | None],
    kind: str,
    data: dict[str, Any],
    url: str | None = None,
    *,
    exclude: Iterable[int | None] = (),
) -> list[Notification]:
    """One notification per distinct recipient (``exclude`` typically holds the actor); rows are flushed."""
    skip = {i for i in exclude if i is not None}
    rows = []
    for user_id in dict.fromkeys(i for i in user_ids if i is not None and i not in skip):
        row = Notification(user_id=user_id, kind=kind, data=dict(data), url=url)
        session.add(row)
        rows.append(row)
    if rows:
        await session.flush()
    return rows


def announce(ctx: Any, rows: list[Notification]) -> None:
    """Queue the mail for after the commit (a rolled-back act sends nothing)."""
    if rows:
        ctx.emit(EMAIL_EVENT, ids=[r.id for r in rows])


async def _site_url(session: AsyncSession, tenant_id: int, secure: bool) -> str:
    host = await session.scalar(
        select(TenantHost.host).where(TenantHost.tenant_id == tenant_id).order_by(TenantHost.id)
    )
    return f"{'https' if secure else 'http'}://{host}" if host else ""


async def _mail(app: Any, user: User, tenant: Tenant, rows: list[Notification], site: str) -> None:
    locale = user.locale if user.locale in (tenant.locales or []) else tenant.default_locale
    previous_locale = i18n.current_locale()
    i18n.activate(locale, app.catalogs.get(locale))
    try:
        lines = []
        for row in rows:
            lines.append("- " + describe(row, locale, tenant.default_locale))
            if row.url:
                lines.append(f"  {site}{row.url}")
        if len(rows) == 1:
            subject = describe(rows[0], locale, tenant.default_locale)
        else:
            subject = i18n.ngettext("%(num)d new notification", "%(num)d new notifications", len(rows))
        name = multiloc.pick(tenant.name, locale, tenant.default_locale).text
        footer = i18n.gettext("You can change how you receive these messages in your account settings.")
        await app.mailer.send(user.email, f"{name}: {subject}"[:200], "\n".join([*lines, "", footer]))
    finally:
        i18n.activate(previous_locale, app.catalogs.get(previous_locale))


async def send_immediate(app: Any, tenant_id: int, ids: list[int]) -> int:
    """Mail the given notifications to recipients who want mail now; returns how many mails went out."""
    sent = 0
    async with app.db.session(tenant_id, write=True) as session:
        tenant = await session.get(Tenant, tenant_id)
        site = await _site_url(session, tenant_id, app.settings.secure_cookies)
        stmt = (
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        )
        for row, user in (await session.execute(stmt)).all():
            await realtime.notify_user(app, tenant_id, row.user_id, {"id": row.id, "kind": row.kind, "url": row.url})
            if not wants_email(user) or wants_digest(user):
                continue
            await _mail(app, user, tenant, [row], site)
            row.emailed_at = utcnow()
            sent += 1
    return sent


async def send_digests(app: Any, tenant_id: int) -> int:
    """One mail per digest subscriber with everything not yet mailed; the ``core.digests`` job runs it hourly."""
    sent = 0
    async with app.db.session(tenant_id, write=True) as session:
        tenant = await session.get(Tenant, tenant_id)
        site = await _site_url(session, tenant_id, app.settings.secure_cookies)
        stmt = (
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(Notification.emailed_at.is_(None), Notification.read_at.is_(None))
            .order_by(Notification.user_id, Notification.id)
        )
        pending: dict[int, tuple[User, list[Notification]]] = {}
        for row, user in (await session.execute(stmt)).all():
            if wants_email(user) and wants_digest(user):
                pending.setdefault(user.id, (user, []))[1].append(row)
        now = utcnow()
        for user, rows in pending.values():
            await _mail(app, user, tenant, rows, site)
            for row in rows:
                row.emailed_at = now
            sent += 1
    return sent


async def send_digest_job(job_ctx: Any) -> int:
    """The hourly ``core.digests`` job: this municipality's pending digests, mailed once (see ``send_digests``)."""
    return await send_digests(job_ctx.state, job_ctx.tenant_id)


@hookimpl
def register_jobs() -> list[Any]:
    """Digests go out hourly from the job runner; ``townhall notifications send-digests`` does the same on demand."""
    from core.jobs import JobSpec

    return [JobSpec("core.digests", send_digest_job, cron="0 * * * *", description="notification digests")]


@hookimpl
def on_event(event: Any) -> Any:
    """Registered by the core as its own plugin: mails go out after the transaction that created them commits."""
    if event.name != EMAIL_EVENT:
        return None
    ids = [int(i) for i in event.data.get("ids", [])]

    async def deliver(app: Any) -> None:
        await send_immediate(app, event.tenant_id, ids)

    return deliver
