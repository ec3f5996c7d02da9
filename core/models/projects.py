"""Projects, their phases, and the areas and topics that classify them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow

PROJECT_STATUSES = ("draft", "published", "archived")


class Area(IdMixin, TenantScoped, Base):
    __tablename__ = "area"

    name: Mapped[dict] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)


class Topic(IdMixin, TenantScoped, Base):
    __tablename__ = "topic"

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

    project: Mapped[Project] = relationship(back_populates="phases")
