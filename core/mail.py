"""Outgoing mail over SMTP; without an SMTP host (the demo) messages are written to the log instead."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from core.i18n import activate, current_locale
from core.settings import Settings

log = logging.getLogger("townhall.mail")


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.outbox: list[EmailMessage] = []

    def _send_blocking(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(message)

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        if not self.settings.smtp_host:
            self.outbox.append(message)
            log.info("mail to %s: %s\n%s", to, subject, body)
            return
        try:
            await asyncio.to_thread(self._send_blocking, message)
        except (OSError, smtplib.SMTPException):
            log.exception("could not send mail to %s", to)


@dataclass(frozen=True)
class Letter:
    """A mail composed (in its recipient's language) during the request, sent once the request has committed."""

    to: str
    subject: str
    body: str


@contextmanager
def recipient_language(catalogs: Any, locale: str) -> Iterator[None]:
    """Translate in ``locale`` while composing a mail, then give the request its own language back."""
    previous = current_locale()
    activate(locale, catalogs.get(locale))
    try:
        yield
    finally:
        activate(previous, catalogs.get(previous))


async def send_letters(mailer: Mailer, letters: list[Letter]) -> None:
    """Send after the response (a Litestar background task), so no mail speaks of something rolled back."""
    for letter in letters:
        await mailer.send(letter.to, letter.subject, letter.body)
