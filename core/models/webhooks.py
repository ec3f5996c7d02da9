"""Webhooks: a municipality's HTTPS endpoints told about domain events, and the log of every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow


class Webhook(IdMixin, TenantScoped, Base):
    """``secret`` signs every delivery (HMAC-SHA256); it is shown to the admin once, when the webhook is made."""

    __tablename__ = "webhook"

    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(default=list)
    secret: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(IdMixin, TenantScoped, Base):
    """One event for one webhook: ``pending`` until delivered or given up (``failed``) after its attempts.

    ``next_attempt_at`` is also the claim: a sender moves it forward with a conditional UPDATE before sending, so two
    job workers never send the same attempt.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    webhook_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
