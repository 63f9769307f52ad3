"""Demo participatory budgeting: a finished process with a published result, and one open for
voting, so a newcomer sees the whole journey. Deterministic (seeded) and idempotent.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Budget, Neighbourhood, Process, Proposal, User, UserRole
from pbapp.services.participation import ballots
from pbapp.services.participation.results import publish_result

FINISHED = "Healthier Neighbourhoods 2026"
OPEN = "Active Summer 2027"
DEMO_VOTERS = 320

CITYWIDE_PROPOSALS = [
    # title, cost, theme, summary
    (
        "Free swimming for under-16s in the holidays",
        30_000,
        "early-help",
        "Free sessions at four city pools every school holiday.",
    ),
    (
        "Warm spaces winter network",
        25_000,
        "community-connections",
        "Heating, tea and company in 20 libraries and community centres.",
    ),
    (
        "Debt and benefits advice in GP surgeries",
        40_000,
        "money-work",
        "An adviser in ten surgeries, one day a week each.",
    ),
    (
        "Tree planting on main roads",
        35_000,
        "air-green-space",
        "500 street trees on the roads with the worst air.",
    ),
    (
        "Men's sheds",
        15_000,
        "community-connections",
        "Workshops where older men meet, make and mend.",
    ),
    (
        "Health checks at the market",
        20_000,
        "early-help",
        "Blood pressure and diabetes checks on market days.",
    ),
    (
        "Damp and mould repair fund",
        45_000,
        "homes-neighbourhoods",
        "Small grants to fix damp in private rented homes.",
    ),
    (
        "Cycle training for adults",
        12_000,
        "air-green-space",
        "Free lessons and a loan bike for a month.",
    ),
    (
        "Family cooking classes",
        18_000,
        "learning",
        "Cook-and-eat evenings for parents and children.",
    ),
    (
        "Youth mental health drop-ins",
        28_000,
        "early-help",
        "Evening drop-ins run with young people.",
    ),
]

WARD_PROPOSALS = {
    "Burngreave": [
        ("Abbeyfield Park outdoor gym", 9_000, "air-green-space"),
        ("Somali elders' lunch club", 6_000, "community-connections"),
        ("Homework club at the library", 5_000, "learning"),
        ("Women's swimming sessions", 7_000, "early-help"),
        ("Alleyway clean-up and lighting", 8_000, "homes-neighbourhoods"),
    ],
    "Darnall": [
        ("Community garden on Main Road", 8_000, "air-green-space"),
        ("Job club with interview clothes", 6_000, "money-work"),
        ("Walking football", 3_000, "early-help"),
        ("English conversation cafe", 4_000, "learning"),
        ("Play street closures", 5_000, "community-connections"),
    ],
    "Firth Park": [
        ("Firth Park pond restoration", 10_000, "air-green-space"),
        ("Baby and toddler group", 4_000, "community-connections"),
        ("Free school-holiday lunches", 9_000, "money-work"),
        ("Chair exercise for older people", 3_000, "early-help"),
    ],
}

OPEN_PROPOSALS = {
    "Burngreave": [
        ("Summer sports on Ellesmere Green", 6_000, "early-help"),
        ("Holiday activities and food", 9_000, "money-work"),
        ("Community orchard", 4_000, "air-green-space"),
        ("Family bike rides", 3_000, "air-green-space"),
    ],
    None: [
        ("Parkrun for juniors in every park", 20_000, "early-help"),
        ("Outdoor swimming at Millhouses Lido", 35_000, "air-green-space"),
        ("Summer reading challenge", 10_000, "learning"),
    ],
}


def load_pb_demo(officer: User, resident: User, today: date | None = None) -> int:
    """Add the demo processes if they are missing; returns how many processes were added."""
    today = today or date.today()
    added = 0
    areas = {n.name: n for n in db.session.scalars(select(Neighbourhood))}
    if not areas:
        return 0
    if db.session.scalar(select(Process).where(Process.title == FINISHED)) is None:
        _finished_process(officer, areas, today)
        added += 1
    if db.session.scalar(select(Process).where(Process.title == OPEN)) is None:
        _open_process(officer, resident, areas, today)
        added += 1
    return added


def _process(
    title: str, description: str, starts: list[date], rule: str = "mes-add1", **settings
) -> Process:
    process = Process(
        title=title,
        description=description,
        themes=[
            "money-work",
            "homes-neighbourhoods",
            "learning",
            "air-green-space",
            "community-connections",
            "early-help",
        ],
        ballot_type=settings.pop("ballot_type", "approval"),
        rule=rule,
        proposals_start=starts[0],
        review_start=starts[1],
        voting_start=starts[2],
        results_start=starts[3],
        delivery_start=starts[4],
        **settings,
    )
    db.session.add(process)
    return process


def _proposal(
    budget: Budget, title: str, cost: int, theme: str, summary: str | None = None
) -> Proposal:
    proposal = Proposal(
        budget=budget,
        title=title,
        summary=summary or f"{title}, proposed by local residents.",
        description=(summary or title)
        + "\n\nProposed by residents at a community meeting; costed by the council.",
        cost=cost,
        theme=theme,
        location="",
        status="feasible",
    )
    db.session.add(proposal)
    return proposal


def _finished_process(officer: User, areas: dict[str, Neighbourhood], today: date) -> None:
    starts = [today - timedelta(days=d) for d in (160, 120, 90, 60, 30)]
    process = _process(
        FINISHED,
        "Residents proposed and chose projects that help people in Sheffield stay well.\n"
        "A city-wide budget, and budgets for three of the neighbourhoods with the greatest need.",
        starts,
        max_projects=None,
    )
    citywide = Budget(process=process, neighbourhood_id=None, amount=150_000)
    db.session.add(citywide)
    city_props = [_proposal(citywide, t, c, th, s) for t, c, th, s in CITYWIDE_PROPOSALS]
    ward_budgets = {}
    for name, items in WARD_PROPOSALS.items():
        budget = Budget(process=process, neighbourhood_id=areas[name].id, amount=20_000)
        db.session.add(budget)
        ward_budgets[name] = (budget, [_proposal(budget, t, c, th) for t, c, th in items])
    db.session.flush()

    rng = random.Random(2026)
    names = sorted(areas)
    weights = [areas[n].population for n in names]
    # Tastes: most voters lean one of three ways, so a proportional count has groups to serve.
    leanings = [(0.6, (0, 1, 5, 9)), (0.25, (3, 7, 2)), (0.15, (6, 4, 8))]
    for i in range(DEMO_VOTERS):
        home = areas[rng.choices(names, weights)[0]]
        voter = User(
            name=f"Demo voter {i + 1}",
            email=f"voter{i + 1}@demo.invalid",
            password_hash="!",
            neighbourhood_id=home.id,
            is_active_account=False,
            role_rows=[UserRole(role="resident")],
        )
        db.session.add(voter)
        db.session.flush()
        _, favourites = rng.choices(leanings, [w for w, _ in leanings])[0]
        picks = {city_props[j].id for j in favourites if rng.random() < 0.7}
        picks |= {p.id for p in city_props if rng.random() < 0.08}
        if picks:
            ballots.cast_ballot(voter, citywide, dict.fromkeys(picks, 1), today=starts[2])
        if home.name in ward_budgets:
            budget, props = ward_budgets[home.name]
            ward_picks = {
                p.id for k, p in enumerate(props) if rng.random() < (0.75 if k % 2 == 0 else 0.35)
            }
            if ward_picks:
                ballots.cast_ballot(voter, budget, dict.fromkeys(ward_picks, 1), today=starts[2])
    db.session.flush()
    for budget in [citywide] + [b for b, _ in ward_budgets.values()]:
        db.session.expire(budget, ["proposals"])
        publish_result(officer, budget, today)


def _open_process(
    officer: User, resident: User, areas: dict[str, Neighbourhood], today: date
) -> None:
    starts = [today - timedelta(days=d) for d in (40, 20, 3)] + [
        today + timedelta(days=25),
        today + timedelta(days=60),
    ]
    process = _process(
        OPEN,
        "Ideas for getting active this summer. Choose the projects whose costs fit within the budget.\n"
        "Open to verified residents: one person, one vote.",
        starts,
        ballot_type="knapsack",
        eligibility="verified",
    )
    for area_name, items in OPEN_PROPOSALS.items():
        budget = Budget(
            process=process,
            neighbourhood_id=areas[area_name].id if area_name else None,
            amount=15_000 if area_name else 50_000,
        )
        db.session.add(budget)
        for title, cost, theme in items:
            _proposal(budget, title, cost, theme)
    db.session.flush()
