"""Funders' contributions to the pooled budget, and needs-weighted allocation scenarios.

A **contribution** is money a funder puts in (whole pounds) for a period, with the
neighbourhoods and themes it may pay for. A **scenario** is a way of sharing a budget between
neighbourhoods: the need indicators and their weights, and the formula's parameters. Publishing
a scenario stores the inputs it was computed from (a snapshot with its SHA-256 fingerprint) and
its result lines; a published scenario is never edited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pbapp.extensions import db
from pbapp.models.process import THEMES, Process
from pbapp.models.user import User
from pbapp.models.vocabulary import N_, PUBLISH_STATUSES, one_of

# The most a contribution or a scenario's budget may be, in whole pounds: well inside a 32-bit
# integer column, and far above any neighbourhood budget a city sets.
MAX_POUNDS = 1_000_000_000

# Which way an indicator points: every indicator declares it when it is imported.
INDICATOR_DIRECTIONS = {
    "higher": N_("A higher value means more need"),
    "lower": N_("A lower value means more need (e.g. life expectancy)"),
}
# What an indicator measures, which decides how it may be used for money.
INDICATOR_KINDS = {
    "people": N_("People in need (a count: a fair basis for money)"),
    "score": N_(
        "A score that orders places (not a ratio: a score twice as high is not twice the need)"
    ),
    "rate": N_("A share of residents"),
    "places": N_("Describes places only (not offered as a basis for money)"),
    "population": N_("Residents (a population figure, chosen per scenario)"),
    "other": N_("Another measure"),
}


class Contribution(db.Model):
    """Money a funder puts into the pooled budget for a period, with its restrictions.

    ``neighbourhood_ids`` and ``themes`` list what the money may pay for; ``None`` means no
    restriction (any neighbourhood, any theme).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_name: Mapped[str] = mapped_column(String(200))  # e.g. NHS South Yorkshire ICB
    amount: Mapped[int]  # whole pounds
    period_start: Mapped[date]
    period_end: Mapped[date]
    neighbourhood_ids: Mapped[list[int] | None] = mapped_column(JSON)
    themes: Mapped[list[str] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"amount > 0 AND amount <= {MAX_POUNDS}", name="amount_in_range"),
        CheckConstraint("period_start <= period_end", name="period_in_order"),
    )

    def theme_names(self) -> list[str]:
        return [THEMES.get(t, t) for t in self.themes or []]

    def covers(self, day: date) -> bool:
        return self.period_start <= day <= self.period_end

    def __repr__(self) -> str:
        return f"<Contribution {self.id} {self.funder_name} £{self.amount}>"


class IndicatorDefinition(db.Model):
    """What one need indicator is: its direction and its kind, whatever its year.

    Set when figures are imported (the Indices of Deprivation importer knows its own; any other
    file must say which way its indicators point). ``transform`` names how a "lower is more
    need" indicator becomes need (``below_best``: how far below the best neighbourhood).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(80), unique=True)
    direction: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    transform: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    __table_args__ = (
        one_of("direction", INDICATOR_DIRECTIONS, name="direction_known"),
        one_of("kind", INDICATOR_KINDS, name="kind_known"),
    )

    def __repr__(self) -> str:
        return f"<IndicatorDefinition {self.indicator} {self.direction} {self.kind}>"


class Scenario(db.Model):
    """A needs-weighted way of sharing ``budget`` between neighbourhoods.

    ``indicators`` is a list of ``{"indicator", "year", "weight"}`` (weights as decimal
    strings); ``parameters`` holds the formula's ``universal``, ``alpha``, ``floor``,
    ``ceiling``, ``max_decrease`` and ``max_increase`` as decimal strings (or null), so they
    mean exactly what was typed. Once published, ``inputs`` holds everything the amounts were
    computed from, ``fingerprint`` its SHA-256, and ``lines`` the result per neighbourhood.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[int]  # whole pounds
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Pace of change is measured against this published scenario's amounts.
    previous_scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenario.id", ondelete="RESTRICT")
    )
    # The population every per-head figure is counted over: "population:<year>" (an imported
    # population figure) or null (the neighbourhood register's own population).
    population_source: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    lines: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    total: Mapped[int | None]
    published_to_process_id: Mapped[int | None] = mapped_column(
        ForeignKey("process.id", ondelete="SET NULL")
    )

    previous_scenario: Mapped[Scenario | None] = relationship(remote_side=[id])
    published_to_process: Mapped[Process | None] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    __table_args__ = (
        CheckConstraint(f"budget > 0 AND budget <= {MAX_POUNDS}", name="budget_in_range"),
        one_of("status", PUBLISH_STATUSES, name="status_known"),
        CheckConstraint(
            "status = 'draft' OR (published_at IS NOT NULL AND inputs IS NOT NULL "
            "AND fingerprint IS NOT NULL AND lines IS NOT NULL AND total = budget)",
            name="published_with_inputs",
        ),
        CheckConstraint(
            "previous_scenario_id IS NULL OR previous_scenario_id != id",
            name="not_its_own_previous",
        ),
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def __repr__(self) -> str:
        return f"<Scenario {self.id} {self.name} {self.status}>"
