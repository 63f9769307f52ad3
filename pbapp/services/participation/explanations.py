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
            # Under Equal Shares every supporter pays the same amount, except those who had
            # less than that left (having paid for other projects they voted for): they pay
            # all they had left. Say that, rather than a bare range of amounts.
            amounts = [s["amount"] for s in shares]
            return ngettext(
                "Funded. The %(count)s person who voted for it paid its cost of %(cost)s "
                "from their shares of the budget: %(most)s each, or all they had left if "
                "that was less, because they had already paid for other projects they voted "
                "for (the least anyone paid was %(least)s).",
                "Funded. The %(count)s people who voted for it paid its cost of %(cost)s "
                "from their shares of the budget: %(most)s each, or all they had left if "
                "that was less, because they had already paid for other projects they voted "
                "for (the least anyone paid was %(least)s).",
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


# How the count broke a tie, in words (the engine's ``tie_break`` names; the app counts with
# the default, "id-text", and the explanation says which when it records one).
def _tie_rule(name: str) -> str:
    if name == "id-number":
        return _("the proposal with the smaller number")
    if name == "cheaper-first":
        return _("the cheaper project")
    return _(
        "the proposal whose number comes first when the numbers are read as text "
        "(so 10 comes before 9)"
    )


def tie_sentences(data: dict[str, Any], policy: Disclosure, vote_word: str) -> dict[str, str]:
    """For each project whose funding a tie decided (``decided_by_tie`` in the engine's
    explanation), a sentence saying so: whom it tied with, at what score when the disclosure
    policy lets both counts be published, and how the published rule broke the tie."""
    tied = [line for line in data.get("projects", []) if line.get("decided_by_tie")]
    rule = _tie_rule(data.get("tie_break") or "id-text")
    out: dict[str, str] = {}
    for line in tied:
        # Its partners: the tied projects whose funding went the other way, at the same score
        # when there are such (under greedy rules a tie is a tie of scores).
        others = [o for o in tied if o["funded"] != line["funded"]]
        others = [o for o in others if o["score"] == line["score"]] or others
        names = ", ".join(o["name"] or o["id"] for o in others)
        counts_shown = all(
            policy.people(o["supporters"]) is not None for o in [line, *others]
        ) and all(o["score"] == line["score"] for o in others)
        score = line["score"]
        if not others:
            first = _("A tie decided whether this project was funded.")
        elif counts_shown and vote_word == "points":
            first = ngettext(
                "A tie decided this: it tied with %(others)s at %(count)s point.",
                "A tie decided this: it tied with %(others)s at %(count)s points.",
                int(score),
                others=names,
                count=number(score),
            )
        elif counts_shown:
            first = ngettext(
                "A tie decided this: it tied with %(others)s at %(count)s vote.",
                "A tie decided this: it tied with %(others)s at %(count)s votes.",
                int(score),
                others=names,
                count=number(score),
            )
        else:
            first = _("A tie decided this: it tied with %(others)s.", others=names)
        if line["funded"]:
            second = _(
                "The published rule breaks a tie in favour of %(rule)s, so this project was "
                "funded; had the tie been broken the other way, it would not have been.",
                rule=rule,
            )
        else:
            second = _(
                "The published rule breaks a tie in favour of %(rule)s, which left this "
                "project out; had the tie been broken the other way, it would have been funded.",
                rule=rule,
            )
        out[str(line["id"])] = f"{first} {second}"
    return out


def share_sentence(data: dict[str, Any], voters: int, policy: Disclosure) -> str | None:
    """Under Equal Shares, each voter's share of the budget in words: budget ÷ voters, and,
    when the add1 completion raised every share above that, that it did and to how much (the
    amounts each project's supporters paid come out of the raised shares). None for other
    rules, or when the disclosure policy withholds the number of voters."""
    per_voter = data.get("budget_per_voter")
    if per_voter is None or not voters or not policy.detailed:
        return None
    budget = data["budget"]
    start = budget / voters
    if round(per_voter, 2) <= round(start, 2):
        return ngettext(
            "Each voter's share of the budget was %(share)s: %(budget)s divided between the "
            "%(count)s person who voted.",
            "Each voter's share of the budget was %(share)s: %(budget)s divided between the "
            "%(count)s people who voted.",
            voters,
            share=_pounds(start),
            budget=_pounds(budget),
            count=number(voters),
        )
    return ngettext(
        "Each voter's share of the budget began as %(start)s: %(budget)s divided between the "
        "%(count)s person who voted. That left money unspent, so the count raised everyone's "
        "share by the same amount, %(step)s at a time, for as long as the projects chosen "
        "still fitted in the budget, and each share ended at %(share)s: the amounts below "
        "were paid from these raised shares.",
        "Each voter's share of the budget began as %(start)s: %(budget)s divided between the "
        "%(count)s people who voted. That left money unspent, so the count raised everyone's "
        "share by the same amount, %(step)s at a time, for as long as the projects chosen "
        "still fitted in the budget, and each share ended at %(share)s: the amounts below "
        "were paid from these raised shares.",
        voters,
        start=_pounds(start),
        budget=_pounds(budget),
        count=number(voters),
        step=money(1),
        share=_pounds(per_voter),
    )


@dataclass
class ProposalLine:
    proposal: Proposal | None
    title: str
    cost: float | int
    funded: bool
    supporters: int | None  # None: withheld by the disclosure policy
    score: float | int | None
    sentence: str
    tie: str | None = None  # a tie decided whether it was funded: says so (tie_sentences)


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
    shares: str | None = None  # Equal Shares: each voter's share, and its add1 raise

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
    ties = tie_sentences(data, policy, vote_word)
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
                tie=ties.get(str(line["id"])),
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
        shares=share_sentence(data, result.voters, policy),
    )
