"""Participatory-budgeting processes, their budgets, and the proposals residents make to them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pbapp.extensions import db
from pbapp.models.neighbourhood import Neighbourhood
from pbapp.models.user import User
from pbapp.models.vocabulary import N_, one_of

# The prevention themes of the strategy, in residents' words.
THEMES: dict[str, str] = {
    "money-work": N_("Money and work"),
    "homes-neighbourhoods": N_("Homes and neighbourhoods"),
    "learning": N_("Learning"),
    "air-green-space": N_("Clean air and green space"),
    "community-connections": N_("Community connections"),
    "early-help": N_("Early help and health checks"),
}

BALLOT_TYPES: dict[str, str] = {
    "approval": N_("Tick the projects you support"),
    "knapsack": N_("Choose projects whose costs fit within the budget"),
    "points": N_("Spread a number of points between projects"),
}

# Counting rules residents can read about; the ids are those of allocation.pb.
COUNTING_RULES: dict[str, str] = {
    "mes-add1": N_(
        "Method of Equal Shares (proportional), completed so that money is not left unspent"
    ),
    "mes-add1-greedy": N_("Method of Equal Shares, then most votes first for the money left"),
    "greedy": N_("Most votes first, skipping projects that no longer fit"),
    "greedy-no-skip": N_("Most votes first, stopping at the first project that does not fit"),
    "phragmen": N_("Sequential Phragmén (proportional)"),
}

# Who may vote in a process (chosen at creation, frozen once voting opens).
ELIGIBILITY: dict[str, str] = {
    "signed_in": N_("Any signed-in resident"),
    "verified": N_(
        "Verified residents only: a neighbourhood's budget is open to the residents verified as living there"
    ),
}
MIN_AGE_LIMITS = (5, 120)  # a minimum age outside these is a typing mistake

# The phases, in order, each starting on its date.
PHASES = ("proposals", "review", "voting", "results", "delivery")
PHASE_NAMES = {
    "upcoming": N_("Not started yet"),
    "proposals": N_("Collecting proposals"),
    "review": N_("Reviewing proposals"),
    "voting": N_("Voting open"),
    "results": N_("Results"),
    "delivery": N_("Delivering projects"),
}


class Process(db.Model):
    """A participatory-budgeting round: phases by date, a ballot type and a counting rule."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    themes: Mapped[list[str]] = mapped_column(JSON)
    ballot_type: Mapped[str] = mapped_column(String(20))
    max_projects: Mapped[int | None]  # approval ballots: at most this many ticks
    points_total: Mapped[int | None]  # points ballots: points each voter spreads
    rule: Mapped[str] = mapped_column(String(30), default="mes-add1")
    proposals_start: Mapped[date]
    review_start: Mapped[date]
    voting_start: Mapped[date]
    results_start: Mapped[date]
    delivery_start: Mapped[date]
    # Who may vote: see ELIGIBILITY; a minimum age (None: none) asks voters their date of birth.
    eligibility: Mapped[str] = mapped_column(
        String(20), default="signed_in", server_default="signed_in"
    )
    min_age: Mapped[int | None]
    # Voters must have proved their email address is theirs (the link sent to it).
    checked_email_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # A draft is seen by officers only; publishing it (once, for good) shows it to everyone.
    is_draft: Mapped[bool] = mapped_column(default=False, server_default=false())

    budgets: Mapped[list[Budget]] = relationship(
        back_populates="process", cascade="all, delete-orphan", order_by="Budget.id"
    )

    __table_args__ = (
        CheckConstraint(
            "proposals_start <= review_start AND review_start <= voting_start "
            "AND voting_start < results_start AND results_start <= delivery_start",
            name="phases_in_order",
        ),
        one_of("ballot_type", BALLOT_TYPES, name="ballot_type_known"),
        CheckConstraint("max_projects IS NULL OR max_projects > 0", name="max_projects_positive"),
        CheckConstraint(
            "(ballot_type = 'points') = (points_total IS NOT NULL AND points_total > 0)",
            name="points_total_for_points_ballots",
        ),
        CheckConstraint("eligibility IN ('signed_in', 'verified')", name="eligibility_known"),
        CheckConstraint(
            "min_age IS NULL OR (min_age >= 5 AND min_age <= 120)", name="min_age_sensible"
        ),
    )

    def phase_on(self, day: date) -> str:
        """The phase the process is in on ``day`` ("upcoming" before proposals open)."""
        current = "upcoming"
        for phase in PHASES:
            if day >= getattr(self, f"{phase}_start"):
                current = phase
        return current

    @property
    def last_voting_day(self) -> date:
        """The last day one can vote (inclusive): the day before results start. Pages and
        emails say it through ``processes.last_voting_day_in_words`` (the filter
        ``last_voting_day``), so that every one of them names the same day the same way."""
        return self.results_start - timedelta(days=1)

    def voting_has_opened(self, day: date) -> bool:
        return day >= self.voting_start

    def visible_to(self, user: User) -> bool:
        """Whether ``user`` may see the process: everyone once published, officers always."""
        return not self.is_draft or (user.is_authenticated and user.has_role("officer"))

    def theme_names(self) -> list[str]:
        return [THEMES[t] for t in self.themes if t in THEMES]


class Budget(db.Model):
    """An amount of a process for one neighbourhood (or the whole city) that residents vote on."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("process.id", ondelete="CASCADE"), index=True
    )
    # NULL: the city-wide budget, open to every resident.
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="RESTRICT")
    )
    amount: Mapped[int]  # whole pounds

    process: Mapped[Process] = relationship(back_populates="budgets")
    neighbourhood: Mapped[Neighbourhood | None] = relationship()
    proposals: Mapped[list[Proposal]] = relationship(
        back_populates="budget", order_by="Proposal.id"
    )

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # One budget per neighbourhood per process, and one city-wide budget per process.
        Index("uq_budget_process_neighbourhood", "process_id", "neighbourhood_id", unique=True),
        Index(
            "uq_budget_process_citywide",
            "process_id",
            unique=True,
            sqlite_where=db.text("neighbourhood_id IS NULL"),
            postgresql_where=db.text("neighbourhood_id IS NULL"),
        ),
    )

    @property
    def name(self) -> str:
        return self.neighbourhood.name if self.neighbourhood else "City-wide"

    def open_to(self, user: User) -> bool:
        """Whether ``user`` may propose and vote here: their home neighbourhood, or city-wide."""
        return user.has_role("resident") and (
            self.neighbourhood_id is None or self.neighbourhood_id == user.neighbourhood_id
        )


PROPOSAL_STATUSES = {
    "draft": N_("Draft (only you can see it)"),
    "submitted": N_("Submitted, waiting for review"),
    "feasible": N_("On the ballot"),
    "not_feasible": N_("Not feasible"),
}


class Proposal(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    cost: Mapped[int | None]  # the author's estimate, whole pounds (a draft may leave it empty)
    theme: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(200), default="")
    # The language the proposer wrote in (a code of pbapp.i18n.REGISTRY, checked by the service;
    # no CHECK, as for user.language: adding a language is not a migration).
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    reviewed_cost: Mapped[int | None]  # set by an officer when the estimate needed adjusting
    review_note: Mapped[str | None] = mapped_column(Text)  # shown to the author and the public
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    budget: Mapped[Budget] = relationship(back_populates="proposals")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    # Loaded with the proposals (one query for a whole list): every page showing a title to a
    # resident picks the reader's language from these.
    translations: Mapped[list[ProposalTranslation]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ProposalTranslation.language",
    )

    __table_args__ = (
        CheckConstraint("cost IS NULL OR cost > 0", name="cost_positive"),
        CheckConstraint("status = 'draft' OR cost IS NOT NULL", name="cost_when_submitted"),
        CheckConstraint(
            "reviewed_cost IS NULL OR reviewed_cost > 0", name="reviewed_cost_positive"
        ),
        one_of("status", PROPOSAL_STATUSES, name="status_known"),
        CheckConstraint(
            "status != 'not_feasible' OR review_note IS NOT NULL", name="reason_when_not_feasible"
        ),
    )

    @property
    def ballot_cost(self) -> int:
        """The cost the ballot and the count use: the reviewed cost where an officer set one."""
        return self.reviewed_cost if self.reviewed_cost is not None else self.cost

    @property
    def theme_name(self) -> str:
        return THEMES.get(self.theme, self.theme)

    def to_public_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "cost": self.ballot_cost, "theme": self.theme}


class ProposalTranslation(db.Model):
    """A proposal's title and summary in another language than the one its proposer wrote in:
    the proposer's own English version, or an officer's translation. The original stays on the
    proposal (the API and open data publish it)."""

    __tablename__ = "proposal_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(10))  # a code of pbapp.i18n.REGISTRY
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Whether an officer wrote (or last changed) it; the proposer's English version is not one.
    by_officer: Mapped[bool] = mapped_column(default=False, server_default=false())
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    proposal: Mapped[Proposal] = relationship(back_populates="translations")
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])

    __table_args__ = (UniqueConstraint("proposal_id", "language"),)
