"""Demo core funding: eight Sheffield community groups across the wards, one published round
and one draft round, and a correction request waiting for an officer.

Both rounds use the fair formula's recommended settings (tapered base, square-root reach term,
intensive support counted 4 times, a 10% equality share claimed by two groups, unchecked reach
counted up to 500 people: one group's figures are not checked yet; one group trades).

The groups and their figures are invented for the demo (any likeness to a real group's name is
a coincidence); the wards and their need figures are the real ones loaded by ``load_demo``.
Loading is idempotent: a second call finds everything in place and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Neighbourhood, User
from pbapp.models.core_funding import (
    CoreFundingRound,
    CorrectionRequest,
    Organisation,
    OrganisationKeeper,
    OrganisationReach,
)
from pbapp.services import core_funding as cf

DEMO_KEEPER = "vcs@demo.test"
DEMO_OFFICER = "officer@demo.test"


@dataclass(frozen=True)
class DemoGroup:
    name: str
    number: str
    incomes: tuple[int, ...]  # latest first, years ending 2025, 2024, 2023
    reach: dict[str, int]  # ward name -> unique people
    eligible: bool = True
    kept_by_demo_account: bool = False
    intensive: dict[str, int] | None = None  # ward name -> of them, intensive support
    equality: tuple[int, int, str] | None = None  # city-wide people, intensive, who
    reach_checked: bool = True  # an officer's sample check confirmed the figures
    trades: bool = False
    mfa_declared: int = 0


DEMO_GROUPS = (
    DemoGroup(
        "Burngreave Community Kitchen",
        "1187654",
        (42_000, 38_000, 35_000),
        {"Burngreave": 320, "Firth Park": 40, "Shiregreen and Brightside": 25},
        kept_by_demo_account=True,
        intensive={"Burngreave": 35},
        equality=(45, 30, "People with no fixed address who come to our daily meal"),
    ),
    DemoGroup(
        "Darnall Wellbeing Walkers",
        "",
        (8_500, 7_200),
        {"Darnall": 110, "Manor Castle": 30},
        intensive={"Darnall": 12},
    ),
    DemoGroup(
        "Gleadless Valley Youth Project",
        "1098123",
        (128_000, 119_000, 112_000),
        {"Gleadless Valley": 260, "Richmond": 60, "Park and Arbourthorne": 45},
        intensive={"Gleadless Valley": 70, "Richmond": 10},
    ),
    DemoGroup(
        "Firth Park Family Hub",
        "09876543",
        (66_000, 61_000, 64_000),
        {"Firth Park": 210, "Southey": 70, "Shiregreen and Brightside": 90},
        intensive={"Firth Park": 40, "Southey": 8, "Shiregreen and Brightside": 15},
        trades=True,  # runs a café: its award is a subsidy
        mfa_declared=12_000,
    ),
    DemoGroup(
        "Manor Castle Men's Shed",
        "1176540",
        (12_400, 11_000, 9_800),
        {"Manor Castle": 55, "Park and Arbourthorne": 20},
        intensive={"Manor Castle": 30, "Park and Arbourthorne": 5},
    ),
    DemoGroup(
        "Sharrow Refugee Welcome",
        "1154321",
        (212_000, 198_000, 176_000),
        {"Nether Edge and Sharrow": 380, "Broomhill and Sharrow Vale": 150, "City": 120},
        intensive={"Nether Edge and Sharrow": 90, "City": 40},
        equality=(310, 120, "Refugees and people seeking asylum, across the city"),
        reach_checked=False,  # figures not checked yet: the round counts at most 500 people
    ),
    DemoGroup(
        "Stocksbridge Carers' Circle",
        "1123987",
        (18_300, 17_900, 16_100),
        {"Stocksbridge and Upper Don": 95, "West Ecclesfield": 15},
        intensive={"Stocksbridge and Upper Don": 60, "West Ecclesfield": 10},
    ),
    DemoGroup(
        "Southey Green Gardeners",
        "",
        (4_200,),
        {"Southey": 60, "Hillsborough": 10},
        eligible=False,  # waiting for an officer's check
    ),
)

PUBLISHED = cf.RoundSettings(
    title="Core funding 2026 to 2029",
    pot=90_000,
    years=3,
    first_year=2026,
    bands=[(10_000, 1_000), (100_000, 3_000), (1_000_000, 5_000), (None, 8_000)],
    alpha=Decimal(1),
    cap=25_000,
    cap_income_percent=Decimal(50),
    delta_percent=Decimal(10),
)

DRAFT = cf.RoundSettings(
    title="Core funding 2027 to 2030",
    pot=95_000,
    years=3,
    first_year=2027,
    bands=[(10_000, 1_000), (100_000, 3_000), (1_000_000, 5_000), (None, 8_000)],
    alpha=Decimal("0.5"),
    cap=25_000,
    cap_income_percent=Decimal(50),
    delta_percent=Decimal(10),
)


@dataclass
class CoreFundingDemoReport:
    groups_added: int = 0
    rounds_added: int = 0
    corrections_added: int = 0


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def load_core_funding_demo() -> CoreFundingDemoReport:
    """Add whatever of the core-funding demo is missing. Call after ``load_demo``; no commit.

    Wards missing from the database are skipped in a group's reach; the demo vcs account keeps
    the first group when it exists.
    """
    report = CoreFundingDemoReport()
    wards = {n.name: n for n in db.session.scalars(select(Neighbourhood))}
    officer = _user(DEMO_OFFICER)
    keeper = _user(DEMO_KEEPER)
    existing = {o.name: o for o in db.session.scalars(select(Organisation))}
    for group in DEMO_GROUPS:
        if group.name in existing:
            continue
        incomes = list(group.incomes) + [None] * (3 - len(group.incomes))
        org = Organisation(
            name=group.name,
            registration_number=group.number,
            income_year=2025,
            income_latest=incomes[0],
            income_previous=incomes[1],
            income_earlier=incomes[2],
            constituted=group.eligible,
            serves_city=group.eligible,
            safeguarding=group.eligible,
            accounts=group.eligible,
            eligibility_checked_at=datetime(2026, 2, 2, 10, 0) if group.eligible else None,
            eligibility_checked_by_id=officer.id if officer and group.eligible else None,
            reach_period="April 2024 to March 2025",
            reach_method="Names on our register or sign-in sheets, each person counted once; "
            "intensive support is ten hours of contact or more in the year.",
            equality_people=group.equality[0] if group.equality else None,
            equality_intensive=group.equality[1] if group.equality else None,
            equality_description=group.equality[2] if group.equality else "",
            trades=group.trades,
            mfa_declared=group.mfa_declared,
        )
        if group.eligible and group.reach_checked:
            org.reach_check_result = "confirmed"
            org.reach_check_method = (
                "20 people picked at random from the register, each found on a sign-in sheet "
                "in the period."
            )
            org.reach_checked_at = datetime(2026, 2, 2, 11, 0)
            org.reach_checked_by_id = officer.id if officer else None
        org.reach = [
            OrganisationReach(
                neighbourhood_id=wards[ward].id,
                people=people,
                intensive=(group.intensive or {}).get(ward, 0),
            )
            for ward, people in group.reach.items()
            if ward in wards
        ]
        if group.kept_by_demo_account and keeper is not None and cf.organisation_of(keeper) is None:
            org.keepers = [OrganisationKeeper(user_id=keeper.id)]
        db.session.add(org)
        existing[org.name] = org
        report.groups_added += 1
    db.session.flush()

    titles = set(db.session.scalars(select(CoreFundingRound.title)))
    if PUBLISHED.title not in titles:
        published = _new_round(officer, PUBLISHED)
        cf.publish_round(officer, published)
        report.rounds_added += 1
    if DRAFT.title not in titles:
        _new_round(officer, DRAFT)
        report.rounds_added += 1

    kitchen = existing.get(DEMO_GROUPS[0].name)
    if kitchen is not None and not db.session.scalar(
        select(CorrectionRequest.id).where(CorrectionRequest.organisation_id == kitchen.id)
    ):
        round_ = db.session.scalar(
            select(CoreFundingRound).where(CoreFundingRound.title == PUBLISHED.title)
        )
        cf.raise_correction(
            keeper or officer,  # type: ignore[arg-type]
            kitchen,
            round_,
            "reach",
            "We reach about 140 people in Firth Park, not 40: our Tuesday lunch club moved to "
            "the Firth Park community centre last spring. Our register shows 143 people.",
        )
        report.corrections_added += 1
    db.session.flush()
    return report


def _new_round(officer: User | None, settings: cf.RoundSettings) -> CoreFundingRound:
    # Copies: the service strips and checks the settings it is given.
    return cf.create_round(officer, cf.RoundSettings(**vars(settings)))  # type: ignore[arg-type]
