"""The survey's tables. Questions keep stable ids that answers refer to; responses and participations are apart.

Anonymity is a property of the schema, not of a flag on a query: in an anonymous phase the response row holds no
user, no timestamp and a random id (no ordering that matches the participation rows), and the participation row
that enforces "one per person" holds no id of its own and no timestamp, only ``(phase_id, who)``. On PostgreSQL both
are written covered by random others and mixed by the ``survey.mix`` job (``services.mix``, core ``mixing``), so
neither their heap order nor their ``xmin`` pairs a response with its participation row.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, JsonDoc, TenantScoped, UTCDateTime


def random_id() -> int:
    """A random positive 53-bit id: response ids say nothing about the order responses arrived in."""
    return secrets.randbits(53) or 1


class SurveyQuestion(IdMixin, TenantScoped, Base):
    __tablename__ = "survey_question"

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    page: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    help: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    options: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)  # [[stable id, {locale: label}], ...]
    rows: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)  # matrix rows, same shape
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    condition: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True, default=None)
    jumps: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)  # [[condition, target page], ...]
    removed: Mapped[bool] = mapped_column(default=False)  # removed after responses arrived: kept for exports

    @property
    def name_field(self) -> str:
        """The form field (prefix) of this question's answer."""
        return f"q{self.id}"


class SurveyResponse(TenantScoped, Base):
    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("phase_id", "submission_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False, default=random_id)
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    # NULL in an anonymous phase, for paper responses and after forgetting or retention.
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL"), index=True, nullable=True
    )
    submission_key: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10), default="online")
    answers: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    # NULL in an anonymous phase: a time would line a response up with the moment someone was seen online.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True), nullable=True)


class SurveyParticipant(TenantScoped, Base):
    """Who has responded, to refuse a second response: ``u:<user id>`` or ``b:<hash of a browser token>``.

    The primary key is the one-per-person fact (a UNIQUE constraint decides races); there is no serial id and no
    timestamp, so nothing orders these rows against the responses."""

    __tablename__ = "survey_participant"

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), primary_key=True)
    who: Mapped[str] = mapped_column(String(80), primary_key=True)


class SurveyDraft(IdMixin, TenantScoped, Base):
    """A signed-in resident's unfinished answers (never in an anonymous phase's response table)."""

    __tablename__ = "survey_draft"
    __table_args__ = (UniqueConstraint("phase_id", "user_id"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    page: Mapped[int] = mapped_column(default=1)
