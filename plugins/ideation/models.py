"""Ideation tables (all ``ideation_*``, all tenant-scoped).

Counters on ideas and comments (likes, dislikes, comments, reports) are kept in the row so the list page can sort
and show them without aggregating thousands of reactions; the services change them with conditional UPDATEs in
the same transaction as the reaction/comment itself. One reaction, follow and report per person per item is a
UNIQUE constraint, so concurrent clicks cannot create a second row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped, utcnow

USER_FK = "user_account.id"


class IdeaStatus(IdMixin, TenantScoped, Base):
    """A status a municipality adds to the built-in ones, with a multilingual label and a colour."""

    __tablename__ = "ideation_status"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[dict] = mapped_column(default=dict)
    colour: Mapped[str] = mapped_column(String(7), default="#475569")
    position: Mapped[int] = mapped_column(default=0)
    locks_idea: Mapped[bool] = mapped_column(default=True)


class Idea(IdMixin, TenantScoped, Base):
    __tablename__ = "ideation_idea"
    __table_args__ = (
        Index("ix_ideation_idea_phase_created", "phase_id", "created_at"),
        CheckConstraint("like_count >= 0 AND dislike_count >= 0 AND comment_count >= 0", name="counts"),
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
    like_count: Mapped[int] = mapped_column(default=0)
    dislike_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    report_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def reaction_count(self) -> int:
        return self.like_count + self.dislike_count

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


class Comment(IdMixin, TenantScoped, Base):
    __tablename__ = "ideation_comment"
    __table_args__ = (CheckConstraint("like_count >= 0 AND dislike_count >= 0", name="counts"),)

    idea_id: Mapped[int] = mapped_column(BigId, ForeignKey("ideation_idea.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ideation_comment.id", ondelete="CASCADE"), default=None
    )
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    like_count: Mapped[int] = mapped_column(default=0)
    dislike_count: Mapped[int] = mapped_column(default=0)
    report_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def visible(self) -> bool:
        return self.deleted_at is None and not self.hidden


class IdeaReaction(IdMixin, TenantScoped, Base):
    __tablename__ = "ideation_idea_reaction"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id"),
        Index("ix_ideation_idea_reaction_user_phase", "user_id", "phase_id"),
    )

    idea_id: Mapped[int] = mapped_column(BigId, ForeignKey("ideation_idea.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentReaction(IdMixin, TenantScoped, Base):
    __tablename__ = "ideation_comment_reaction"
    __table_args__ = (
        UniqueConstraint("comment_id", "user_id"),
        Index("ix_ideation_comment_reaction_user_phase", "user_id", "phase_id"),
    )

    comment_id: Mapped[int] = mapped_column(BigId, ForeignKey("ideation_comment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(IdMixin, TenantScoped, Base):
    __tablename__ = "ideation_follow"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    idea_id: Mapped[int] = mapped_column(BigId, ForeignKey("ideation_idea.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(IdMixin, TenantScoped, Base):
    """A resident's report of an idea or comment; one per person per item."""

    __tablename__ = "ideation_report"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "reporter_id"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(8))  # idea | comment
    target_id: Mapped[int] = mapped_column(BigId)
    reporter_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str | None] = mapped_column(String(20), default=None)


class Feedback(IdMixin, TenantScoped, Base):
    """The municipality's official answer on an idea: multilingual text, staff author, date."""

    __tablename__ = "ideation_feedback"

    idea_id: Mapped[int] = mapped_column(BigId, ForeignKey("ideation_idea.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"))
    text: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportBatch(IdMixin, TenantScoped, Base):
    """An uploaded CSV/XLSX waiting for its column mapping to be confirmed; nothing is imported before that."""

    __tablename__ = "ideation_import_batch"

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    header: Mapped[list] = mapped_column(default=list)
    rows: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | confirmed
    imported: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
