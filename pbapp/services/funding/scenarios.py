"""Funders' contributions and needs-weighted allocation scenarios.

A scenario's amounts are computed by ``allocation.needs.needs_weighted_shares`` from a
*document*: the budget, the formula's parameters, each neighbourhood's population and the raw
figures of the chosen indicators with their weights. Publishing stores that document, its
SHA-256 fingerprint and the result lines, so anyone can recompute every published pound
(``check_published``). Services change the session and record audit events; they never commit.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from allocation.needs import NeedDataError, SharesResult, needs_weighted_shares
from allocation.needs import Neighbourhood as NeedArea
from pbapp.extensions import db
from pbapp.models import THEMES, Neighbourhood, Process, User
from pbapp.models.funding import MAX_POUNDS, Contribution, Scenario
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.funding.need import indicator_label
from pbapp.services.participation import processes

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
        raise FieldError("funder_name", "Enter the funder's name, e.g. NHS South Yorkshire ICB.")
    if len(details.funder_name) > 200:
        raise FieldError("funder_name", "Use at most 200 characters for the funder's name.")
    if details.amount is None or details.amount <= 0:
        raise FieldError("amount", "Enter the amount in whole pounds, more than £0.")
    if details.amount > MAX_POUNDS:
        raise FieldError("amount", f"Enter at most £{MAX_POUNDS:,}.")
    if details.period_start is None:
        raise FieldError("period_start", "Enter the first day the money may be spent.")
    if details.period_end is None:
        raise FieldError("period_end", "Enter the last day the money may be spent.")
    if details.period_end < details.period_start:
        raise FieldError("period_end", "The period must end on or after the day it starts.")
    if details.neighbourhood_ids is not None:
        known = set(db.session.scalars(select(Neighbourhood.id)))
        if not details.neighbourhood_ids or set(details.neighbourhood_ids) - known:
            raise FieldError("neighbourhood_ids", "Choose neighbourhoods from the list.")
    if details.themes is not None and (not details.themes or set(details.themes) - THEMES.keys()):
        raise FieldError("themes", "Choose themes from the list.")
    if len(details.note) > 2000:
        raise FieldError("note", "Use at most 2,000 characters for the note.")


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


@dataclass(frozen=True)
class IndicatorChoice:
    indicator: str
    year: int
    weight: Decimal


@dataclass
class ScenarioSettings:
    """A scenario as typed, with fractions (not percentages): ``universal`` 0.5 = 50%."""

    name: str
    description: str
    budget: int | None
    indicators: list[IndicatorChoice]
    universal: Decimal | None
    alpha: Decimal | None
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    previous_scenario_id: int | None = None
    max_decrease: Decimal | None = None
    max_increase: Decimal | None = None


PARAMETERS = ("universal", "alpha", "floor", "ceiling", "max_decrease", "max_increase")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _number(text: str | None) -> float | None:
    return None if text is None else float(Decimal(text))


def check_settings(settings: ScenarioSettings) -> None:
    """Raise ``FieldError`` naming the first setting that cannot be used."""
    if not settings.name.strip():
        raise FieldError("name", "Give the scenario a name.")
    if len(settings.name) > 200:
        raise FieldError("name", "Use at most 200 characters for the name.")
    if settings.budget is None or settings.budget <= 0:
        raise FieldError("budget", "Enter the budget to share, in whole pounds.")
    if settings.budget > MAX_POUNDS:
        raise FieldError("budget", f"Enter at most £{MAX_POUNDS:,}.")
    chosen = [c for c in settings.indicators if c.weight > 0]
    if not chosen:
        raise FieldError("indicators", "Give at least one need indicator a weight above 0.")
    if any(c.weight < 0 or c.weight > 100 for c in settings.indicators):
        raise FieldError("indicators", "Weights are numbers from 0 to 100.")
    if settings.universal is None or not 0 <= settings.universal <= 1:
        raise FieldError("universal", "Enter a percentage from 0 to 100.")
    if settings.alpha is None or not 0 <= settings.alpha <= 4:
        raise FieldError("alpha", "Enter a number from 0 to 4.")
    if settings.floor is not None and not 0 <= settings.floor <= 1:
        raise FieldError("floor", "Enter a percentage from 0 to 100, or leave it empty.")
    if settings.ceiling is not None and not 1 <= settings.ceiling <= 10:
        raise FieldError("ceiling", "Enter a percentage from 100 to 1,000, or leave it empty.")
    band = settings.max_decrease is not None or settings.max_increase is not None
    if settings.previous_scenario_id is None:
        if band:
            raise FieldError(
                "previous_scenario_id",
                "Choose the published scenario that the pace of change is measured from.",
            )
    else:
        previous = db.session.get(Scenario, settings.previous_scenario_id)
        if previous is None or not previous.is_published:
            raise FieldError("previous_scenario_id", "Choose a published scenario.")
        if not band:
            raise FieldError(
                "max_decrease",
                "Say how far a neighbourhood's amount may fall or rise from the previous "
                "scenario, or choose no previous scenario.",
            )
    if settings.max_decrease is not None and not 0 <= settings.max_decrease <= 1:
        raise FieldError("max_decrease", "Enter a percentage from 0 to 100.")
    if settings.max_increase is not None and not 0 <= settings.max_increase <= 10:
        raise FieldError("max_increase", "Enter a percentage from 0 to 1,000.")


def _apply_settings(scenario: Scenario, settings: ScenarioSettings) -> None:
    scenario.name = settings.name.strip()
    scenario.description = settings.description.strip()
    scenario.budget = settings.budget
    scenario.indicators = [
        {"indicator": c.indicator, "year": c.year, "weight": _text(c.weight)}
        for c in settings.indicators
        if c.weight > 0
    ]
    scenario.parameters = {name: _text(getattr(settings, name)) for name in PARAMETERS}
    scenario.previous_scenario_id = settings.previous_scenario_id


def settings_of(scenario: Scenario) -> ScenarioSettings:
    """The settings a scenario was saved with."""
    return ScenarioSettings(
        name=scenario.name,
        description=scenario.description,
        budget=scenario.budget,
        indicators=[
            IndicatorChoice(c["indicator"], c["year"], Decimal(c["weight"]))
            for c in scenario.indicators
        ],
        previous_scenario_id=scenario.previous_scenario_id,
        **{name: _decimal(scenario.parameters.get(name)) for name in PARAMETERS},
    )


def _scenario_record(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "budget": scenario.budget,
        "indicators": scenario.indicators,
        "parameters": scenario.parameters,
        "previous_scenario_id": scenario.previous_scenario_id,
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
        raise FieldError("name", "This scenario is published, so it can no longer change.")
    if settings.previous_scenario_id == scenario.id:
        raise FieldError("previous_scenario_id", "A scenario cannot follow itself.")
    check_settings(settings)
    before = _scenario_record(scenario)
    _apply_settings(scenario, settings)
    after = _scenario_record(scenario)
    audit.record_changes(actor, "scenario.update", "scenario", scenario.id, before, after)


# --------------------------------------------------------------------------- computing


class ScenarioProblem(Exception):
    """A scenario that cannot be computed from today's data, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def combined_need(
    indicators: list[dict[str, Any]], population: dict[str, float]
) -> dict[str, float]:
    """Each neighbourhood's need: the weighted average of its indicators, each divided by the
    city's population-weighted average of that indicator.

    ``indicators`` is the document's list of ``{"indicator", "year", "weight", "values":
    {code: value}}``. A neighbourhood with twice the city's average on every indicator has need
    2. Raises ``ScenarioProblem`` for a negative figure or an indicator averaging 0.
    """
    total_population = math.fsum(population.values())
    weights = {i: float(Decimal(c["weight"])) for i, c in enumerate(indicators)}
    weight_sum = math.fsum(weights.values())
    need = dict.fromkeys(population, 0.0)
    parts: dict[str, list[float]] = {code: [] for code in population}
    for i, choice in enumerate(indicators):
        values = choice["values"]
        name = f"{indicator_label(choice['indicator'])} {choice['year']}"
        if any(values[code] < 0 for code in population):
            raise ScenarioProblem(
                f"{name} has negative figures, so it cannot measure need on its own scale. "
                "Choose a score that is 0 or more everywhere (such as the IMD score)."
            )
        mean = math.fsum(population[c] * values[c] for c in population) / total_population
        if mean <= 0:
            raise ScenarioProblem(f"{name} is 0 everywhere, so it says nothing about need.")
        for code in population:
            parts[code].append(weights[i] * values[code] / mean)
    for code in population:
        need[code] = math.fsum(parts[code]) / weight_sum
    return need


def build_document(settings: ScenarioSettings) -> dict[str, Any]:
    """The inputs of a scenario from today's stored data (JSON-ready, names under ``about``).

    Raises ``ScenarioProblem`` when a neighbourhood lacks a chosen indicator or a population.
    """
    areas = db.session.scalars(
        select(Neighbourhood)
        .options(selectinload(Neighbourhood.indicators))
        .order_by(Neighbourhood.code)
    ).all()
    if not areas:
        raise ScenarioProblem("There are no neighbourhoods yet.")
    chosen = [c for c in settings.indicators if c.weight > 0]
    indicators = []
    for choice in chosen:
        values = {}
        for area in areas:
            figure = area.indicator(choice.indicator, choice.year)
            if figure is None:
                raise ScenarioProblem(
                    f"{area.name} has no figure for {indicator_label(choice.indicator)} "
                    f"{choice.year}. Import it on the need data page, or choose another "
                    "indicator."
                )
            values[area.code] = figure.value
        indicators.append(
            {
                "indicator": choice.indicator,
                "year": choice.year,
                "weight": _text(choice.weight),
                "values": values,
            }
        )
    empty = [a.name for a in areas if a.population <= 0]
    if empty:
        raise ScenarioProblem(
            f"{empty[0]} has no residents recorded, so it cannot have a per-head amount."
        )
    previous_amounts: dict[str, int] = {}
    previous = None
    if settings.previous_scenario_id is not None:
        previous = db.session.get(Scenario, settings.previous_scenario_id)
        if previous is not None and previous.lines:
            previous_amounts = {line["id"]: line["amount"] for line in previous.lines}
    return {
        "budget": settings.budget,
        "rules": {name: _text(getattr(settings, name)) for name in PARAMETERS},
        "indicators": indicators,
        "neighbourhoods": [
            {
                "id": a.code,
                "population": a.population,
                "previous_amount": previous_amounts.get(a.code),
            }
            for a in areas
        ],
        "about": {
            "name": settings.name,
            "previous_scenario": previous.id if previous is not None else None,
            "previous_scenario_name": previous.name if previous is not None else None,
            "neighbourhoods": {a.code: {"name": a.name, "area_group": a.area_group} for a in areas},
            "need": "weighted average of each indicator divided by its population-weighted "
            "city average",
        },
    }


def fingerprint_of(document: dict[str, Any]) -> str:
    """SHA-256 of the document in canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compute_document(document: dict[str, Any]) -> SharesResult:
    """Run the formula on a stored or freshly built document.

    Raises ``ScenarioProblem`` (a negative indicator) or ``NeedDataError`` (bad parameters).
    """
    population = {n["id"]: float(n["population"]) for n in document["neighbourhoods"]}
    need = combined_need(document["indicators"], population)
    rules = document["rules"]
    return needs_weighted_shares(
        [
            NeedArea(n["id"], n["population"], need[n["id"]], n["previous_amount"])
            for n in document["neighbourhoods"]
        ],
        document["budget"],
        universal=_number(rules["universal"]) or 0.0,
        alpha=_number(rules["alpha"]) if rules["alpha"] is not None else 1.0,
        floor=_number(rules["floor"]),
        ceiling=_number(rules["ceiling"]),
        max_decrease=_number(rules["max_decrease"]),
        max_increase=_number(rules["max_increase"]),
    )


@dataclass(frozen=True)
class Row:
    """A neighbourhood's line of a scenario, for pages and downloads."""

    code: str
    name: str
    population: int
    need: float
    need_rank: int  # 1 = the greatest need
    amount: int
    per_capita: float  # the per-head split's amount
    formula: float
    basis: str
    previous: int | None
    explanation: str
    indicator_values: dict[str, float] = field(default_factory=dict)

    @property
    def per_head(self) -> float:
        return self.amount / self.population if self.population else 0.0

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.amount - self.previous


@dataclass
class Computation:
    """A scenario's document, fingerprint and rows; ``problem`` says why it has none."""

    document: dict[str, Any]
    fingerprint: str
    rows: list[Row] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None
    pace_met: bool | None = None
    bounds_method: str = "formula"

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.rows)


def rows_from(document: dict[str, Any], lines: list[dict[str, Any]]) -> list[Row]:
    """Rows ranked by need (greatest first, then by name) from a document and result lines."""
    about = document["about"]["neighbourhoods"]
    ranked = sorted(lines, key=lambda line: (-line["need"], about[line["id"]]["name"]))
    rows = []
    for rank, line in enumerate(ranked, start=1):
        rows.append(
            Row(
                code=line["id"],
                name=about[line["id"]]["name"],
                population=int(line["population"]),
                need=line["need"],
                need_rank=rank,
                amount=line["amount"],
                per_capita=line["per_capita"],
                formula=line["formula"],
                basis=line["basis"],
                previous=line.get("previous_amount"),
                explanation=line["explanation"],
                indicator_values={
                    f"{c['indicator']}:{c['year']}": c["values"][line["id"]]
                    for c in document["indicators"]
                },
            )
        )
    return rows


def compute(settings: ScenarioSettings) -> Computation:
    """Compute a scenario from settings and today's stored data, saving nothing.

    Never raises for a scenario that cannot be computed: ``problem`` says why.
    """
    try:
        document = build_document(settings)
    except ScenarioProblem as problem:
        return Computation(document={}, fingerprint="", problem=problem.message)
    computation = Computation(document=document, fingerprint=fingerprint_of(document))
    try:
        result = compute_document(document)
    except ScenarioProblem as problem:
        computation.problem = problem.message
        return computation
    except NeedDataError as error:
        computation.problem = f"The formula cannot be applied: {error.reason}."
        return computation
    data = result.to_dict()
    computation.lines = data["lines"]
    computation.rows = rows_from(document, data["lines"])
    computation.pace_met = result.pace_met
    computation.bounds_method = result.bounds_method
    return computation


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
        raise FieldError("publish", "This scenario is already published.")
    computation = compute(settings_of(scenario))
    if computation.problem is not None:
        raise FieldError("publish", f"The scenario cannot be published. {computation.problem}")
    if computation.total != scenario.budget:  # the library promises this; never publish less
        raise FieldError("publish", "The amounts do not add up to the budget; nothing changed.")
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
        raise FieldError("publish", "This scenario was published by someone else a moment ago.")
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
