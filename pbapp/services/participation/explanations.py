"""Turning the engine's explanation data into what a resident reads: a sentence per proposal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.formatting import money, number, percent
from pbapp.models import Budget, Neighbourhood, Proposal, Result
from pbapp.services.participation.disclosure import Disclosure, for_result


def _pounds(value: float | int | None) -> str:
    """Money in an explanation: whole pounds, or pounds and pence where a share is fractional."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return money(int(value))
    return f"£{value:,.2f}"


def _people_count(n: int | None) -> int:
    """The number that chooses the plural form for a count of people ("—" when unknown)."""
    return n if n is not None else 0


def sentence_without_counts(line: dict[str, Any], vote_word: str) -> str:
    """Why a proposal was or was not funded, saying nothing that counts people: for results
    whose counts the disclosure policy withholds (docs/disclosure.md)."""
    outcome = line["outcome"]
    cost = _pounds(line["cost"])
    if outcome in ("funded", "funded_by_greedy_completion"):
        return _("Funded: its cost of %(cost)s fitted in the budget.", cost=cost)
    if outcome == "costs_more_than_the_budget":
        return _("Not funded: its cost of %(cost)s is more than the whole budget.", cost=cost)
    if outcome == "not_reached":
        return _(
            "Not funded: the count stopped at a project that did not fit, before it reached "
            "this one."
        )
    if outcome in ("supporters_money_spent_on_other_projects", "too_little_support", "did_not_fit"):
        return _(
            "Not funded: the money its supporters could give was not enough for its cost of "
            "%(cost)s.",
            cost=cost,
        )
    if vote_word == "points":
        return _("Not funded: it had too few points.")
    return _("Not funded: it had too few votes.")


def sentence(line: dict[str, Any], vote_word: str) -> str:
    """Why one proposal was or was not funded, in plain English, from its explanation line."""
    outcome = line["outcome"]
    cost = _pounds(line["cost"])
    supporters = line["supporters"]
    people = _people_count(supporters)
    if outcome == "funded":
        shares = line.get("cost_shares") or []
        if len(shares) == 1:
            return ngettext(
                "Funded. The %(count)s person who voted for it paid its cost of %(cost)s "
                "from their equal shares of the budget: %(share)s each.",
                "Funded. The %(count)s people who voted for it paid its cost of %(cost)s "
                "from their equal shares of the budget: %(share)s each.",
                people,
                count=number(supporters),
                cost=cost,
                share=_pounds(shares[0]["amount"]),
            )
        if shares:
            # Supporters who had spent part of their share elsewhere paid less; say the range.
            amounts = [s["amount"] for s in shares]
            return ngettext(
                "Funded. The %(count)s person who voted for it paid its cost of %(cost)s "
                "from their equal shares of the budget: between %(least)s and %(most)s each, "
                "as those who had already paid for other projects had less left.",
                "Funded. The %(count)s people who voted for it paid its cost of %(cost)s "
                "from their equal shares of the budget: between %(least)s and %(most)s each, "
                "as those who had already paid for other projects had less left.",
                people,
                count=number(supporters),
                cost=cost,
                least=_pounds(min(amounts)),
                most=_pounds(max(amounts)),
            )
        if vote_word == "points":
            return _(
                "Funded. It had more points than the projects after it, and its cost of "
                "%(cost)s fitted in the money left.",
                cost=cost,
            )
        return _(
            "Funded. It had more votes than the projects after it, and its cost of "
            "%(cost)s fitted in the money left.",
            cost=cost,
        )
    if outcome == "funded_by_greedy_completion":
        return _(
            "Funded in the last step: money was left over, and this was the most-voted project "
            "whose cost of %(cost)s fitted.",
            cost=cost,
        )
    if outcome == "no_support":
        return _("Not funded: nobody voted for it.")
    if outcome == "below_score_threshold":
        if vote_word == "points":
            return _("Not funded: it did not reach the minimum number of points needed.")
        return _("Not funded: it did not reach the minimum number of votes needed.")
    if outcome == "costs_more_than_the_budget":
        return _("Not funded: its cost of %(cost)s is more than the whole budget.", cost=cost)
    if outcome == "did_not_fit":
        return _(
            "Not funded: when its turn came, only %(left)s was left, %(lacked)s short of its "
            "cost of %(cost)s.",
            left=_pounds(line.get("money_left_when_considered")),
            lacked=_pounds(line.get("lacked")),
            cost=cost,
        )
    if outcome == "not_reached":
        return _(
            "Not funded: the count stopped at a project that did not fit, before it reached "
            "this one."
        )
    if outcome == "supporters_money_spent_on_other_projects":
        return ngettext(
            "Not funded: its %(count)s person had spent %(spent)s of their shares on other "
            "projects they also voted for, and the %(left)s they had left was %(lacked)s short "
            "of its cost of %(cost)s.",
            "Not funded: its %(count)s people had spent %(spent)s of their shares on other "
            "projects they also voted for, and the %(left)s they had left was %(lacked)s short "
            "of its cost of %(cost)s.",
            people,
            count=number(supporters),
            spent=_pounds(line.get("spent_by_supporters_on_other_projects")),
            left=_pounds(line.get("supporters_money_left")),
            lacked=_pounds(line.get("lacked")),
            cost=cost,
        )
    if outcome == "too_little_support":
        fits = line.get("highest_cost_that_fits")
        values = {
            "count": number(supporters),
            "left": _pounds(line.get("supporters_money_left")),
            "lacked": _pounds(line.get("lacked")),
            "cost": cost,
        }
        if fits:
            return ngettext(
                "Not funded: the shares of the %(count)s person who voted for it came to "
                "%(left)s, %(lacked)s short of its cost of %(cost)s. It would have been funded "
                "at a cost of %(fits)s or less.",
                "Not funded: the shares of the %(count)s people who voted for it came to "
                "%(left)s, %(lacked)s short of its cost of %(cost)s. It would have been funded "
                "at a cost of %(fits)s or less.",
                people,
                fits=_pounds(fits),
                **values,
            )
        return ngettext(
            "Not funded: the shares of the %(count)s person who voted for it came to "
            "%(left)s, %(lacked)s short of its cost of %(cost)s.",
            "Not funded: the shares of the %(count)s people who voted for it came to "
            "%(left)s, %(lacked)s short of its cost of %(cost)s.",
            people,
            **values,
        )
    return _("Not funded.")


@dataclass
class ProposalLine:
    proposal: Proposal | None
    title: str
    cost: float | int
    funded: bool
    supporters: int | None  # None: withheld by the disclosure policy
    score: float | int | None
    sentence: str


@dataclass
class ResultView:
    lines: list[ProposalLine]
    spend: int
    budget: int
    voters: int | None  # None: fewer than disclosure.DETAIL_FROM ballots
    voters_text: str
    share_with_funded: str | None
    turnout: str | None
    vote_word: str
    comparison: dict[str, Any] | None
    comparison_shares: dict[str, str | None]
    only_greedy: list[str]
    only_equal_shares: list[str]
    disclosure: Disclosure

    @property
    def funded_count(self) -> int:
        return sum(1 for line in self.lines if line.funded)

    @property
    def all_scores_shown(self) -> bool:
        return bool(self.lines) and all(line.score is not None for line in self.lines)


def result_view(budget: Budget, result: Result) -> ResultView:
    """Everything the results page shows, from the stored result (no recount on page view)."""
    data = result.explanation
    policy = for_result(result)
    vote_word = "points" if budget.process.ballot_type == "points" else "votes"
    proposals = {str(p.id): p for p in budget.proposals}
    lines = []
    for line in data["projects"]:
        shown = policy.people(line["supporters"])
        lines.append(
            ProposalLine(
                proposal=proposals.get(line["id"]),
                title=line["name"] or line["id"],
                cost=line["cost"],
                funded=line["funded"],
                supporters=shown,
                score=line["score"] if shown is not None else None,
                sentence=sentence(line, vote_word)
                if shown is not None
                else sentence_without_counts(line, vote_word),
            )
        )
    population = (
        budget.neighbourhood.population
        if budget.neighbourhood
        else db.session.scalar(select(func.sum(Neighbourhood.population)))
    )
    titles = {pid: p.title for pid, p in proposals.items()}
    comparison = data.get("comparison") or {}
    shares = {
        key: policy.share_of_voters(
            (comparison.get(key) or {}).get("share_of_voters_with_a_funded_project")
        )
        for key in ("greedy", "equal_shares")
    }
    with_funded = policy.share_of_voters(data["result"]["share_of_voters_with_a_funded_project"])
    return ResultView(
        lines=lines,
        spend=result.spend,
        budget=budget.amount,
        voters=policy.voters,
        voters_text=policy.voters_text,
        share_with_funded=percent(with_funded) if with_funded is not None else None,
        turnout=percent(result.voters / population, 1) if population and policy.detailed else None,
        vote_word=vote_word,
        comparison=data.get("comparison"),
        comparison_shares={k: percent(v) if v is not None else None for k, v in shares.items()},
        only_greedy=[titles.get(str(pid), str(pid)) for pid in comparison.get("only_greedy", [])],
        only_equal_shares=[
            titles.get(str(pid), str(pid)) for pid in comparison.get("only_equal_shares", [])
        ],
        disclosure=policy,
    )
