"""Proposals: residents draft and submit them, officers review them for the ballot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pbapp.extensions import db
from pbapp.models import THEMES, Budget, Proposal, User
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.notifications import notices

TITLE_MAX, SUMMARY_MAX, DESCRIPTION_MAX, LOCATION_MAX = 120, 300, 5000, 200


@dataclass
class ProposalText:
    title: str
    summary: str
    description: str
    cost: int
    theme: str
    location: str


def _check(budget: Budget, text: ProposalText) -> None:
    for name, limit in (
        ("title", TITLE_MAX),
        ("summary", SUMMARY_MAX),
        ("description", DESCRIPTION_MAX),
    ):
        value = getattr(text, name).strip()
        if not value:
            raise FieldError(name, f"Enter a {name}.")
        if len(value) > limit:
            raise FieldError(name, f"Use at most {limit:,} characters (this has {len(value):,}).")
    if len(text.location) > LOCATION_MAX:
        raise FieldError("location", f"Use at most {LOCATION_MAX} characters.")
    if text.cost is None or text.cost <= 0:
        raise FieldError("cost", "Enter the estimated cost in whole pounds, more than £0.")
    if text.cost > budget.amount:
        raise FieldError(
            "cost", f"The cost cannot be more than the whole budget (£{budget.amount:,})."
        )
    if text.theme not in budget.process.themes or text.theme not in THEMES:
        raise FieldError("theme", "Choose one of this process's themes.")


def can_propose(user: User, budget: Budget, today: date) -> str | None:
    """Why ``user`` cannot propose to ``budget`` today, or None when they can."""
    if budget.process.phase_on(today) != "proposals":
        return "Proposals can only be made while the process is collecting them."
    if not budget.open_to(user):
        return "You can propose to your own neighbourhood's budget and to city-wide budgets."
    return None


def save_proposal(
    author: User,
    budget: Budget,
    text: ProposalText,
    *,
    submit: bool,
    today: date,
    proposal: Proposal | None = None,
) -> Proposal:
    """Create or change a proposal, as a draft or submitted for review.

    Raises ``FieldError`` when the text breaks a limit, or when the author may no longer change it
    (review has started, or it is someone else's).
    """
    reason = can_propose(author, budget, today)
    if reason:
        raise FieldError("form", reason)
    if proposal is not None and proposal.author_id != author.id:
        raise FieldError("form", "Only the author can change a proposal.")
    _check(budget, text)
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in vars(text).items()}
    was_submitted = proposal is not None and proposal.status == "submitted"
    if proposal is None:
        proposal = Proposal(budget=budget, author_id=author.id, **clean)
        db.session.add(proposal)
    else:
        for key, value in clean.items():
            setattr(proposal, key, value)
    proposal.status = "submitted" if submit else "draft"
    db.session.flush()
    if submit:
        audit.record(
            author,
            "proposal.submit",
            "proposal",
            proposal.id,
            after={"title": proposal.title, "cost": proposal.cost},
        )
        if not was_submitted:
            notices.proposal_submitted(proposal)
    return proposal


def review_proposal(
    officer: User,
    proposal: Proposal,
    *,
    feasible: bool,
    note: str,
    reviewed_cost: int | None,
    today: date,
) -> None:
    """Mark a submitted proposal feasible (it goes on the ballot) or not feasible with a reason.

    Raises ``FieldError`` outside the review phase, for a missing reason, or a cost that is not
    positive or exceeds the budget.
    """
    process = proposal.budget.process
    if process.phase_on(today) != "review":
        raise FieldError("form", "Proposals can only be reviewed during the review phase.")
    if proposal.status == "draft":
        raise FieldError("form", "This proposal is still a draft: its author has not submitted it.")
    note = (note or "").strip()
    if not feasible and not note:
        raise FieldError(
            "note", "Say why the proposal is not feasible: the author and the public will read it."
        )
    if reviewed_cost is not None and not 0 < reviewed_cost <= proposal.budget.amount:
        raise FieldError(
            "reviewed_cost",
            f"The cost must be more than £0 and at most the budget (£{proposal.budget.amount:,}).",
        )
    before = {
        "status": proposal.status,
        "reviewed_cost": proposal.reviewed_cost,
        "note": proposal.review_note,
    }
    proposal.status = "feasible" if feasible else "not_feasible"
    proposal.review_note = note or None
    proposal.reviewed_cost = reviewed_cost if feasible else None
    proposal.reviewed_by_id = officer.id
    audit.record(
        officer,
        "proposal.review",
        "proposal",
        proposal.id,
        before=before,
        after={
            "status": proposal.status,
            "reviewed_cost": proposal.reviewed_cost,
            "note": proposal.review_note,
        },
    )
    notices.proposal_reviewed(proposal)
