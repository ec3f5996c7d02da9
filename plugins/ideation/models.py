"""Ideation tables (all ``ideation_*``, all tenant-scoped).

Comments, reactions, follows, reports and the official answers are the core's participation primitives on the
item ``ideation.idea`` (plugins/ideation/items.py); an idea keeps no counters: lists sort and show aggregates over
the core's rows, so what a page shows always equals the rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped, utcnow

USER_FK = "user_account.id"


class IdeaStatus(IdMixin, TenantScoped, Base):
    """A status a municipality adds to the built-in ones, with a multilingual label and a colour."""

    __tablename__ = "ideation_status"
    __tenant_cached__ = True  # kept per worker: changes bump tenant.version (core.tenant_cached)
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[dict] = mapped_column(default=dict)
    colour: Mapped[str] = mapped_column(String(7), default="#475569")
    position: Mapped[int] = mapped_column(default=0)
    locks_idea: Mapped[bool] = mapped_column(default=True)


class Idea(IdMixin, TenantScoped, Base):
    __tablename__ = "ideation_idea"
    # The list's filters, then its "newest" order, then the tenant: a list page reads the phase's visible ideas from
    # this index alone (SQLite never uses tenant_id in an index lookup here, see core.db.scoping, but reads it).
    __table_args__ = (
        Index("ix_ideation_idea_listed", "phase_id", "hidden", "withdrawn_at", "created_at", "tenant_id"),
    )

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    # Kept for anonymous ideas too (limits, editing one's own idea) but never shown when ``anonymous`` is set.
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    area_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("area.id", ondelete="SET NULL"), default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    status: Mapped[str] = mapped_column(String(40), default="proposed")
    status_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    offline: Mapped[bool] = mapped_column(default=False)
    offline_source: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


class IdeaTopic(TenantScoped, Base):
    __tablename__ = "ideation_idea_topic"

    idea_id: Mapped[int] = mapped_column(BigId, ForeignKey("ideation_idea.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(BigId, ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True)


class IdeaImage(IdMixin, TenantScoped, Base):
    __tablename__ = "ideation_idea_image"

    idea_id: Mapped[int] = mapped_column(BigId, ForeignKey("ideation_idea.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    alt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
