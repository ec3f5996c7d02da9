"""Municipalities and the hosts that reach them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdMixin, utcnow


class Tenant(IdMixin, Base):
    __tablename__ = "tenant"
    __tenant_cached__ = True  # settings changes bump ``version`` (core/db/versioning.py)

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[dict] = mapped_column(default=dict)
    default_locale: Mapped[str] = mapped_column(String(8), default="en")
    locales: Mapped[list] = mapped_column(default=lambda: ["en"])
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    population: Mapped[int | None] = mapped_column(default=None)
    enabled_methods: Mapped[list] = mapped_column(default=list)
    logo_url: Mapped[str | None] = mapped_column(String(500), default=None)
    primary_color: Mapped[str] = mapped_column(String(7), default="#1d4ed8")
    accent_color: Mapped[str] = mapped_column(String(7), default="#0f766e")
    bounds: Mapped[dict | None] = mapped_column(default=None)  # {"south","west","north","east"} for located input
    # Origins (``https://www.example-city.nl``) whose pages may frame the widget (/embed/...); empty: nobody may.
    embed_origins: Mapped[list] = mapped_column(default=list)
    # How a resident gets their account verified here (multilingual text shown at /verification).
    verification_help: Mapped[dict] = mapped_column(default=dict)
    # The home page's banner (an uploaded image under <upload dir>/banners, served at /media/banners/<name>) and
    # introduction (multilingual, easy-read variants included); an empty intro shows the platform's own line.
    banner_path: Mapped[str | None] = mapped_column(String(255), default=None)
    intro: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by every change to the tenant or to rows workers cache per (tenant id, version): core/tenant_cache.py.
    version: Mapped[int] = mapped_column(default=0, server_default="0")

    hosts: Mapped[list[TenantHost]] = relationship(back_populates="tenant", cascade="all, delete-orphan")


class TenantHost(IdMixin, Base):
    """A host name that resolves to a tenant; not tenant-scoped because it is how the scope is found."""

    __tablename__ = "tenant_host"

    host: Mapped[str] = mapped_column(String(253), unique=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id", ondelete="CASCADE"), index=True)

    tenant: Mapped[Tenant] = relationship(back_populates="hosts")
