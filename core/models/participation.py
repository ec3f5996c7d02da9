"""The participation tables every method shares: comments, reactions, follows, reports and status changes.

An item of any method is addressed by ``(item_kind, item_id)`` (``ideation.idea``, ``core.comment``), so one set of
tables serves every method. One reaction, follow and report per person and item are UNIQUE constraints: a race of
clicks ends with one row. No counters are stored: a count is an aggregate over these rows, so it always equals them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow

USER_FK = "user_account.id"


class Comment(IdMixin, TenantScoped, Base):
    """A comment on an item, itself the item ``core.comment`` so it can be reacted to and reported."""

    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_item", "item_kind", "item_id"),)

    item_kind: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[int] = mapped_column(BigId)
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("comment.id", ondelete="CASCADE"), default=None)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def visible(self) -> bool:
        return self.deleted_at is None and not self.hidden


class Reaction(IdMixin, TenantScoped, Base):
    __tablename__ = "reaction"
    __table_args__ = (
        UniqueConstraint("item_kind", "item_id", "user_id"),
        Index("ix_reaction_user_phase", "user_id", "phase_id"),
    )

    item_kind: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[int] = mapped_column(BigId)
    # None once the phase's retention period is over: the reaction still counts, it no longer leads to a person.
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(IdMixin, TenantScoped, Base):
    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("item_kind", "item_id", "user_id"),)

    item_kind: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[int] = mapped_column(BigId)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(IdMixin, TenantScoped, Base):
    """A resident's report of an item; one per person per item. Project and phase make the queue filterable."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("item_kind", "item_id", "reporter_id"),
        Index("ix_report_open", "resolved_at", "project_id"),
    )

    item_kind: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[int] = mapped_column(BigId)
    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("project.id", ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    # None once the phase's retention period is over (the report and its reason stay for the moderation record).
    reporter_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str | None] = mapped_column(String(20), default=None)


class StatusChange(IdMixin, TenantScoped, Base):
    """One entry of an item's history: a new status, an official update (multilingual text), or both."""

    __tablename__ = "status_change"
    __table_args__ = (Index("ix_status_change_item", "item_kind", "item_id"),)

    item_kind: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[int] = mapped_column(BigId)
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), default=None)
    from_status: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str | None] = mapped_column(String(40), default=None)
    feedback: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
