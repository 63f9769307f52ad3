"""Explanations residents read: who paid what, what a project lacked, reach and comparison."""

from __future__ import annotations

import json
from fractions import Fraction

from allocation.pb import Election, Project, explain

# Six voters, 60 to spend: 10 each under Equal Shares.
ELECTION = Election(
    budget=60,
    projects=[
        Project("pool", 40, "Pool"),
        Project("path", 18, "Path"),
        Project("mural", 30, "Mural"),
        Project("kiosk", 5, "Kiosk"),
    ],
    ballots=[{"pool"}, {"pool"}, {"pool", "path"}, {"pool", "path"}, {"path", "mural"}, {"mural"}],
)


def line(explanation, pid):
    return next(p for p in explanation.projects if p.id == pid)


def test_funded_project_shows_how_its_cost_was_shared():
    exp = explain(ELECTION, "mes")
    pool = line(exp, "pool")
    assert pool.funded and pool.outcome == "funded"
    assert pool.cost_shares[0].amount == 10 and pool.cost_shares[0].voters == 4
    assert sum(s.amount * s.voters for s in pool.cost_shares) == 40


def test_unfunded_project_shows_what_it_lacked_and_where_its_supporters_money_went():
    exp = explain(ELECTION, "mes")
    mural = line(exp, "mural")
    assert not mural.funded
    assert mural.outcome == "too_little_support"  # two supporters hold 20 of its 30
    assert mural.lacked == 30 - mural.supporters_money_left
    assert mural.highest_cost_that_fits == mural.supporters_money_left
    assert line(exp, "kiosk").outcome == "no_support"


def test_supporters_who_spent_their_share_elsewhere_are_named_as_the_reason():
    election = Election(
        budget=30,
        projects=[Project("a", 20), Project("b", 15)],
        ballots=[{"a", "b"}, {"a", "b"}, {"a"}],
    )
    exp = explain(election, "mes")
    b = line(exp, "b")
    assert [p.id for p in exp.projects if p.funded] == ["a"]
    assert b.outcome == "supporters_money_spent_on_other_projects"
    assert b.spent_by_supporters_on_other_projects == Fraction(40, 3)


def test_greedy_shows_the_money_left_when_a_project_did_not_fit():
    exp = explain(ELECTION, "greedy")
    mural = line(exp, "mural")
    assert mural.outcome == "did_not_fit"
    assert mural.money_left_when_considered == 2 and mural.lacked == 28


def test_whole_result_has_spend_reach_and_greedy_beside_equal_shares():
    exp = explain(ELECTION, "mes-add1")
    assert exp.result.spent == sum(p.cost for p in exp.projects if p.funded)
    reached = exp.result.voters_with_a_funded_project
    assert exp.result.share_of_voters_with_a_funded_project == round(reached / 6, 4)
    comparison = exp.comparison
    assert comparison.greedy.rule == "greedy" and comparison.equal_shares.rule == "mes-add1"
    assert set(comparison.both) | set(comparison.only_greedy) == set(comparison.greedy.selected)


def test_explanation_is_json_ready():
    data = explain(ELECTION, "mes-add1-greedy").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["rule_name"] == "Method of Equal Shares, add1 then greedy"
