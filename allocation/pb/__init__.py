"""Counting participatory-budgeting votes: which proposals are funded, and why.

Rules (ids as on the command line, see ``RULES``):

- ``greedy``: projects by score, highest first, skipping a project that no longer fits
- ``greedy-no-skip``: as greedy, stopping at the first project that does not fit
- ``greedy-threshold``: greedy over projects whose score reaches META min_project_score_threshold
- ``mes``: Method of Equal Shares, cost utilities, no completion
- ``mes-add1``: Equal Shares with the "add1" completion cities use
- ``mes-add1-greedy``: ``mes-add1``, then greedy for the money left
- ``mes-add1-last-fit``: ``mes-add1`` raising shares until over budget, even past an
  exhaustive outcome (reproduces the published Wieliczka 2023 result)
- ``phragmen``: sequential Phragmén
- ``official`` (for :func:`count` and :func:`explain`): the rule the election's META names

Score: approvals; total points (cumulative, scoring); Borda points (ordinal). A project nobody
supports is never funded. Ties go to the smaller project id (as a string). Every decision is
exact (integers and Fractions). The web app counts a budget with one call::

    from allocation.pb import Election, Project, count, explain

    election = Election(
        budget=100_000,
        projects=[Project("1", 40_000, "Tree planting"), Project("2", 70_000, "Skate park")],
        ballots=[{"1"}, {"1", "2"}, {"2"}],      # approval sets; points dicts; rankings
        vote_type="approval",
    )
    outcome = count(election, "mes-add1")        # Outcome(rule, budget, selected, cost)
    outcome.selected                             # funded ids, in the order chosen
    explain(election, "mes-add1").to_dict()      # why, per project, as JSON-ready data

``read_pb(path or text)`` and ``write_pb(election)`` read and write pabulib ``.pb`` files;
``check_pb`` lists a file's faults.
"""

from allocation.pb.election import Ballot, Election, Project
from allocation.pb.explain import Explanation, ProjectExplanation, explain
from allocation.pb.metrics import Comparison, ResultFigures
from allocation.pb.pabulib import read_pb, write_pb
from allocation.pb.rules import OFFICIAL, RULES, Outcome, Rule, RuleError, count
from allocation.pb.validate import Fault, PbFormatError, check_pb

__all__ = [
    "Ballot",
    "Comparison",
    "Election",
    "Explanation",
    "Fault",
    "OFFICIAL",
    "Outcome",
    "PbFormatError",
    "Project",
    "ProjectExplanation",
    "RULES",
    "ResultFigures",
    "Rule",
    "RuleError",
    "check_pb",
    "count",
    "explain",
    "read_pb",
    "write_pb",
]
