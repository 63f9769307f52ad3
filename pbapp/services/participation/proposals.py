"""Proposals: residents draft and submit them, officers review them for the ballot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.formatting import in_words, money, number
from pbapp.models import PROPOSAL_STATUSES, THEMES, Budget, Proposal, Result, User
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.notifications import notices
from pbapp.services.participation import proposal_languages

TITLE_MAX, SUMMARY_MAX, DESCRIPTION_MAX, LOCATION_MAX = 120, 300, 5000, 200


@dataclass
class ProposalText:
    title: str
    summary: str
    description: str
    cost: int | None
    theme: str
    location: str
    language: str = "en"  # the language the proposer writes in (a registry code)
    # The proposer's English version, for a proposal not written in English (optional).
    english_title: str = ""
    english_summary: str = ""


def _check(budget: Budget, text: ProposalText, *, submit: bool = True) -> None:
    """A proposal submitted for review needs every field; a draft only its title (what is
    filled in must still be right)."""
    for name, limit, missing in (
        ("title", TITLE_MAX, _("Enter a title.")),
        ("summary", SUMMARY_MAX, _("Enter a summary.")),
        ("description", DESCRIPTION_MAX, _("Enter a description.")),
    ):
        value = getattr(text, name).strip()
        if not value and (submit or name == "title"):
            raise FieldError(name, missing)
        if len(value) > limit:
            raise FieldError(
                name,
                _(
                    "Use at most %(limit)s characters (this has %(length)s).",
                    limit=number(limit),
                    length=number(len(value)),
                ),
            )
    if len(text.location) > LOCATION_MAX:
        raise FieldError("location", _("Use at most %(count)s characters.", count=LOCATION_MAX))
    if text.cost is not None or submit:
        if text.cost is None or text.cost <= 0:
            raise FieldError("cost", _("Enter the estimated cost in whole pounds, more than £0."))
        if text.cost > budget.amount:
            raise FieldError(
                "cost",
                _(
                    "The cost cannot be more than the whole budget (%(budget)s).",
                    budget=money(budget.amount),
                ),
            )
    chosen = text.theme in budget.process.themes and text.theme in THEMES
    if (text.theme or submit) and not chosen:
        raise FieldError("theme", _("Choose one of this process's themes."))


def can_propose(user: User, budget: Budget, today: date) -> str | None:
    """Why ``user`` cannot propose to ``budget`` today, or None when they can."""
    if budget.process.is_draft:
        return _("This process is not published yet.")
    if budget.process.phase_on(today) != "proposals":
        return _("Proposals can only be made while the process is collecting them.")
    if not budget.open_to(user):
        return _("You can propose to your own neighbourhood's budget and to city-wide budgets.")
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
        raise FieldError("form", _("Only the author can change a proposal."))
    _check(budget, text, submit=submit)
    proposal_languages.check_writing_language(text.language)
    english = {"english_title", "english_summary"}
    clean = {
        k: (v.strip() if isinstance(v, str) else v)
        for k, v in vars(text).items()
        if k not in english
    }
    was_submitted = proposal is not None and proposal.status == "submitted"
    if proposal is None:
        proposal = Proposal(budget=budget, author_id=author.id, **clean)
        db.session.add(proposal)
    else:
        for key, value in clean.items():
            setattr(proposal, key, value)
    proposal_languages.set_english_version(
        author, proposal, text.english_title, text.english_summary
    )
    proposal.status = "submitted" if submit else "draft"
    db.session.flush()
    if submit:
        audit.record(
            author,
            "proposal.submit",
            "proposal",
            proposal.id,
            after={"title": proposal.title, "cost": proposal.cost, "language": proposal.language},
        )
        if not was_submitted:
            notices.proposal_submitted(proposal)
    return proposal


def why_not_review(proposal: Proposal, today: date) -> str | None:
    """Why ``proposal`` cannot be reviewed today (outside the review phase), or None."""
    process = proposal.budget.process
    if process.phase_on(today) == "review":
        return None
    start, end = process.review_start, process.voting_start
    return _(
        "Proposals can only be reviewed during the review phase: from %(start)s until voting "
        "opens on %(end)s.",
        start=in_words(start, "long_date"),
        end=in_words(end, "long_date"),
    )


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
        raise FieldError("form", why_not_review(proposal, today) or "")
    if proposal.status == "draft":
        raise FieldError(
            "form", _("This proposal is still a draft: its author has not submitted it.")
        )
    note = (note or "").strip()
    if not feasible and not note:
        raise FieldError(
            "note",
            _("Say why the proposal is not feasible: the author and the public will read it."),
        )
    if reviewed_cost is not None and not 0 < reviewed_cost <= proposal.budget.amount:
        raise FieldError(
            "reviewed_cost",
            _(
                "The cost must be more than £0 and at most the budget (%(budget)s).",
                budget=money(proposal.budget.amount),
            ),
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


# --- What a proposal's status is now --------------------------------------------------------

# The labels every page shows for a proposal accepted for the ballot, by where its process is.
BALLOT_LABELS = {
    "before": _l("Accepted for the ballot"),
    "voting": _l("On the ballot"),
    "counting": _l("Voting closed: waiting for the result"),
    # Translators: the status of a proposal once the result is published.
    "funded": _l("Funded"),
    # Translators: the status of a proposal once the result is published.
    "not_funded": _l("Not funded"),
}


def status_label(proposal: Proposal, today: date, result: Result | None) -> str:
    """The one label every page shows for ``proposal``'s status on ``today``: "On the ballot"
    only while voting is open; after a published result, "Funded" or "Not funded"."""
    if proposal.status != "feasible":
        return PROPOSAL_STATUSES[proposal.status]
    if result is not None:
        return str(BALLOT_LABELS["funded" if proposal.id in result.selected else "not_funded"])
    phase = proposal.budget.process.phase_on(today)
    if phase == "voting":
        return str(BALLOT_LABELS["voting"])
    if phase in ("results", "delivery"):
        return str(BALLOT_LABELS["counting"])
    return str(BALLOT_LABELS["before"])


def results_of(budget_ids: set[int]) -> dict[int, Result]:
    """The published results of the budgets, by budget id."""
    if not budget_ids:
        return {}
    found = db.session.scalars(select(Result).where(Result.budget_id.in_(budget_ids)))
    return {r.budget_id: r for r in found}


def status_labels(proposals: list[Proposal], today: date) -> dict[int, str]:
    """``status_label`` of each proposal, by proposal id (one query for the results)."""
    results = results_of({p.budget_id for p in proposals})
    return {p.id: status_label(p, today, results.get(p.budget_id)) for p in proposals}
