"""Proposals tables (all ``proposals_*``, all tenant-scoped).

A proposal keeps its signature counters (online, paper) because its threshold rule needs them under a row lock:
a signature row and the counter change commit together, so the counters always equal the rows (and still count a
signature whose signer was forgotten or purged, which keeps the row without its person). One signature per person
and per identity key are UNIQUE constraints.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped, utcnow

USER_FK = "user_account.id"
PROPOSAL_FK = "proposals_proposal.id"


class Proposal(IdMixin, TenantScoped, Base):
    __tablename__ = "proposals_proposal"
    __table_args__ = (Index("ix_proposals_proposal_phase_state", "phase_id", "state"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    topic_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("topic.id", ondelete="SET NULL"), default=None)
    area_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("area.id", ondelete="SET NULL"), default=None)
    state: Mapped[str] = mapped_column(String(24), default="draft")
    invite_token: Mapped[str] = mapped_column(String(43))
    # Fixed at publication: the goal and its basis, so later settings changes cannot move them.
    threshold: Mapped[int | None] = mapped_column(default=None)
    population_snapshot: Mapped[int | None] = mapped_column(default=None)
    threshold_percent: Mapped[float | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    online_count: Mapped[int] = mapped_column(default=0)
    paper_count: Mapped[int] = mapped_column(default=0)
    reached_at: Mapped[datetime | None] = mapped_column(default=None)
    response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[dict] = mapped_column(default=dict)  # {locale: text}, the council's official answer
    answer_link: Mapped[str] = mapped_column(String(500), default="")
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    purged_at: Mapped[datetime | None] = mapped_column(default=None)
    retention_report: Mapped[dict] = mapped_column(default=dict)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def total(self) -> int:
        return self.online_count + self.paper_count


class Signature(IdMixin, TenantScoped, Base):
    """One signature: online (``user_id`` set until forgotten or purged) or on paper (entered by staff).

    ``identity_hash`` is an HMAC of the normalised identity (name + date of birth + address, or a national id)
    keyed with the app secret; the identity itself is never stored.
    """

    __tablename__ = "proposals_signature"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),
        UniqueConstraint("proposal_id", "identity_hash"),
    )

    proposal_id: Mapped[int] = mapped_column(BigId, ForeignKey(PROPOSAL_FK, ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), index=True)
    identity_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    paper: Mapped[bool] = mapped_column(default=False)
    entered_by: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Cosponsor(IdMixin, TenantScoped, Base):
    """A resident who accepted the author's invitation to co-sponsor a proposal before submission."""

    __tablename__ = "proposals_cosponsor"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    proposal_id: Mapped[int] = mapped_column(BigId, ForeignKey(PROPOSAL_FK, ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Transition(IdMixin, TenantScoped, Base):
    """One step of a proposal's lifecycle, shown on its public history (the reason too)."""

    __tablename__ = "proposals_transition"

    proposal_id: Mapped[int] = mapped_column(BigId, ForeignKey(PROPOSAL_FK, ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
