"""The counting rules by id, and :func:`count`, the one call that counts a budget.

Rule ids and meanings are fixed by DESIGN.md ("Command-line contracts"); ``official`` applies
the rule named in the election's META ``rule``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from threadpoolctl import threadpool_limits

from allocation.pb.election import Election, Number, NumberError, as_number
from allocation.pb.greedy import GreedyStep, greedy
from allocation.pb.mes import MesRun, equal_shares, equal_shares_add1
from allocation.pb.metrics import json_number
from allocation.pb.phragmen import phragmen
from allocation.pb.support import TIE_BREAKS, Support, build_support


@dataclass(frozen=True)
class Rule:
    """A counting rule: its id (as on the command line), a short name and what it does."""

    id: str
    name: str
    description: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "greedy",
            "Utilitarian greedy",
            "projects by score, highest first, skipping a project that no longer fits",
        ),
        Rule(
            "greedy-no-skip",
            "Greedy without skipping",
            "as greedy, but stop at the first project that does not fit",
        ),
        Rule(
            "greedy-threshold",
            "Greedy with a score threshold",
            "as greedy, counting only projects whose score reaches META "
            "min_project_score_threshold",
        ),
        Rule(
            "mes",
            "Method of Equal Shares",
            "each voter holds an equal share of the budget; supporters split a project's cost "
            "equally (cost utilities); no completion",
        ),
        Rule(
            "mes-add1",
            "Method of Equal Shares, add1 completion",
            "mes rerun with each voter's share raised by 1 at a time until the outcome is "
            "exhaustive or the next one would cost more than the budget",
        ),
        Rule(
            "mes-add1-greedy",
            "Method of Equal Shares, add1 then greedy",
            "mes-add1, then utilitarian greedy for the money left",
        ),
        Rule(
            "mes-add1-last-fit",
            "Method of Equal Shares, add1 until over budget",
            "as mes-add1, but an exhaustive outcome does not stop the search: raise each voter's "
            "share until the outcome would cost more than the budget and keep the last that fits "
            "(reproduces the published Wieliczka 2023 result)",
        ),
        Rule(
            "phragmen",
            "Sequential Phragmén",
            "supporters earn money at the same rate and buy a project as soon as they can; stops "
            "at the first project bought that does not fit",
        ),
    )
}

OFFICIAL = "official"

# META ``rule`` values in the pabulib archive, and the rule that reproduces each.
META_RULES: dict[str, str] = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equalshares": "mes",
    "equalshares/add1": "mes-add1",
    "equalshares/add1/greedy": "mes-add1-greedy",
    "equalshares/add1+greedy": "mes-add1-greedy",
    "equalshares/add1-last-fit": "mes-add1-last-fit",
    "phragmen": "phragmen",
    "seq-phragmen": "phragmen",
}


class RuleError(ValueError):
    """Raised when a rule id is unknown, or the election lacks what the rule needs."""


@dataclass
class Outcome:
    """What a rule funds: ``selected`` project ids in the order the rule chose them, their cost."""

    rule: str
    budget: Number
    selected: list[str]
    cost: Number

    def to_dict(self) -> dict[str, object]:
        """Return the outcome as the JSON object of ``tally --json``."""
        return {
            "rule": self.rule,
            "budget": json_number(self.budget),
            "selected": list(self.selected),
            "cost": json_number(self.cost),
        }


@dataclass
class Count:
    """A count with the working kept for explanations (used by :mod:`explain`)."""

    rule: str
    support: Support
    selected: list[int]
    greedy_steps: list[GreedyStep] = field(default_factory=list)
    mes: MesRun | None = None
    threshold: Number | None = None
    phragmen_times: list[Fraction] = field(default_factory=list)


def resolve_rule(election: Election, rule: str) -> str:
    """Return the rule id to apply: ``rule`` itself, or for ``official`` the one META names.

    Raises RuleError when the rule is unknown or META names no rule we can apply.
    """
    if rule == OFFICIAL:
        named = election.meta.get("rule", "").strip()
        if named not in META_RULES:
            raise RuleError(
                f"META rule {named!r} is not a rule we can apply; choose one of {', '.join(RULES)}"
                if named
                else "the file names no rule in META; choose one with --rule"
            )
        return META_RULES[named]
    if rule not in RULES:
        raise RuleError(f"unknown rule {rule!r}; choose one of {', '.join([*RULES, OFFICIAL])}")
    return rule


def score_threshold(election: Election) -> Number:
    """META ``min_project_score_threshold``; raises RuleError when missing or not a number."""
    text = election.meta.get("min_project_score_threshold")
    if text is None:
        raise RuleError("greedy-threshold needs META min_project_score_threshold")
    try:
        return as_number(text)
    except NumberError as error:
        raise RuleError(f"META min_project_score_threshold {text!r} {error.reason}") from None


def honours_threshold(election: Election, asked: str, rule: str) -> bool:
    """Whether a greedy count leaves out projects below META min_project_score_threshold.

    ``greedy-threshold`` always does (and needs the key); when the file gives a threshold,
    ``greedy-no-skip`` does too, and so does the rule META names (``official``): a city that
    published a threshold did not fund projects below it (Gdynia 2020 and 2023 name
    ``greedy-no-skip`` with a threshold of 50). Plain ``greedy`` asked by name stays the
    reference utilitarian greedy over every project (pabutools' ``greedy_utilitarian_welfare``).
    """
    if rule == "greedy-threshold":
        return True
    if "min_project_score_threshold" not in election.meta:
        return False
    return rule == "greedy-no-skip" or asked == OFFICIAL


def run_rule(
    election: Election,
    rule: str,
    *,
    record: bool = False,
    tie_break: str = "id-text",
    reverse_ties: bool = False,
) -> Count:
    """Count ``election`` with ``rule``, keeping the working; raises RuleError as resolve_rule.

    With one BLAS thread: the counts' sums are matrix-vector products, and a second thread
    on them doubled the CPU time for no gain (add1 on Warsaw 2026: 2.3 s CPU for 1.3 s
    wall, against 1.4 s for both), and would compete with the web server's other workers.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_rule(election, rule, record, tie_break, reverse_ties)


def _run_rule(
    election: Election, rule: str, record: bool, tie_break: str, reverse_ties: bool
) -> Count:
    asked, rule = rule, resolve_rule(election, rule)
    if tie_break not in TIE_BREAKS:
        raise RuleError(f"unknown tie-break {tie_break!r}; choose one of {', '.join(TIE_BREAKS)}")
    support = build_support(
        election,
        as_approval=(rule == "phragmen"),
        tie_break=tie_break,
        reverse_ties=reverse_ties,
    )
    if rule in ("greedy", "greedy-no-skip", "greedy-threshold"):
        threshold = score_threshold(election) if honours_threshold(election, asked, rule) else None
        chosen, steps = greedy(support, skip=(rule != "greedy-no-skip"), threshold=threshold)
        return Count(rule, support, chosen, greedy_steps=steps, threshold=threshold)
    if rule == "mes":
        run = equal_shares(support, record=record)
        return Count(rule, support, list(run.selected), mes=run)
    if rule in ("mes-add1", "mes-add1-greedy", "mes-add1-last-fit"):
        run = equal_shares_add1(
            support, record=record, stop_when_exhaustive=(rule != "mes-add1-last-fit")
        )
        if rule != "mes-add1-greedy":
            return Count(rule, support, list(run.selected), mes=run)
        chosen, steps = greedy(support, already=list(run.selected))
        return Count(rule, support, chosen, greedy_steps=steps, mes=run)
    chosen, times = phragmen(support)
    return Count(rule, support, chosen, phragmen_times=times)


def count(election: Election, rule: str, *, tie_break: str = "id-text") -> Outcome:
    """Count ``election`` with ``rule`` (an id of RULES, or ``"official"``).

    ``tie_break``: which of two projects tied on score (or alpha, or time) wins: one of
    ``TIE_BREAKS`` (default: the id as text, pabutools' rule).
    Returns the Outcome: funded project ids in the order the rule chose them, and their cost.
    Raises RuleError when the rule or tie-break is unknown or the election lacks what it needs.
    """
    done = run_rule(election, rule, tie_break=tie_break)
    s = done.support
    return Outcome(
        rule=done.rule,
        budget=election.budget,
        selected=[s.ids[j] for j in done.selected],
        cost=sum((s.costs[j] for j in done.selected), start=0),
    )
