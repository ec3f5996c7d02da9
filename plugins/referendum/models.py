"""Tables of the referendum (all ``referendum_...``, all tenant-scoped).

Ballot secrecy is a property of these tables: the **roll** (``referendum_roll``: who may vote, whether they did,
on which day and through which channel) and the **ballot box** (``referendum_ballot``: what was voted) share
nothing but the phase. A ballot has no user, no timestamp, and a random primary key instead of a sequence; on
SQLite the ballot table is ``WITHOUT ROWID`` so even its physical row order is that of the random key; the roll's
rows are written once at the snapshot and updated in place, so their order is the snapshot's, never the voting's.
The receipt code is stored only as its SHA-256. On PostgreSQL, where the heap order and ``xmin`` would tell the
order of writing, every mark and ballot is written covered by random others and the box and marks are mixed by a
scheduled job and at the close (``services.mix``, core ``mixing``; docs/methods/referendum.md, "Ballot secrecy").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped


class Question(IdMixin, TenantScoped, Base):
    """One question of the referendum. ``choices`` is a list of ``{locale: text}`` options (unused for yes/no)."""

    __tablename__ = "referendum_question"

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16), default="yesno")
    allow_blank: Mapped[bool] = mapped_column(default=True)
    title: Mapped[dict] = mapped_column(default=dict)
    background: Mapped[dict] = mapped_column(default=dict)  # sanitised HTML per locale
    choices: Mapped[list] = mapped_column(default=list)
    min_choices: Mapped[int] = mapped_column(default=1)
    max_choices: Mapped[int] = mapped_column(default=1)
    source_key: Mapped[str | None] = mapped_column(String(80), default=None)


class Box(IdMixin, TenantScoped, Base):
    """The referendum's state, one row per phase: the roll's size once snapshotted (voting opened), then the
    results, the published ballot box's chain head and when it was counted (all set once, by conditional UPDATE)."""

    __tablename__ = "referendum_box"
    __table_args__ = (UniqueConstraint("phase_id"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    roll_size: Mapped[int] = mapped_column(default=0)
    paper_ballots: Mapped[int] = mapped_column(default=0)  # claimed one by one against the roll's paper marks
    frozen_at: Mapped[datetime]
    results: Mapped[dict | None] = mapped_column(default=None)
    head: Mapped[str | None] = mapped_column(String(64), default=None)
    counted_at: Mapped[datetime | None] = mapped_column(default=None)


class RollEntry(IdMixin, TenantScoped, Base):
    """A person on the electoral roll. ``voted`` flips once (conditional UPDATE) whatever the channel; the day is a
    date, never a time. ``user_id`` is nulled when the person's account is forgotten (the mark stays)."""

    __tablename__ = "referendum_roll"
    __table_args__ = (
        UniqueConstraint("phase_id", "user_id"),
        UniqueConstraint("phase_id", "code"),
    )

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    voted: Mapped[bool] = mapped_column(default=False)
    voted_on: Mapped[date | None] = mapped_column(Date, default=None)
    channel: Mapped[str | None] = mapped_column(String(8), default=None)
    # from the imported register, for a minimum age; cleared when the roll is snapshotted (only the verdict stays)
    born_on: Mapped[date | None] = mapped_column(Date, default=None)


class Ballot(TenantScoped, Base):
    """A ballot in the box: random id, the receipt's hash, the answers; nothing about who or when."""

    __tablename__ = "referendum_ballot"
    __table_args__ = (UniqueConstraint("phase_id", "receipt_hash"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    receipt_hash: Mapped[str] = mapped_column(String(64))
    choices: Mapped[dict] = mapped_column(default=dict)
