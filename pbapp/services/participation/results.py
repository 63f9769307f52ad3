"""Counting a budget with the engine in ``allocation.pb``, publishing the result, and the
anonymised ballots as a pabulib file anyone can recount.
"""

from __future__ import annotations

import json
import random
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from allocation import pb
from allocation.pb.rules import META_RULES
from pbapp.extensions import db
from pbapp.formatting import in_words
from pbapp.models import Ballot, Budget, Result, User
from pbapp.services import audit, published
from pbapp.services.errors import FieldError
from pbapp.services.notifications import notices
from pbapp.services.participation.ballots import ballot_proposals
from pbapp.services.participation.processes import last_voting_day_in_words

# Our ballot types as pabulib vote types: a knapsack ballot is an approval ballot whose
# approved costs fit the budget; a points ballot is cumulative.
VOTE_TYPES = {"approval": "approval", "knapsack": "approval", "points": "cumulative"}

# The name the pabulib archive uses in META ``rule`` for each of our rule ids (the first name
# the engine reads as that rule), so that ``tally --rule official`` recounts an exported file.
PABULIB_RULE_NAMES: dict[str, str] = {}
for _name, _rule in META_RULES.items():
    PABULIB_RULE_NAMES.setdefault(_rule, _name)


def _ballots(budget: Budget) -> list[Ballot]:
    return list(
        db.session.scalars(select(Ballot).where(Ballot.budget_id == budget.id).order_by(Ballot.id))
    )


def election_for(budget: Budget, *, shuffle_seed: int | None = None) -> pb.Election:
    """The budget's election as the engine's plain data: proposals on the ballot, and ballots.

    Voter ids are 1, 2, ... in the order of the ballots; with ``shuffle_seed`` the order is
    shuffled first, so that the published file reveals nothing of who voted when.
    """
    process = budget.process
    vote_type = VOTE_TYPES[process.ballot_type]
    projects = [
        pb.Project(id=str(p.id), cost=p.ballot_cost, name=p.title) for p in ballot_proposals(budget)
    ]
    on_ballot = {p.id for p in projects}
    votes = []
    for ballot in _ballots(budget):
        items = [i for i in ballot.items if str(i.proposal_id) in on_ballot]
        if vote_type == "cumulative":
            votes.append({str(i.proposal_id): i.points for i in items})
        else:
            votes.append(tuple(str(i.proposal_id) for i in items))
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(votes)
    meta = {
        "description": f"{process.title}: {budget.name}",
        "country": "United Kingdom",
        "unit": budget.name,
        "instance": str(process.voting_start.year),
        "currency": "GBP",
        "rule": PABULIB_RULE_NAMES[process.rule],
        "date_begin": process.voting_start.isoformat(),
        "date_end": process.results_start.isoformat(),
    }
    if process.ballot_type == "approval" and process.max_projects:
        meta["max_length"] = str(process.max_projects)
    if process.ballot_type == "points":
        meta["max_sum_points"] = str(process.points_total)
    return pb.Election(
        budget=budget.amount, projects=projects, ballots=votes, vote_type=vote_type, meta=meta
    )


def fingerprint(budget: Budget, election: pb.Election) -> str:
    """SHA-256 of everything the count depends on: rule, budget, projects and ballots.

    Ballots are sorted, so the fingerprint does not depend on the order they were cast in.
    """
    ballots = sorted(
        json.dumps(sorted(b.vote.items()) if isinstance(b.vote, dict) else sorted(b.vote))
        for b in election.ballots
    )
    canonical = {
        "rule": budget.process.rule,
        "ballot_type": budget.process.ballot_type,
        "budget": budget.amount,
        "projects": sorted((p.id, int(p.cost)) for p in election.projects),
        "ballots": ballots,
    }
    return published.result_fingerprint(canonical)


def why_not_publish(budget: Budget, today: date) -> str | None:
    """Why the result of ``budget`` cannot be counted and published today, or None."""
    process = budget.process
    if process.is_draft:
        return _("The process is a draft: publish it first.")
    if process.phase_on(today) not in ("results", "delivery"):
        return _(
            "The result can be published only after voting has closed: people can vote until "
            "%(last)s, and the result can be published from %(first)s.",
            last=last_voting_day_in_words(process),
            first=in_words(process.results_start, "long_date"),
        )
    if db.session.scalar(select(Result.id).where(Result.budget_id == budget.id)) is not None:
        return _("The result of this budget is already published.")
    return None


def publish_result(actor: User, budget: Budget, today: date) -> Result:
    """Count ``budget`` with its process's rule and store the result with its explanation.

    Raises ``FieldError`` before voting has closed, or when the result is already published.
    """
    _lock(budget)
    reason = why_not_publish(budget, today)
    if reason:
        raise FieldError("form", reason)
    election = election_for(budget)
    outcome = pb.count(election, budget.process.rule)
    explanation = pb.explain(election, budget.process.rule).to_dict()
    result = Result(
        budget_id=budget.id,
        rule=budget.process.rule,
        selected=[int(pid) for pid in outcome.selected],
        spend=int(outcome.cost),
        voters=len(election.ballots),
        explanation=explanation,
        fingerprint=fingerprint(budget, election),
        published_by_id=actor.id,
    )
    db.session.add(result)
    db.session.flush()
    audit.record(
        actor,
        "result.publish",
        "budget",
        budget.id,
        after={
            "selected": result.selected,
            "spend": result.spend,
            "fingerprint": result.fingerprint,
        },
    )
    notices.results_published(result)
    return result


def _lock(budget: Budget) -> None:
    """Lock the budget's row until commit (PostgreSQL; SQLite writes one at a time anyway), so
    that a paper ballot being entered, which takes the same lock, lands wholly before the count
    (and is counted) or after it (and is refused as published)."""
    db.session.execute(select(Budget.id).where(Budget.id == budget.id).with_for_update())


def anonymised_pb(budget: Budget) -> str:
    """The budget's ballots as a pabulib file: no names or emails, voters in a random order
    with ids 1..n, META naming the rule. Recounting it gives the published result."""
    election = election_for(budget, shuffle_seed=random.SystemRandom().randrange(2**63))
    return pb.write_pb(election)
