"""Funders' contributions and needs-weighted allocation scenarios.

A scenario's amounts are computed from a *document* (see ``documents``): the budget, the
formula's parameters, the named population and the chosen indicators. Publishing stores that
document, its SHA-256 fingerprint and the result lines, so anyone can recompute every published
pound (``check_published``). Services change the session and record audit events; they never
commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from allocation.needs import NeedDataError
from pbapp.extensions import db
from pbapp.formatting import money, number
from pbapp.models import THEMES, Neighbourhood, Process, User
from pbapp.models.funding import MAX_POUNDS, Contribution, Scenario
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.funding.documents import (
    PARAMETERS,
    Computation,
    IndicatorChoice,
    Row,
    ScenarioProblem,
    ScenarioSettings,
    as_decimal,
    as_text,
    build_document,
    combined_need,
    compute,
    compute_document,
    editions_warning,
    fingerprint_of,
    rows_from,
)
from pbapp.services.funding.need import (
    EDITIONS_DIFFER,
    indicator_name,
    population_sources,
    stored_indicators,
)
from pbapp.services.participation import processes

# Re-exported: callers build settings and read computations through this module.
__all__ = [
    "PARAMETERS",
    "Computation",
    "ContributionDetails",
    "IndicatorChoice",
    "Row",
    "ScenarioProblem",
    "ScenarioSettings",
    "build_document",
    "check_published",
    "check_settings",
    "combined_need",
    "compare",
    "compute",
    "compute_document",
    "computation_of",
    "contributions",
    "create_contribution",
    "create_scenario",
    "editions_warning",
    "fingerprint_of",
    "open_processes",
    "publish_scenario",
    "rows_from",
    "scenarios",
    "settings_of",
    "update_contribution",
    "update_scenario",
]

# --------------------------------------------------------------------------- contributions


@dataclass
class ContributionDetails:
    funder_name: str
    amount: int | None
    period_start: date | None
    period_end: date | None
    neighbourhood_ids: list[int] | None  # None: any neighbourhood
    themes: list[str] | None  # None: any theme
    note: str = ""


def _check_contribution(details: ContributionDetails) -> None:
    if not details.funder_name.strip():
        raise FieldError("funder_name", _("Enter the funder's name, e.g. NHS South Yorkshire ICB."))
    if len(details.funder_name) > 200:
        raise FieldError("funder_name", _("Use at most 200 characters for the funder's name."))
    if details.amount is None or details.amount <= 0:
        raise FieldError("amount", _("Enter the amount in whole pounds, more than £0."))
    if details.amount > MAX_POUNDS:
        raise FieldError("amount", _("Enter at most %(amount)s.", amount=money(MAX_POUNDS)))
    if details.period_start is None:
        raise FieldError("period_start", _("Enter the first day the money may be spent."))
    if details.period_end is None:
        raise FieldError("period_end", _("Enter the last day the money may be spent."))
    if details.period_end < details.period_start:
        raise FieldError("period_end", _("The period must end on or after the day it starts."))
    if details.neighbourhood_ids is not None:
        known = set(db.session.scalars(select(Neighbourhood.id)))
        if not details.neighbourhood_ids or set(details.neighbourhood_ids) - known:
            raise FieldError("neighbourhood_ids", _("Choose neighbourhoods from the list."))
    if details.themes is not None and (not details.themes or set(details.themes) - THEMES.keys()):
        raise FieldError("themes", _("Choose themes from the list."))
    if len(details.note) > 2000:
        raise FieldError("note", _("Use at most 2,000 characters for the note."))


def _contribution_record(item: Contribution) -> dict[str, Any]:
    return {
        "funder_name": item.funder_name,
        "amount": item.amount,
        "period_start": item.period_start.isoformat(),
        "period_end": item.period_end.isoformat(),
        "neighbourhood_ids": item.neighbourhood_ids,
        "themes": item.themes,
        "note": item.note,
    }


def _apply(item: Contribution, details: ContributionDetails) -> None:
    item.funder_name = details.funder_name.strip()
    item.amount = details.amount
    item.period_start = details.period_start
    item.period_end = details.period_end
    item.neighbourhood_ids = (
        sorted(details.neighbourhood_ids) if details.neighbourhood_ids is not None else None
    )
    item.themes = [t for t in THEMES if t in details.themes] if details.themes is not None else None
    item.note = details.note.strip()


def create_contribution(actor: User, details: ContributionDetails) -> Contribution:
    """Record a contribution. Raises ``FieldError`` naming the detail at fault."""
    _check_contribution(details)
    item = Contribution(created_by_id=actor.id)
    _apply(item, details)
    db.session.add(item)
    db.session.flush()
    audit.record(
        actor, "contribution.create", "contribution", item.id, after=_contribution_record(item)
    )
    return item


def update_contribution(actor: User, item: Contribution, details: ContributionDetails) -> None:
    """Change a contribution's details. Raises ``FieldError`` naming the detail at fault."""
    _check_contribution(details)
    before = _contribution_record(item)
    _apply(item, details)
    after = _contribution_record(item)
    audit.record_changes(actor, "contribution.update", "contribution", item.id, before, after)


def contributions() -> list[Contribution]:
    """Every contribution, latest period first."""
    return list(
        db.session.scalars(
            select(Contribution).order_by(Contribution.period_start.desc(), Contribution.id)
        )
    )


# --------------------------------------------------------------------------- scenarios


def _percent(value: Decimal | None, field_name: str, low: int, high: int) -> None:
    if value is not None and not low <= value * 100 <= high:
        raise FieldError(
            field_name,
            _(
                "Enter a percentage from %(low)s to %(high)s, or leave it empty.",
                low=number(low),
                high=number(high),
            ),
        )


def check_settings(settings: ScenarioSettings) -> None:
    """Raise ``FieldError`` naming the first setting that cannot be used."""
    if not settings.name.strip():
        raise FieldError("name", _("Give the scenario a name."))
    if len(settings.name) > 200:
        raise FieldError("name", _("Use at most 200 characters for the name."))
    if settings.budget is None or settings.budget <= 0:
        raise FieldError("budget", _("Enter the budget to share, in whole pounds."))
    if settings.budget > MAX_POUNDS:
        raise FieldError("budget", _("Enter at most %(amount)s.", amount=money(MAX_POUNDS)))
    chosen = [c for c in settings.indicators if c.weight > 0]
    if not chosen:
        raise FieldError("indicators", _("Give at least one need indicator a weight above 0."))
    if any(c.weight < 0 or c.weight > 100 for c in settings.indicators):
        raise FieldError("indicators", _("Weights are numbers from 0 to 100."))
    stored = {(s.indicator, s.year): s for s in stored_indicators()}
    for choice in chosen:
        found = stored.get((choice.indicator, choice.year))
        name = f"{indicator_name(choice.indicator)} {choice.year}"
        if found is None:
            raise FieldError(
                "indicators",
                _(
                    "%(indicator)s is no longer stored: choose from the indicators listed.",
                    indicator=name,
                ),
            )
        if not found.for_money:
            raise FieldError(
                "indicators",
                _(
                    "%(indicator)s cannot be a basis for money. %(reason)s",
                    indicator=name,
                    reason=found.caveat or found.kind_label,
                ),
            )
    editions = {stored[(c.indicator, c.year)].iod_edition for c in chosen} - {None}
    if len(editions) > 1:
        raise FieldError(
            "indicators",
            _("%(editions)s. Choose indicators of one edition.", editions=EDITIONS_DIFFER),
        )
    if (settings.population_source or "") not in {p.key for p in population_sources()}:
        raise FieldError("population_source", _("Choose a population from the list."))
    if settings.universal is None or not 0 <= settings.universal <= 1:
        raise FieldError("universal", _("Enter a percentage from 0 to 100."))
    if settings.alpha is None or not 0 <= settings.alpha <= 4:
        raise FieldError("alpha", _("Enter a number from 0 to 4."))
    if settings.floor is not None and not 0 <= settings.floor <= 1:
        raise FieldError("floor", _("Enter a percentage from 0 to 100, or leave it empty."))
    if settings.ceiling is not None and not 1 <= settings.ceiling <= 10:
        raise FieldError("ceiling", _("Enter a percentage from 100 to 1,000, or leave it empty."))
    pace_rules = ("max_decrease", "max_increase", "minimum_growth", "max_below_target")
    if settings.previous_scenario_id is None:
        named = next((n for n in pace_rules if getattr(settings, n) is not None), None)
        if named is not None:
            raise FieldError(
                "previous_scenario_id",
                _("Choose the published scenario that the pace of change is measured from."),
            )
    else:
        previous = db.session.get(Scenario, settings.previous_scenario_id)
        if previous is None or not previous.is_published:
            raise FieldError("previous_scenario_id", _("Choose a published scenario."))
        if (
            settings.pace is None
            and settings.max_decrease is None
            and settings.max_increase is None
        ):
            raise FieldError(
                "max_decrease",
                _(
                    "Say how far a neighbourhood's amount may fall or rise from the previous "
                    "scenario, or choose no previous scenario."
                ),
            )
    if settings.convergence not in ("furthest", "proportional"):
        raise FieldError("convergence", _("Choose how convergence money is shared."))
    if settings.pace == "nhs" and settings.max_increase is not None:
        raise FieldError(
            "max_decrease",
            _(
                "NHS-style pace of change puts no limit on rises; convergence money goes to the "
                "neighbourhoods furthest below target."
            ),
        )
    _percent(settings.max_decrease, "max_decrease", 0, 100)
    _percent(settings.max_increase, "max_decrease", 0, 1000)
    _percent(settings.minimum_growth, "minimum_growth", -100, 100)
    _percent(settings.max_below_target, "max_below_target", 0, 100)


def _apply_settings(scenario: Scenario, settings: ScenarioSettings) -> None:
    scenario.name = settings.name.strip()
    scenario.description = settings.description.strip()
    scenario.budget = settings.budget
    scenario.indicators = [
        {"indicator": c.indicator, "year": c.year, "weight": as_text(c.weight)}
        for c in settings.indicators
        if c.weight > 0
    ]
    scenario.parameters = {
        **{name: as_text(getattr(settings, name)) for name in PARAMETERS},
        "pace": settings.pace,
        "convergence": settings.convergence,
    }
    scenario.previous_scenario_id = settings.previous_scenario_id
    scenario.population_source = settings.population_source or None


def settings_of(scenario: Scenario) -> ScenarioSettings:
    """The settings a scenario was saved with (``pace`` None: saved before NHS-style pace)."""
    parameters = scenario.parameters
    return ScenarioSettings(
        name=scenario.name,
        description=scenario.description,
        budget=scenario.budget,
        indicators=[
            IndicatorChoice(c["indicator"], c["year"], Decimal(c["weight"]))
            for c in scenario.indicators
        ],
        previous_scenario_id=scenario.previous_scenario_id,
        pace=parameters.get("pace"),
        convergence=parameters.get("convergence") or "furthest",
        population_source=scenario.population_source or "",
        **{name: as_decimal(parameters.get(name)) for name in PARAMETERS},
    )


def _scenario_record(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "budget": scenario.budget,
        "indicators": scenario.indicators,
        "parameters": scenario.parameters,
        "previous_scenario_id": scenario.previous_scenario_id,
        "population_source": scenario.population_source,
    }


def create_scenario(actor: User, settings: ScenarioSettings) -> Scenario:
    """Save a draft scenario. Raises ``FieldError`` naming the setting at fault."""
    check_settings(settings)
    scenario = Scenario(created_by_id=actor.id, status="draft")
    _apply_settings(scenario, settings)
    db.session.add(scenario)
    db.session.flush()
    audit.record(
        actor, "scenario.create", "scenario", scenario.id, after=_scenario_record(scenario)
    )
    return scenario


def update_scenario(actor: User, scenario: Scenario, settings: ScenarioSettings) -> None:
    """Change a draft scenario. Published scenarios are never edited: ``FieldError``."""
    if scenario.is_published:
        raise FieldError("name", _("This scenario is published, so it can no longer change."))
    if settings.previous_scenario_id == scenario.id:
        raise FieldError("previous_scenario_id", _("A scenario cannot follow itself."))
    check_settings(settings)
    before = _scenario_record(scenario)
    _apply_settings(scenario, settings)
    after = _scenario_record(scenario)
    audit.record_changes(actor, "scenario.update", "scenario", scenario.id, before, after)


def computation_of(scenario: Scenario) -> Computation:
    """A published scenario from what was stored; a draft computed from today's data."""
    if scenario.is_published and scenario.inputs is not None and scenario.lines is not None:
        return Computation(
            document=scenario.inputs,
            fingerprint=scenario.fingerprint or "",
            rows=rows_from(scenario.inputs, scenario.lines),
            lines=scenario.lines,
        )
    return compute(settings_of(scenario))


def publish_scenario(
    actor: User, scenario: Scenario, process: Process | None, today: date
) -> Computation:
    """Freeze a draft scenario with its inputs and amounts; with ``process``, set that
    process's neighbourhood budgets to the amounts (through ``processes.set_budgets``).

    Raises ``FieldError("publish" or "process_id", ...)`` when the scenario is already published,
    cannot be computed, or the process's budgets can no longer change. Two funders publishing
    at once cannot both succeed: the status changes only where it is still draft.
    """
    if scenario.is_published:
        raise FieldError("publish", _("This scenario is already published."))
    computation = compute(settings_of(scenario))
    if computation.problem is not None:
        raise FieldError(
            "publish",
            _("The scenario cannot be published. %(problem)s", problem=computation.problem),
        )
    if computation.total != scenario.budget:  # the library promises this; never publish less
        raise FieldError("publish", _("The amounts do not add up to the budget; nothing changed."))
    if process is not None:
        codes = {a.code: a.id for a in db.session.scalars(select(Neighbourhood))}
        try:
            processes.set_budgets(
                actor, process, {codes[r.code]: r.amount for r in computation.rows}, today
            )
        except FieldError as error:
            raise FieldError("process_id", error.message) from None
    changed = db.session.execute(
        update(Scenario)
        .where(Scenario.id == scenario.id, Scenario.status == "draft")
        .values(
            status="published",
            published_at=datetime.now(UTC).replace(tzinfo=None),
            published_by_id=actor.id,
            inputs=computation.document,
            fingerprint=computation.fingerprint,
            lines=computation.lines,
            total=computation.total,
            published_to_process_id=process.id if process is not None else None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise FieldError("publish", _("This scenario was published by someone else a moment ago."))
    db.session.flush()
    db.session.refresh(scenario)
    audit.record(
        actor,
        "scenario.publish",
        "scenario",
        scenario.id,
        after={
            "fingerprint": computation.fingerprint,
            "budget": scenario.budget,
            "process_id": process.id if process is not None else None,
            "amounts": {r.code: r.amount for r in computation.rows},
        },
    )
    return computation


def check_published(scenario: Scenario) -> bool:
    """Recompute a published scenario from its stored inputs: True when the fingerprint, every
    amount and the total agree with what was published."""
    if not scenario.is_published or scenario.inputs is None or scenario.lines is None:
        return False
    if fingerprint_of(scenario.inputs) != scenario.fingerprint:
        return False
    try:
        result = compute_document(scenario.inputs)
    except (ScenarioProblem, NeedDataError):
        return False
    stored = {line["id"]: line["amount"] for line in scenario.lines}
    return stored == result.amounts() and sum(stored.values()) == scenario.budget


@dataclass(frozen=True)
class ComparisonRow:
    code: str
    name: str
    need_rank: int
    amount: int
    other: int | None
    population: int

    @property
    def change(self) -> int | None:
        return None if self.other is None else self.amount - self.other

    @property
    def change_share(self) -> float | None:
        if self.other is None or self.other == 0:
            return None
        return (self.amount - self.other) / self.other


def compare(rows: list[Row], other: list[Row]) -> list[ComparisonRow]:
    """This scenario's amounts beside another's, by neighbourhood, in this one's need order."""
    theirs = {r.code: r.amount for r in other}
    return [
        ComparisonRow(r.code, r.name, r.need_rank, r.amount, theirs.get(r.code), r.population)
        for r in rows
    ]


def scenarios(*, published_only: bool = False) -> list[Scenario]:
    """Scenarios, published ones first (latest first), then drafts (newest first)."""
    query = select(Scenario)
    if published_only:
        query = query.where(Scenario.status == "published")
    items = list(db.session.scalars(query.order_by(Scenario.id.desc())))
    return sorted(items, key=lambda s: (not s.is_published, -(s.id or 0)))


def open_processes(today: date) -> list[Process]:
    """Processes whose budgets may still change (voting has not opened), soonest first."""
    return list(
        db.session.scalars(
            select(Process).where(Process.voting_start > today).order_by(Process.voting_start)
        )
    )
