"""Tables of the budgeting method (all prefixed ``budgeting_``, all tenant-scoped).

Money is stored as integer minor units of the municipality's currency. One submitted ballot per person per budget
is a UNIQUE constraint (``budget_id, user_id``); paper and imported ballots have no user and are kept apart from each
other by their ``reference`` (ballot number or pabulib voter id), also UNIQUE per budget.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, validates

from core import Base, BigId, IdMixin, TenantScoped, utcnow

Money = BigInteger()


class Budget(IdMixin, TenantScoped, Base):
    """One pot of money of a phase (city-wide, or one per district when ``area_id`` is set)."""

    __tablename__ = "budgeting_budget"

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    name: Mapped[dict] = mapped_column(default=dict)
    amount: Mapped[int] = mapped_column(Money)
    area_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("area.id", ondelete="SET NULL"), default=None)
    rule: Mapped[str] = mapped_column(String(40), default="greedy")
    position: Mapped[int] = mapped_column(default=0)
    # META fields of an imported pabulib file that Townhall has no column for, kept for a faithful export.
    meta: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Option(IdMixin, TenantScoped, Base):
    """Something a budget may fund. ``code`` is its pabulib ``project_id`` (tie-breaks and exports use it).

    An option taken from an earlier phase (core ``phase_outputs`` hook) remembers where it came from:
    ``source_phase_id`` and the output's ``source_key`` (``idea:42``), UNIQUE per budget so one idea is offered once.
    """

    __tablename__ = "budgeting_option"
    __table_args__ = (
        UniqueConstraint("budget_id", "code"),
        UniqueConstraint("budget_id", "source_phase_id", "source_key"),
    )

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    budget_id: Mapped[int] = mapped_column(BigId, ForeignKey("budgeting_budget.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict] = mapped_column(default=dict)
    description: Mapped[dict] = mapped_column(default=dict)
    cost: Mapped[int] = mapped_column(Money)
    area_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("area.id", ondelete="SET NULL"), default=None)
    image_path: Mapped[str | None] = mapped_column(String(255), default=None)
    position: Mapped[int] = mapped_column(default=0)
    extra: Mapped[dict] = mapped_column(default=dict)
    source_phase_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("phase.id", ondelete="SET NULL"), default=None
    )
    source_key: Mapped[str | None] = mapped_column(String(80), default=None)


class Cart(IdMixin, TenantScoped, Base):
    """A voter's unsubmitted choices for one budget: ``items`` is an ordered list of ``[option_id, points]``.

    The row is locked (``SELECT ... FOR UPDATE``) by every edit, so parallel edits apply one after the other.
    """

    __tablename__ = "budgeting_cart"
    __table_args__ = (UniqueConstraint("budget_id", "user_id"),)

    budget_id: Mapped[int] = mapped_column(BigId, ForeignKey("budgeting_budget.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    items: Mapped[list] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def lists_an_option_twice(listed: list | None) -> bool:
    """Whether a ballot's ``option_ids`` name an option more than once (``Ballot.repeats``)."""
    listed = listed or []
    return len(set(map(str, listed))) != len(listed)


def _repeats_of_row(context: Any) -> bool:
    return lists_an_option_twice(context.get_current_parameters().get("option_ids"))


class Ballot(IdMixin, TenantScoped, Base):
    """A submitted ballot. ``option_ids`` is in the voter's order (the ranking for ranked ballots); ``points`` is
    parallel to it for cumulative ballots and None otherwise."""

    __tablename__ = "budgeting_ballot"
    __table_args__ = (
        UniqueConstraint("budget_id", "user_id"),
        UniqueConstraint("budget_id", "reference"),
        Index("ix_budgeting_ballot_budget_source", "budget_id", "source"),
    )

    budget_id: Mapped[int] = mapped_column(BigId, ForeignKey("budgeting_budget.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    source: Mapped[str] = mapped_column(String(16), default="online")
    reference: Mapped[str | None] = mapped_column(String(120), default=None)
    area_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("area.id", ondelete="SET NULL"), default=None)
    option_ids: Mapped[list] = mapped_column(default=list)
    # Whether ``option_ids`` names an option twice (a pabulib or paper import can), never set by hand: worked out
    # when a row is inserted (the column default, for Core inserts too) or ``option_ids`` is set on an object
    # (``_note_repeats``); a stored ballot's options never change. The tally counts the distinct ballots per option
    # with a plain count for the ballots that do not (nearly all), and groups per ballot only the few that do.
    repeats: Mapped[bool] = mapped_column(default=_repeats_of_row, server_default=false())
    points: Mapped[list | None] = mapped_column(default=None)
    extra: Mapped[dict] = mapped_column(default=dict)
    receipt: Mapped[str] = mapped_column(String(32))
    entered_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("option_ids")
    def _note_repeats(self, _key: str, listed: list) -> list:
        self.repeats = lists_an_option_twice(listed)
        return listed
