"""A scenario's inputs as a document, and its amounts computed from it.

A scenario's amounts are computed by ``allocation.needs.needs_weighted_shares`` from a
*document*: the budget, the formula's parameters, the population it counts residents by (one
named source), and the figures of the chosen indicators with their weights, directions and
kinds. Publishing stores the document, its SHA-256 fingerprint and the result lines, so anyone
can recompute every published pound.

Documents carry ``schema_version``. Version 1 (published before issue 23) has no population
source, direction or kind, and its pace of change is the band; it is still computed as it was.
Version 2: need is measured as each indicator turned into need (a "lower is more need"
indicator becomes how far below the best neighbourhood it is; a count of people becomes people
per resident of the scenario's population), and pace of change is NHS-style.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from allocation.needs import (
    NHS_PRACTICE_SPREAD,
    NHS_PRACTICE_SPREAD_SOURCE,
    NeedDataError,
    SharesResult,
    Spread,
    need_from,
    needs_weighted_shares,
    per_head_spread,
)
from allocation.needs import Neighbourhood as NeedArea
from pbapp.extensions import db
from pbapp.models import Neighbourhood
from pbapp.models.funding import Scenario
from pbapp.services import published
from pbapp.services.funding.need import (
    EDITIONS,
    EDITIONS_DIFFER,
    IOD_KINDS,
    POPULATION,
    definition,
    indicator_name,
    population_label,
)

SCHEMA_VERSION = 2

# Stored as decimal strings (or null), so they mean exactly what was typed.
PARAMETERS = (
    "universal",
    "alpha",
    "floor",
    "ceiling",
    "max_decrease",
    "max_increase",
    "minimum_growth",
    "max_below_target",
)


@dataclass(frozen=True)
class IndicatorChoice:
    indicator: str
    year: int
    weight: Decimal


@dataclass
class ScenarioSettings:
    """A scenario as typed, with fractions (not percentages): ``universal`` 0.5 = 50%.

    ``population_source`` is "population:<year>" or "" / None (the population recorded with
    each neighbourhood). ``pace`` is "nhs" for every scenario made now; ``None`` only for
    scenarios saved before it existed (the band).
    """

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
    minimum_growth: Decimal | None = None
    max_below_target: Decimal | None = None
    convergence: str = "furthest"
    pace: str | None = "nhs"
    population_source: str | None = None


def as_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def as_decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _number(text: str | None) -> float | None:
    return None if text is None else float(Decimal(text))


class ScenarioProblem(Exception):
    """A scenario that cannot be computed from today's data, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def combined_need(
    indicators: list[dict[str, Any]], population: dict[str, float]
) -> dict[str, float]:
    """Each neighbourhood's need: the weighted average of its indicators, each turned into need
    and divided by the city's population-weighted average of that need.

    ``indicators`` is the document's list of ``{"indicator", "year", "weight", "values":
    {code: value}}``, with ``direction`` and ``kind`` in version 2 documents: a "lower"
    indicator counts how far below the best neighbourhood it is; a "people" indicator counts
    people in need per resident of ``population``. A neighbourhood with twice the city's
    average on every indicator has need 2. Raises ``ScenarioProblem`` for a negative figure or
    an indicator averaging 0.
    """
    total_population = math.fsum(population.values())
    weights = {i: float(Decimal(c["weight"])) for i, c in enumerate(indicators)}
    weight_sum = math.fsum(weights.values())
    parts: dict[str, list[float]] = {code: [] for code in population}
    for i, choice in enumerate(indicators):
        values = {code: choice["values"][code] for code in population}
        name = f"{indicator_name(choice['indicator'])} {choice['year']}"
        if choice.get("direction") == "lower":
            values = need_from(values, "lower")
        if choice.get("kind") == "people":
            values = {code: values[code] / population[code] for code in population}
        if any(values[code] < 0 for code in population):
            raise ScenarioProblem(
                _(
                    "%(indicator)s has negative figures, so it cannot measure need on its own "
                    "scale. Choose a figure that is 0 or more everywhere (such as a count of "
                    "people in need).",
                    indicator=name,
                )
            )
        mean = math.fsum(population[c] * values[c] for c in population) / total_population
        if mean <= 0:
            raise ScenarioProblem(
                _("%(indicator)s is 0 everywhere, so it says nothing about need.", indicator=name)
            )
        for code in population:
            parts[code].append(weights[i] * values[code] / mean)
    return {code: math.fsum(parts[code]) / weight_sum for code in population}


def _population(source: str | None, areas: list[Neighbourhood]) -> tuple[dict[str, float], str]:
    """Each neighbourhood's residents by ``source``, and the source's name."""
    if not source:
        return (
            {a.code: float(a.population) for a in areas},
            "the population recorded with each neighbourhood",
        )
    year = int(source.split(":", 1)[1])
    figures: dict[str, float] = {}
    label = ""
    for area in areas:
        figure = area.indicator(POPULATION, year)
        if figure is None:
            raise ScenarioProblem(
                _(
                    "%(neighbourhood)s has no population figure for %(year)s. Import it on the "
                    "need data page, or choose another population.",
                    neighbourhood=area.name,
                    year=year,
                )
            )
        figures[area.code] = float(figure.value)
        label = label or figure.source
    return figures, population_label(label, year)


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
        raise ScenarioProblem(_("There are no neighbourhoods yet."))
    population, population_name = _population(settings.population_source, list(areas))
    empty = [a.name for a in areas if population[a.code] <= 0]
    if empty:
        raise ScenarioProblem(
            _(
                "%(neighbourhood)s has no residents recorded, so it cannot have a per-head amount.",
                neighbourhood=empty[0],
            )
        )
    indicators = []
    for choice in (c for c in settings.indicators if c.weight > 0):
        values = {}
        for area in areas:
            figure = area.indicator(choice.indicator, choice.year)
            if figure is None:
                raise ScenarioProblem(
                    _(
                        "%(neighbourhood)s has no figure for %(indicator)s %(year)s. Import it on "
                        "the need data page, or choose another indicator.",
                        neighbourhood=area.name,
                        indicator=indicator_name(choice.indicator),
                        year=choice.year,
                    )
                )
            values[area.code] = figure.value
        direction, kind = definition(choice.indicator)
        indicators.append(
            {
                "indicator": choice.indicator,
                "year": choice.year,
                "weight": as_text(choice.weight),
                "direction": direction,
                "kind": kind,
                "values": values,
            }
        )
    previous_amounts: dict[str, int] = {}
    previous = None
    if settings.previous_scenario_id is not None:
        previous = db.session.get(Scenario, settings.previous_scenario_id)
        if previous is not None and previous.lines:
            previous_amounts = {line["id"]: line["amount"] for line in previous.lines}
    rules: dict[str, Any] = {name: as_text(getattr(settings, name)) for name in PARAMETERS}
    rules["pace"] = settings.pace if previous is not None else None
    rules["convergence"] = settings.convergence
    return {
        "schema_version": SCHEMA_VERSION,
        "budget": settings.budget,
        "rules": rules,
        "population": {"source": settings.population_source or "", "label": population_name},
        "indicators": indicators,
        "neighbourhoods": [
            {
                "id": a.code,
                "population": population[a.code],
                "previous_amount": previous_amounts.get(a.code),
            }
            for a in areas
        ],
        "about": {
            "name": settings.name,
            "previous_scenario": previous.id if previous is not None else None,
            "previous_scenario_name": previous.name if previous is not None else None,
            "neighbourhoods": {a.code: {"name": a.name, "area_group": a.area_group} for a in areas},
            "need": "weighted average of each indicator turned into need (a count of people per "
            "resident; a 'lower is more need' figure as the distance below the best "
            "neighbourhood) divided by its population-weighted city average",
        },
    }


def fingerprint_of(document: dict[str, Any]) -> str:
    """SHA-256 of the document in canonical JSON (``services/published``: one encoding)."""
    return published.fingerprint(document)


def compute_document(document: dict[str, Any]) -> SharesResult:
    """Run the formula on a stored or freshly built document (version 1 or 2).

    Raises ``ScenarioProblem`` (a negative indicator) or ``NeedDataError`` (bad parameters, a
    minimum growth above the budget's growth).
    """
    population = {n["id"]: float(n["population"]) for n in document["neighbourhoods"]}
    need = combined_need(document["indicators"], population)
    rules = document["rules"]
    nhs = {}
    if rules.get("pace") == "nhs":
        nhs = {
            "pace": "nhs",
            "minimum_growth": _number(rules.get("minimum_growth")),
            "max_below_target": _number(rules.get("max_below_target")),
            "convergence": rules.get("convergence") or "furthest",
        }
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
        **nhs,
    )


@dataclass(frozen=True)
class Row:
    """A neighbourhood's line of a scenario, for pages and downloads.

    ``multiplier`` is the need multiplier of the formula, ``(need ÷ city average)^α``.
    ``target``, ``distance``, ``move`` and ``years_to_target`` are set with pace of change.
    """

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
    multiplier: float = 1.0
    target: float | None = None
    years_to_target: int | None = None

    @property
    def per_head(self) -> float:
        return self.amount / self.population if self.population else 0.0

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.amount - self.previous

    @property
    def distance(self) -> float | None:
        return None if self.target is None else self.amount - self.target

    @property
    def distance_share(self) -> float | None:
        return None if not self.target else (self.amount - self.target) / self.target


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
    growth: float | None = None
    minimum_growth: float | None = None

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.rows)

    @property
    def population_label(self) -> str:
        """The named population every per-head figure is counted over."""
        return self.document.get("population", {}).get(
            "label", "the population recorded with each neighbourhood"
        )

    @property
    def spread(self) -> Spread | None:
        """Amount per head, highest to lowest: the gradient in one number."""
        if not self.rows:
            return None
        return per_head_spread([r.amount for r in self.rows], [r.population for r in self.rows])

    @property
    def paced(self) -> bool:
        return any(r.target is not None for r in self.rows)

    nhs_spread = NHS_PRACTICE_SPREAD
    nhs_spread_source = NHS_PRACTICE_SPREAD_SOURCE


def rows_from(document: dict[str, Any], lines: list[dict[str, Any]]) -> list[Row]:
    """Rows ranked by need (greatest first, then by name) from a document and result lines."""
    about = document["about"]["neighbourhoods"]
    alpha = _number(document["rules"].get("alpha"))
    alpha = 1.0 if alpha is None else alpha
    paced = any(line.get("previous_amount") is not None for line in lines) and bool(
        document["rules"].get("pace")
    )
    ranked = sorted(lines, key=lambda line: (-line["need"], about[line["id"]]["name"]))
    rows = []
    for rank, line in enumerate(ranked, start=1):
        rows.append(
            Row(
                code=line["id"],
                name=about[line["id"]]["name"],
                population=round(line["population"]),
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
                multiplier=line["need_ratio"] ** alpha,
                target=line["bounded"] if paced else None,
                years_to_target=line.get("years_to_target"),
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
        # Translators: %(reason)s is in English, from the allocation library.
        computation.problem = _(
            "The formula cannot be applied: %(reason)s.",
            reason=error.reason,
        )
        return computation
    data = result.to_dict()
    computation.lines = data["lines"]
    computation.rows = rows_from(document, data["lines"])
    computation.pace_met = result.pace_met
    computation.bounds_method = result.bounds_method
    computation.growth = result.growth
    computation.minimum_growth = result.minimum_growth
    return computation


def iod_editions(document: dict[str, Any]) -> set[int]:
    """The Indices of Deprivation editions a document's indicators come from."""
    return {
        c["year"]
        for c in document.get("indicators", [])
        if c["indicator"] in IOD_KINDS and c["year"] in EDITIONS
    }


def editions_warning(document: dict[str, Any], other: dict[str, Any]) -> str | None:
    """Why two scenarios' amounts are not like for like, when they use different IoD editions."""
    mine, theirs = iod_editions(document), iod_editions(other)
    if mine and theirs and mine != theirs:
        first, last = sorted(mine | theirs)[0], sorted(mine | theirs)[-1]
        return _(
            "These scenarios measure need by different editions (%(first)s and %(last)s). "
            "%(editions)s.",
            first=first,
            last=last,
            editions=EDITIONS_DIFFER,
        )
    return None
