"""A person's own page: what is open to them now, their ballots, proposals and emails."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Ballot, Budget, Process, Proposal, User
from pbapp.models.mail import OutboxMessage
from pbapp.services.participation import follows


@dataclass
class OpenBudget:
    budget: Budget
    closes_on: date  # the last day
    voted: bool = False


@dataclass
class Overview:
    voting: list[OpenBudget] = field(default_factory=list)
    proposing: list[OpenBudget] = field(default_factory=list)
    ballots: list[Ballot] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    following: list[Proposal] = field(default_factory=list)
    emails: list[OutboxMessage] = field(default_factory=list)


def overview(user: User, today: date) -> Overview:
    result = Overview()
    voted_in = set(db.session.scalars(select(Ballot.budget_id).where(Ballot.voter_id == user.id)))
    processes = db.session.scalars(
        select(Process)
        .where(Process.proposals_start <= today, Process.results_start > today)
        .order_by(Process.results_start, Process.id)
    ).all()
    for process in processes:
        phase = process.phase_on(today)
        for budget in process.budgets:
            if not budget.open_to(user):
                continue
            if phase == "voting":
                result.voting.append(
                    OpenBudget(budget, process.last_voting_day, budget.id in voted_in)
                )
            elif phase == "proposals":
                result.proposing.append(
                    OpenBudget(budget, process.review_start - timedelta(days=1))
                )
    result.ballots = db.session.scalars(
        select(Ballot).where(Ballot.voter_id == user.id).order_by(Ballot.created_at.desc())
    ).all()
    result.proposals = db.session.scalars(
        select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id.desc())
    ).all()
    result.following = follows.followed_by(user)
    result.emails = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.user_id == user.id, OutboxMessage.kind == "notice")
        .order_by(OutboxMessage.id.desc())
        .limit(20)
    ).all()
    return result
