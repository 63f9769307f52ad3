"""Core funding for voluntary and community (VCS) groups: profiles, rounds, awards, corrections.

A group keeps its profile (income, people reached by neighbourhood); an officer checks its
eligibility. A round's formula is a set of parameters; publishing it stores the inputs it was
computed from (a snapshot with its SHA-256 fingerprint) and one award per eligible group.
Published rounds and their awards are never edited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pbapp.extensions import db
from pbapp.models.neighbourhood import Neighbourhood
from pbapp.models.user import User
from pbapp.models.vocabulary import N_, one_of

# The eligibility checklist, in the words an officer and a trustee use. Not a score: a group
# that meets every item is funded.
ELIGIBILITY_CHECKS: dict[str, str] = {
    "constituted": N_("Constituted (has a governing document, such as a constitution or articles)"),
    "serves_city": N_("Serves residents of the city"),
    "safeguarding": N_("Has a safeguarding policy in place"),
    "accounts": N_("Keeps annual accounts"),
}

ROUND_STATUSES = {"draft": N_("Draft (not public)"), "published": N_("Published")}

CORRECTION_SUBJECTS: dict[str, str] = {
    "income": N_("Our income figures"),
    "reach": N_("The people we reach in each neighbourhood"),
    "details": N_("Our name or charity/company number"),
    "eligibility": N_("Our eligibility"),
    "other": N_("Something else"),
}

# The result of an officer's sample check of a group's reach figures.
REACH_CHECK_RESULTS: dict[str, str] = {
    "confirmed": N_("Confirmed: the sample matched the figures"),
    "not_confirmed": N_("Not confirmed: the sample did not match the figures"),
}

CORRECTION_STATUSES = {
    "open": N_("Waiting for an officer"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
}


class Organisation(db.Model):
    """A VCS group's profile: who it is, its income for up to three years, and who it serves."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # A registered charity number or Companies House number; empty for a small unregistered group.
    registration_number: Mapped[str] = mapped_column(String(20), default="")
    # Yearly incomes in whole pounds, latest first; income_year is the year the latest one ended.
    income_year: Mapped[int]
    income_latest: Mapped[int]
    income_previous: Mapped[int | None]
    income_earlier: Mapped[int | None]
    constituted: Mapped[bool] = mapped_column(Boolean, default=False)
    serves_city: Mapped[bool] = mapped_column(Boolean, default=False)
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    accounts: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility_checked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    eligibility_checked_at: Mapped[datetime | None]
    # How the reach figures were counted: the period they cover and the group's method.
    reach_period: Mapped[str] = mapped_column(String(200), default="")
    reach_method: Mapped[str] = mapped_column(Text, default="")
    # Unique people served across the city as a community of identity or without a fixed
    # address (None: the group does not claim the equality share), and who they are.
    equality_people: Mapped[int | None]
    equality_intensive: Mapped[int | None]
    equality_description: Mapped[str] = mapped_column(String(300), default="")
    # Subsidy control: does the group trade, and the Minimal Financial Assistance it declares
    # from other public bodies in this and the two previous financial years (whole pounds).
    trades: Mapped[bool] = mapped_column(Boolean, default=False)
    mfa_declared: Mapped[int] = mapped_column(default=0)
    # An officer's sample check of the reach figures; cleared when the figures change.
    reach_check_result: Mapped[str | None] = mapped_column(String(20))
    reach_check_method: Mapped[str | None] = mapped_column(Text)
    reach_checked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    reach_checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    keepers: Mapped[list[OrganisationKeeper]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    reach: Mapped[list[OrganisationReach]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    eligibility_checked_by: Mapped[User | None] = relationship(
        foreign_keys=[eligibility_checked_by_id]
    )
    reach_checked_by: Mapped[User | None] = relationship(foreign_keys=[reach_checked_by_id])

    __table_args__ = (
        CheckConstraint(
            "income_latest >= 0 AND (income_previous IS NULL OR income_previous >= 0) "
            "AND (income_earlier IS NULL OR income_earlier >= 0)",
            name="incomes_not_negative",
        ),
        CheckConstraint(
            "income_earlier IS NULL OR income_previous IS NOT NULL", name="incomes_in_order"
        ),
        CheckConstraint(
            "(equality_people IS NULL AND equality_intensive IS NULL) OR (equality_people > 0 "
            "AND equality_intensive >= 0 AND equality_intensive <= equality_people)",
            name="equality_reach_valid",
        ),
        CheckConstraint("mfa_declared >= 0", name="mfa_not_negative"),
        one_of("reach_check_result", REACH_CHECK_RESULTS, name="reach_check_known", nullable=True),
    )

    @property
    def incomes(self) -> list[int]:
        """The yearly incomes the profile holds, latest first (one to three)."""
        return [
            v
            for v in (self.income_latest, self.income_previous, self.income_earlier)
            if v is not None
        ]

    @property
    def reach_checked(self) -> bool:
        """An officer's sample check confirmed the reach figures as they are now."""
        return self.reach_check_result == "confirmed"

    @property
    def eligible(self) -> bool:
        """Checked by an officer and meets every item of the checklist."""
        return self.eligibility_checked_at is not None and all(
            getattr(self, name) for name in ELIGIBILITY_CHECKS
        )

    def kept_by(self, user: User) -> bool:
        return any(k.user_id == user.id for k in self.keepers)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class OrganisationKeeper(db.Model):
    """A user (with the vcs role) who keeps a group's profile."""

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    # One account keeps one group: a unique index, so that two requests at once cannot both
    # add a group for the same account (issue 16).
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True, unique=True
    )

    organisation: Mapped[Organisation] = relationship(back_populates="keepers")
    user: Mapped[User] = relationship()


class OrganisationReach(db.Model):
    """How many unique people a group reaches who live in one neighbourhood.

    ``people`` counts each person once; ``intensive`` of them had intensive support (the round
    defines it), the others light support.
    """

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="RESTRICT"), primary_key=True
    )
    people: Mapped[int]
    intensive: Mapped[int] = mapped_column(default=0)

    organisation: Mapped[Organisation] = relationship(back_populates="reach")
    neighbourhood: Mapped[Neighbourhood] = relationship()

    __table_args__ = (
        CheckConstraint("people > 0", name="people_positive"),
        CheckConstraint("intensive >= 0 AND intensive <= people", name="intensive_within_people"),
    )

    @property
    def light(self) -> int:
        return self.people - self.intensive


class CoreFundingRound(db.Model):
    """A round: a pot per year for some years, shared by the formula's parameters.

    ``parameters`` holds the formula (bands, alpha, cap, cap_income_fraction, delta) with
    fractions as decimal strings, so they mean exactly what was typed. Once published, ``inputs``
    holds everything the awards were computed from and ``fingerprint`` its SHA-256.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    pot: Mapped[int]  # whole pounds per year
    years: Mapped[int]
    first_year: Mapped[int]  # the financial year the round starts, e.g. 2027 for 2027/28
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    total: Mapped[int | None]  # awarded per year (pot minus unallocated)
    unallocated: Mapped[int | None]
    reach_price: Mapped[str | None] = mapped_column(String(40))  # λ in pounds, for display

    awards: Mapped[list[Award]] = relationship(
        back_populates="funding_round", cascade="all, delete-orphan", order_by="Award.id"
    )
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    __table_args__ = (
        CheckConstraint("pot > 0", name="pot_positive"),
        CheckConstraint("years >= 1 AND years <= 10", name="years_in_range"),
        one_of("status", ROUND_STATUSES, name="status_known"),
        CheckConstraint(
            "status = 'draft' OR (published_at IS NOT NULL AND inputs IS NOT NULL "
            "AND fingerprint IS NOT NULL AND total IS NOT NULL AND unallocated IS NOT NULL)",
            name="published_with_inputs",
        ),
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def last_year(self) -> int:
        return self.first_year + self.years - 1

    @property
    def period(self) -> str:
        """The financial years covered, e.g. 'April 2027 to March 2030'."""
        return f"April {self.first_year} to March {self.first_year + self.years}"


class Award(db.Model):
    """A group's award per year in a published round, with the breakdown that explains it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("core_funding_round.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int]  # whole pounds per year
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Subsidy control: the group traded when the award was made, so the award counts towards its
    # Minimal Financial Assistance.
    trades: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_award_id: Mapped[int | None] = mapped_column(
        ForeignKey("award.id", ondelete="SET NULL")
    )

    funding_round: Mapped[CoreFundingRound] = relationship(back_populates="awards")
    organisation: Mapped[Organisation] = relationship()
    previous_award: Mapped[Award | None] = relationship(remote_side=[id])

    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    @property
    def round_total(self) -> int:
        return self.amount * self.funding_round.years


class CorrectionRequest(db.Model):
    """A group's report of a mistake in the data its award was (or will be) computed from."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_funding_round.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)  # the officer's reason, shown to the group
    # Where an accepted correction takes effect, said when it was accepted.
    takes_effect: Mapped[str | None] = mapped_column(Text)
    # The figures an accepted correction applied to the profile: {"field": [before, after]}.
    corrected: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    organisation: Mapped[Organisation] = relationship()
    funding_round: Mapped[CoreFundingRound | None] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        one_of("status", CORRECTION_STATUSES, name="status_known"),
        one_of("subject", CORRECTION_SUBJECTS, name="subject_known"),
        CheckConstraint(
            "status = 'open' OR (reason IS NOT NULL AND decided_at IS NOT NULL)",
            name="reason_when_decided",
        ),
    )

    @property
    def subject_name(self) -> str:
        return CORRECTION_SUBJECTS.get(self.subject, self.subject)

    @property
    def status_name(self) -> str:
        return CORRECTION_STATUSES.get(self.status, self.status)
