"""Demographics by consent: the profile questions a municipality asks, residents' optional answers, and the reference
population each question is compared with (its census shares, with their source and year)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow

PROFILE_KINDS = ("birth_year", "gender", "area", "choice")


class ProfileQuestion(IdMixin, TenantScoped, Base):
    """``kind`` is one of ``PROFILE_KINDS``; ``options`` are ``[{"key", "label": {locale: text}}]`` for ``choice``.

    ``reference`` holds the population's share of each answer key (age band, gender, area id, option key), summing to 1.
    """

    __tablename__ = "profile_question"
    __tenant_cached__ = True  # whether to ask is kept per worker (core.demographics.prompt)

    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[dict] = mapped_column(default=dict)
    purpose: Mapped[dict] = mapped_column(default=dict)
    options: Mapped[list] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)
    reference: Mapped[dict] = mapped_column(default=dict)
    reference_source: Mapped[str] = mapped_column(String(200), default="")
    reference_year: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileAnswer(IdMixin, TenantScoped, Base):
    """One person's answer to one question (UNIQUE); ``value`` is the answer key, a birth year, or ``prefer_not``."""

    __tablename__ = "profile_answer"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(BigId, ForeignKey("profile_question.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
