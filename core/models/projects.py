"""Projects, their phases, and the areas and topics that classify them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow

PROJECT_STATUSES = ("draft", "published", "archived")


class Area(IdMixin, TenantScoped, Base):
    __tablename__ = "area"
    __tenant_cached__ = True  # kept per worker: changes bump tenant.version (core/db/versioning.py)

    name: Mapped[dict] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)


class Topic(IdMixin, TenantScoped, Base):
    __tablename__ = "topic"
    __tenant_cached__ = True  # kept per worker: changes bump tenant.version (core/db/versioning.py)

    name: Mapped[dict] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)


class ProjectArea(TenantScoped, Base):
    __tablename__ = "project_area"

    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(BigId, ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)


class ProjectTopic(TenantScoped, Base):
    __tablename__ = "project_topic"

    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(BigId, ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True)


class Project(IdMixin, TenantScoped, Base):
    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[dict] = mapped_column(default=dict)
    description: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    image_path: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    phases: Mapped[list[Phase]] = relationship(
        back_populates="project", order_by="Phase.starts_at", cascade="all, delete-orphan", lazy="selectin"
    )


class Phase(IdMixin, TenantScoped, Base):
    __tablename__ = "phase"

    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict] = mapped_column(default=dict)
    description: Mapped[dict] = mapped_column(default=dict)
    method: Mapped[str] = mapped_column(String(40))
    config: Mapped[dict] = mapped_column(default=dict)
    permissions: Mapped[dict] = mapped_column(default=dict)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    # Set by the core's ``core.phase_events`` job with a conditional UPDATE, so ``phase.opened`` / ``phase.closed``
    # are emitted once per phase however many schedulers run.
    opened_announced_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_announced_at: Mapped[datetime | None] = mapped_column(default=None)
    # Data retention: the method's personal data is purged or anonymised ``retention_days`` after ``ends_at``
    # (None keeps it); ``retention_done_at`` is claimed by a conditional UPDATE, ``retention_result`` is the report.
    retention_days: Mapped[int | None] = mapped_column(default=None)
    retention_done_at: Mapped[datetime | None] = mapped_column(default=None)
    retention_result: Mapped[dict | None] = mapped_column(default=None)

    project: Mapped[Project] = relationship(back_populates="phases")
