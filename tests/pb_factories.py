"""Building participatory-budgeting processes for tests, with phases around a given day."""

from __future__ import annotations

from datetime import date, timedelta

from pbapp.extensions import db
from pbapp.models import Budget, Process, Proposal, User, UserRole
from pbapp.services.participation import ballots

PHASE_OFFSETS = {  # days from today to each phase start, so that today falls in the named phase
    "upcoming": (5, 10, 15, 20, 25),
    "proposals": (-5, 5, 10, 15, 20),
    "review": (-10, -5, 5, 10, 15),
    "voting": (-15, -10, -5, 5, 10),
    "results": (-20, -15, -10, -5, 10),
}


def make_process(
    phase: str,
    *,
    ballot_type: str = "approval",
    rule: str = "mes-add1",
    max_projects: int | None = None,
    points_total: int | None = None,
    neighbourhoods=(),
    amount: int = 10_000,
    citywide: int | None = None,
) -> Process:
    today = date.today()
    starts = [today + timedelta(days=d) for d in PHASE_OFFSETS[phase]]
    process = Process(
        title="Healthy Hillside 2027",
        description="Projects that help people stay well.",
        themes=["air-green-space", "community-connections", "early-help"],
        ballot_type=ballot_type,
        max_projects=max_projects,
        points_total=points_total if ballot_type == "points" else None,
        rule=rule,
        proposals_start=starts[0],
        review_start=starts[1],
        voting_start=starts[2],
        results_start=starts[3],
        delivery_start=starts[4],
    )
    process.budgets = [Budget(neighbourhood_id=n.id, amount=amount) for n in neighbourhoods]
    if citywide:
        process.budgets.append(Budget(neighbourhood_id=None, amount=citywide))
    db.session.add(process)
    db.session.commit()
    return process


def make_proposal(
    budget: Budget,
    title: str,
    cost: int,
    *,
    status: str = "feasible",
    author=None,
    theme: str = "air-green-space",
    language: str = "en",
) -> Proposal:
    proposal = Proposal(
        language=language,
        budget=budget,
        title=title,
        summary=f"{title} for everyone.",
        description="Details.",
        cost=cost,
        theme=theme,
        location="",
        status=status,
        author_id=author.id if author else None,
        review_note="Not possible here." if status == "not_feasible" else None,
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def add_voters(budget, area, votes: list[dict[int, int]]) -> None:
    """Cast ``votes`` (one dict of proposal id -> points per voter) while voting is open."""
    process = budget.process
    for i, choices in enumerate(votes):
        voter = User(
            name=f"Voter {i}",
            email=f"voter{i}-{budget.id}@example.org",
            password_hash="!",
            neighbourhood_id=area.id,
            role_rows=[UserRole(role="resident")],
        )
        db.session.add(voter)
        db.session.flush()
        ballots.cast_ballot(voter, budget, choices, today=process.voting_start)
    db.session.commit()
