"""Building core-funding data for the tests (no tests here: helpers shared by test_vcs_*)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pbapp.extensions import db
from pbapp.models import NeedIndicator
from pbapp.models.core_funding import Organisation, OrganisationKeeper, OrganisationReach
from pbapp.services import core_funding as cf
from pbapp.services.core_funding.settings import FIRST_FORMULA

NEED = (30.0, 10.0, 20.0)  # Hillside, Riverside, Parkwood: mean 20


def add_need(neighbourhoods, scores=NEED) -> None:
    """Give the fixture's neighbourhoods deprivation scores (the need N_n of the formula)."""
    for area, score in zip(neighbourhoods, scores, strict=True):
        area.indicators.append(
            NeedIndicator(indicator="imd_score", year=2025, value=score, source="test")
        )
    db.session.commit()


def make_group(
    name: str,
    incomes: list[int],
    reach: dict,
    *,
    keeper=None,
    eligible: bool = True,
) -> Organisation:
    """A group with incomes latest first and reach {neighbourhood: people}."""
    org = Organisation(
        name=name,
        registration_number="",
        income_year=2025,
        income_latest=incomes[0],
        income_previous=incomes[1] if len(incomes) > 1 else None,
        income_earlier=incomes[2] if len(incomes) > 2 else None,
        constituted=eligible,
        serves_city=eligible,
        safeguarding=eligible,
        accounts=eligible,
        eligibility_checked_at=datetime(2026, 1, 1) if eligible else None,
        reach_period="April 2025 to March 2026",
        reach_method="Names on our register, each counted once",
    )
    org.reach = [
        OrganisationReach(neighbourhood_id=area.id, people=people) for area, people in reach.items()
    ]
    if keeper is not None:
        org.keepers = [OrganisationKeeper(user_id=keeper.id)]
    db.session.add(org)
    db.session.commit()
    return org


def worked_example(neighbourhoods, keeper=None) -> list[Organisation]:
    """docs/core-funding.md's worked example: need A=30 (Hillside), B=10 (Riverside).

    g1 £4,000 (income cap), g2 £8,556, g3 £9,444 on a pot of £22,000 for 3 years.
    """
    hill, river, _ = neighbourhoods
    return [
        make_group("Group One", [9_000, 8_000, 7_000], {hill: 100}, keeper=keeper),
        make_group("Group Two", [50_000], {hill: 100, river: 200}),
        make_group("Group Three", [200_000], {river: 400}),
    ]


EXAMPLE_SETTINGS = dict(
    title="Core funding 2027 to 2030",
    pot=22_000,
    years=3,
    first_year=2027,
    bands=[(10_000, 1_000), (100_000, 3_000), (None, None), (None, 5_000)],
    alpha=Decimal(1),
    cap=20_000,
    cap_income_percent=Decimal(50),
    delta_percent=Decimal(10),
    # The worked example is the first formula's; the fair formula has its own tests.
    **FIRST_FORMULA,
)


def example_round(actor, **overrides):
    settings = cf.RoundSettings(**(EXAMPLE_SETTINGS | overrides))
    item = cf.create_round(actor, settings)
    db.session.commit()
    return item


def round_query(**overrides) -> dict:
    """The preview/save form's fields for the worked example's settings."""
    data = {
        "title": "Core funding 2027 to 2030",
        "pot": "22,000",
        "years": "3",
        "first_year": "2027",
        "band1_max": "10000",
        "band1_base": "1000",
        "band2_max": "100000",
        "band2_base": "3000",
        "band3_max": "",
        "band3_base": "",
        "band4_base": "5000",
        "alpha": "1",
        "cap": "20000",
        "cap_income_percent": "50",
        "delta_percent": "10",
        # The first formula: no taper (the box unticked), every person counted the same.
        "reach_exponent": "1",
        "intensive_weight": "1",
        "unchecked_reach_cap": "",
        "equality_percent": "0",
        "cap_income_allowance": "0",
        "mfa_threshold": "315000",
        "intensive_definition": "",
    }
    data.update(overrides)
    return data
