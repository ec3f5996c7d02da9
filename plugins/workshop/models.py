"""Workshop tables (all ``workshop_*``, all tenant-scoped).

One registration and one up-vote per person are UNIQUE constraints; a reminder is sent once because its marker row
is UNIQUE (session, person, kind) and is inserted before the mail is queued. A card carries a ``version`` that an
edit must name: ``UPDATE ... WHERE version = :seen`` refuses a stale edit instead of overwriting silently.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped, utcnow

USER_FK = "user_account.id"
SESSION_FK = "workshop_session.id"
CARD_FK = "workshop_card.id"
ROOM_FK = "workshop_room.id"


class WorkshopSession(IdMixin, TenantScoped, Base):
    __tablename__ = "workshop_session"

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict] = mapped_column(default=dict)  # {locale: text}
    agenda: Mapped[dict] = mapped_column(default=dict)  # {locale: [step, ...]}
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(default=0)  # 0: no limit
    join_minutes: Mapped[int] = mapped_column(default=10)
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    registration_open: Mapped[bool] = mapped_column(default=True)
    locked: Mapped[bool] = mapped_column(default=False)
    current_step: Mapped[int] = mapped_column(default=0)
    timer_ends_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    notes: Mapped[dict] = mapped_column(default=dict)  # {locale: text}, the facilitator's notes for the report
    report_published: Mapped[bool] = mapped_column(default=False)
    rooms_open: Mapped[bool] = mapped_column(default=False)  # breakout rooms running: each room sees its own board
    rooms_choice: Mapped[bool] = mapped_column(default=False)  # participants choose their room (else assigned)
    room_count: Mapped[int] = mapped_column(default=0)  # rooms 1..room_count are in use
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Room(IdMixin, TenantScoped, Base):
    """A breakout room of a session: numbered 1, 2, ...; its people and cards point to it."""

    __tablename__ = "workshop_room"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    session_id: Mapped[int] = mapped_column(BigId, ForeignKey(SESSION_FK, ondelete="CASCADE"), index=True)
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Registration(IdMixin, TenantScoped, Base):
    __tablename__ = "workshop_registration"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        Index("ix_workshop_registration_session_status", "session_id", "status"),
    )

    session_id: Mapped[int] = mapped_column(BigId, ForeignKey(SESSION_FK, ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # registered | waiting
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(default=None)
    joined_at: Mapped[datetime | None] = mapped_column(default=None)  # first opened the live board
    room_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(ROOM_FK, ondelete="SET NULL"), default=None)


class Card(IdMixin, TenantScoped, Base):
    __tablename__ = "workshop_card"
    __table_args__ = (Index("ix_workshop_card_session", "session_id", "parent_id"),)

    session_id: Mapped[int] = mapped_column(BigId, ForeignKey(SESSION_FK, ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(CARD_FK, ondelete="CASCADE"), default=None)
    room_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(ROOM_FK, ondelete="SET NULL"), default=None)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="note")
    body: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(default=False)
    step: Mapped[int] = mapped_column(default=0)
    approved: Mapped[bool] = mapped_column(default=True)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    answered: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    shortlisted: Mapped[bool] = mapped_column(default=False)
    cluster: Mapped[str] = mapped_column(String(60), default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(IdMixin, TenantScoped, Base):
    __tablename__ = "workshop_vote"
    __table_args__ = (UniqueConstraint("card_id", "user_id"),)

    card_id: Mapped[int] = mapped_column(BigId, ForeignKey(CARD_FK, ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reminder(IdMixin, TenantScoped, Base):
    """A reminder mail that was sent (or queued): the marker that keeps it from going twice."""

    __tablename__ = "workshop_reminder"
    __table_args__ = (UniqueConstraint("session_id", "user_id", "kind"),)

    session_id: Mapped[int] = mapped_column(BigId, ForeignKey(SESSION_FK, ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # 24h | 1h
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
