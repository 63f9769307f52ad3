"""Properties every count keeps, on random elections: within budget, nothing affordable left
behind that the rule would fund, and the same result whatever the order of the ballots."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.pb import RULES, Ballot, Election, Project, count
from allocation.pb.mes import is_exhaustive, run_mes, spent
from allocation.pb.rules import run_rule


@st.composite
def elections(draw):
    vote_type = draw(st.sampled_from(["approval", "cumulative", "ordinal"]))
    m = draw(st.integers(1, 7))
    ids = [f"p{i}" for i in range(m)]
    costs = draw(st.lists(st.integers(0, 15), min_size=m, max_size=m))
    budget = draw(st.integers(0, 50) | st.fractions(0, 50, max_denominator=4))
    ballots = []
    for _ in range(draw(st.integers(0, 9))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=m))
        if vote_type == "cumulative":
            ballots.append({p: draw(st.integers(0, 3)) for p in chosen})
        else:
            ballots.append(chosen)
    return Election(
        budget=budget,
        projects=[Project(i, c) for i, c in zip(ids, costs, strict=True)],
        ballots=ballots,
        vote_type=vote_type,
        meta={"min_project_score_threshold": str(draw(st.integers(0, 3)))},
    )


def supported(election: Election) -> set[str]:
    return {p for p, s in election.scores().items() if s > 0}


@pytest.mark.parametrize("rule", list(RULES))
@settings(max_examples=30, deadline=None)
@given(election=elections())
def test_never_over_budget_and_never_funds_a_project_nobody_supports(rule, election):
    outcome = count(election, rule)
    costs = {p.id: p.cost for p in election.projects}
    assert outcome.cost == sum(costs[p] for p in outcome.selected) <= election.budget
    assert set(outcome.selected) <= supported(election)
    assert len(set(outcome.selected)) == len(outcome.selected)


@pytest.mark.parametrize("rule", ["greedy", "greedy-threshold", "mes-add1-greedy"])
@settings(max_examples=30, deadline=None)
@given(election=elections())
def test_greedy_leaves_no_affordable_supported_project_unfunded(rule, election):
    outcome = count(election, rule)
    left = election.budget - outcome.cost
    threshold = int(election.meta["min_project_score_threshold"])
    scores = election.scores()
    eligible = {
        p for p in supported(election) if rule != "greedy-threshold" or scores[p] >= threshold
    }
    assert not [
        p.id
        for p in election.projects
        if p.id in eligible and p.id not in outcome.selected and p.cost <= left
    ]


@settings(max_examples=40, deadline=None)
@given(election=elections())
def test_add1_stops_only_when_exhaustive_or_the_next_step_would_overspend(election):
    done = run_rule(election, "mes-add1")
    support, run = done.support, done.mes
    if not support.n or is_exhaustive(support, run.selected):
        return
    following = run_mes(support, run.budget_per_voter + 1)
    assert spent(support, following.selected) > support.budget


@pytest.mark.parametrize("rule", ["mes-add1", "mes-add1-last-fit"])
@settings(max_examples=30, deadline=None)
@given(election=elections())
def test_add1_equals_plain_reruns_one_step_at_a_time(rule, election):
    """The skipping proofs (add1.py) change nothing: compare with the definition itself."""
    done = run_rule(election, rule)
    support = done.support
    if not support.n:
        return
    wanted = sum(1 for j in range(support.m) if len(support.voters[j]))
    start, step, previous = Fraction(support.budget) / support.n, 0, []
    while True:
        run = run_mes(support, start + step)
        if spent(support, run.selected) > support.budget:
            expected = previous
            break
        if len(run.selected) == wanted or (
            rule == "mes-add1" and is_exhaustive(support, run.selected)
        ):
            expected = run.selected
            break
        previous, step = run.selected, step + 1
    assert done.selected == expected


@pytest.mark.parametrize("rule", list(RULES))
@settings(max_examples=25, deadline=None)
@given(election=elections(), seed=st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_the_ballots(rule, election, seed):
    shuffled = list(election.ballots)
    seed.shuffle(shuffled)
    again = Election(
        budget=election.budget,
        projects=election.projects,
        ballots=[Ballot(b.vote, b.voter_id) for b in shuffled],
        vote_type=election.vote_type,
        meta=election.meta,
    )
    assert count(again, rule) == count(election, rule)
