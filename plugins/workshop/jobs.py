"""Scheduled work of the workshop method: reminder mails 24 hours and 1 hour before a session, each sent once.

``workshop.remind`` runs every five minutes per municipality. For every session starting within the next 24 hours
(or hour) it inserts a marker row per registered person and kind; the marker is UNIQUE (session, person, kind), so
two runners, a retry or an overlapping run insert it once and only the run that inserted it notifies. The
notification goes through the core (in-app, and mail or digest as each person chose), in the reader's language.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import DomainEvent, JobContext, JobSpec, lazy_gettext, notifications, utcnow
from plugins.workshop import rules
from plugins.workshop.models import Registration, Reminder, WorkshopSession
from plugins.workshop.services import REMINDER_1H, REMINDER_24H, session_url
from plugins.workshop.spec import KEY

EMAIL_EVENT = "notifications.created"
WINDOWS = (("24h", timedelta(hours=24), REMINDER_24H), ("1h", timedelta(hours=1), REMINDER_1H))
_MARKED = (
    lazy_gettext("Reminder: the workshop “%(title)s” starts in 24 hours."),
    lazy_gettext("Reminder: the workshop “%(title)s” starts in one hour."),
    lazy_gettext("A seat became free: you are now registered for the workshop “%(title)s”."),
)


async def due_reminders(session: Any, now: datetime) -> list[int]:
    """Send what is due now; returns the ids of the notifications created (to be mailed after the commit)."""
    notes: list[int] = []
    for kind, ahead, text in WINDOWS:
        sessions = (
            await session.scalars(
                select(WorkshopSession).where(
                    WorkshopSession.starts_at > now,
                    WorkshopSession.starts_at <= now + ahead,
                    WorkshopSession.ended_at.is_(None),
                )
            )
        ).all()
        for ws in sessions:
            if kind == "24h" and ws.starts_at - now <= timedelta(hours=1):
                continue  # registered within the last hour: the one-hour reminder is the one that matters
            people = (
                await session.scalars(
                    select(Registration.user_id).where(
                        Registration.session_id == ws.id, Registration.status == rules.REGISTERED
                    )
                )
            ).all()
            for user_id in people:
                try:
                    async with session.begin_nested():
                        session.add(Reminder(session_id=ws.id, user_id=user_id, kind=kind, sent_at=now))
                except IntegrityError:
                    continue  # already sent
                data = notifications.message(text, title=notifications.localised(ws.title or {}))
                rows = await notifications.notify(session, [user_id], f"{KEY}.reminder", data, url=session_url(ws))
                notes += [row.id for row in rows]
    return notes


async def remind_job(job_ctx: JobContext) -> int:
    async with job_ctx.session() as session:
        notes = await due_reminders(session, job_ctx.scheduled_for or utcnow())
    if notes and job_ctx.tenant_id is not None:
        await job_ctx.dispatch([DomainEvent(EMAIL_EVENT, job_ctx.tenant_id, data={"ids": notes})])
    return len(notes)


JOBS = [JobSpec(f"{KEY}.remind", remind_job, every=300, description="Remind registered people of a workshop")]
