"""Demo funding: four contributions to the pooled budget with their restrictions, and one
published needs-weighted scenario built on the wards' income-deprived people (IoD2025), with
residents counted by the Census 2021.

The contributions are invented for the demo (realistic funders, made-up amounts); the wards and
their need figures are the real ones loaded by ``load_demo``. Loading is idempotent: a second
call finds everything in place and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Neighbourhood, User
from pbapp.models.funding import Contribution, Scenario
from pbapp.services.funding import scenarios as funding

DEMO_FUNDER = "funder@demo.test"
PERIOD = (date(2026, 4, 1), date(2027, 3, 31))


@dataclass(frozen=True)
class DemoContribution:
    funder_name: str
    amount: int
    themes: tuple[str, ...] | None  # None: any theme
    wards: tuple[str, ...] | None  # None: any ward
    note: str


DEMO_CONTRIBUTIONS = (
    DemoContribution(
        "NHS South Yorkshire ICB",
        450_000,
        ("early-help", "community-connections"),
        None,
        "Prevention: health checks, early help and social prescribing. Quarterly report to the "
        "ICB's Sheffield place committee.",
    ),
    DemoContribution(
        "Sheffield City Council public health",
        600_000,
        None,
        None,
        "Public health grant, any prevention theme in any ward.",
    ),
    DemoContribution(
        "South Yorkshire Community Foundation",
        75_000,
        ("money-work",),
        None,
        "Money advice and routes into work.",
    ),
    DemoContribution(
        "Don Valley Builders' Merchants (local business)",
        25_000,
        ("air-green-space", "homes-neighbourhoods"),
        ("Darnall", "Manor Castle", "Shiregreen and Brightside"),
        "Greening and home repairs near the company's sites in the Lower Don Valley.",
    ),
)

DEMO_SCENARIO = (
    "2026/27 neighbourhood prevention budgets (income-deprived people 2025, half by need)"
)


@dataclass
class FundingDemoReport:
    contributions_added: int = 0
    scenario_published: bool = False
    skipped: list[str] = field(default_factory=list)


def load_funding_demo() -> FundingDemoReport:
    """Add whatever of the funding demo is missing. Call after ``load_demo``; no commit.

    Needs the demo funder account (``funder@demo.test``) and the wards' income-deprived people
    2025 and Census 2021 population; says
    in ``skipped`` what it could not add without them.
    """
    report = FundingDemoReport()
    funder = db.session.scalar(select(User).where(User.email == DEMO_FUNDER))
    if funder is None:
        report.skipped.append(f"no {DEMO_FUNDER} account")
        return report
    if funder.funding_organisation is None:  # the demo funder acts for the NHS
        funder.funding_organisation = DEMO_CONTRIBUTIONS[0].funder_name
    wards = {n.name: n.id for n in db.session.scalars(select(Neighbourhood))}
    have = {(c.funder_name, c.period_start) for c in db.session.scalars(select(Contribution))}
    for demo in DEMO_CONTRIBUTIONS:
        if (demo.funder_name, PERIOD[0]) in have:
            continue
        ids = None
        if demo.wards is not None:
            ids = [wards[w] for w in demo.wards if w in wards]
            if not ids:
                report.skipped.append(f"{demo.funder_name}: none of its wards exist")
                continue
        funding.create_contribution(
            funder,
            funding.ContributionDetails(
                funder_name=demo.funder_name,
                amount=demo.amount,
                period_start=PERIOD[0],
                period_end=PERIOD[1],
                neighbourhood_ids=ids,
                themes=list(demo.themes) if demo.themes is not None else None,
                note=demo.note,
            ),
        )
        report.contributions_added += 1
    if db.session.scalar(select(Scenario).where(Scenario.name == DEMO_SCENARIO)) is None:
        settings = funding.ScenarioSettings(
            name=DEMO_SCENARIO,
            description="Half of the money is shared per resident (Census 2021), half in "
            "proportion to the ward's income-deprived people (IoD2025): a count of people in "
            "need, not a score. No ward gets less than 80% or more than 150% of its "
            "per-resident amount.",
            budget=sum(d.amount for d in DEMO_CONTRIBUTIONS),
            indicators=[funding.IndicatorChoice("income_deprived_people", 2025, Decimal(1))],
            population_source="population:2021",
            universal=Decimal("0.5"),
            alpha=Decimal(1),
            floor=Decimal("0.8"),
            ceiling=Decimal("1.5"),
        )
        computation = funding.compute(settings)
        if computation.problem:
            report.skipped.append(f"scenario: {computation.problem}")
            return report
        scenario = funding.create_scenario(funder, settings)
        funding.publish_scenario(funder, scenario, None, PERIOD[0])
        report.scenario_published = True
    return report
