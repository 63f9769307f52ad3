"""Ballots: one per voter per budget, enforced by the database, online or entered from paper."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pbapp.extensions import db
from pbapp.models.process import Budget, Proposal
from pbapp.models.user import User
from pbapp.models.vocabulary import BALLOT_SOURCES, one_of


class Ballot(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The receipt code is given to the voter once; only its hash is kept, so the table alone
    # cannot be used to forge or look up receipts.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(10), default="online")  # online | paper
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Paper ballots of voters without an account: their postcode (upper case, one space), so
    # that a second paper with the same name and postcode is noticed.
    paper_postcode: Mapped[str | None] = mapped_column(String(8))
    # The voter's identity hash (pbapp.services.verification.identity) when known: a verified
    # voter's online ballot, or a paper voter identified by name, date of birth and postcode.
    # Unique per budget, so one person casts one ballot, online or on paper.
    identity_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    budget: Mapped[Budget] = relationship()
    voter: Mapped[User] = relationship(foreign_keys=[voter_id])
    items: Mapped[list[BallotItem]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("budget_id", "voter_id"),
        UniqueConstraint("budget_id", "identity_hash", name="uq_ballot_budget_id_identity_hash"),
        one_of("source", BALLOT_SOURCES, name="source_known"),
    )


class BallotItem(db.Model):
    """One proposal on a ballot, with its points (1 for approval and knapsack ballots)."""

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    points: Mapped[int] = mapped_column(default=1)

    ballot: Mapped[Ballot] = relationship(back_populates="items")
    proposal: Mapped[Proposal] = relationship()

    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),)


class Result(db.Model):
    """The published count of a budget: enough to show, explain and recount it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), unique=True)
    rule: Mapped[str] = mapped_column(String(30))
    selected: Mapped[list[int]] = mapped_column(JSON)  # proposal ids in the order selected
    spend: Mapped[int]  # whole pounds
    voters: Mapped[int]
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of ballots and settings
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())

    budget: Mapped[Budget] = relationship()
