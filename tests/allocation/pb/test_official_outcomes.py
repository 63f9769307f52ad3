"""Counting each shared file with ``--rule official`` gives the outcome the city published.

Every file whose PROJECTS section has a ``selected`` column is compared. A mismatch is listed
here only with its explanation, which docs/counting.md gives in full; the test fails if a
listed mismatch disappears or a new one appears.
"""

from __future__ import annotations

import pytest

from allocation.pb import RuleError, count
from tests.allocation.pb.conftest import FILES, load

# file -> (published ids our "official" count leaves out, ids it adds), with the reason.
EXPLAINED = {
    # pabutools' add1 stops at the first exhaustive outcome (each voter's share B/n + 150);
    # the city kept raising shares while the outcome fitted (B/n + 164): see docs/counting.md.
    "poland_wieliczka_2023.pb": ({"46"}, {"66", "67"}),
}

# Files that publish no outcome or name no rule we can apply (docs/counting.md, "Official").
NO_OFFICIAL = {
    "Switzerland_Zurich_D10.pb": "experiment: META rule is 'unknown', no selected column",
    "Switzerland_Zurich_S5R.pb": "experiment: META rule is 'unknown', no selected column",
    "US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb": "META rule is 'unknown'",
    "france_toulouse_2019_.pb": "no selected column",
    "poland_gdansk_2020_.pb": "no selected column",
}


def published(name: str) -> set[str]:
    return {p.id for p in load(name).projects if p.fields.get("selected", "").strip() == "1"}


@pytest.mark.parametrize("name", [f for f in FILES if f not in NO_OFFICIAL])
def test_official_rule_reproduces_the_published_outcome(name):
    ours = set(count(load(name), "official").selected)
    missing, extra = EXPLAINED.get(name, (set(), set()))
    assert published(name) - ours == missing
    assert ours - published(name) == extra


@pytest.mark.parametrize("name", sorted(NO_OFFICIAL))
def test_files_without_an_official_outcome_say_so(name):
    election = load(name)
    assert "selected" not in election.projects[0].fields or not published(name)
    if election.meta.get("rule") == "unknown":
        with pytest.raises(RuleError, match="not a rule we can apply"):
            count(election, "official")


@pytest.mark.parametrize(
    "name", ["poland_wieliczka_2023.pb", "Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb"]
)
def test_raising_shares_until_over_budget_reproduces_every_published_equal_shares_result(name):
    assert set(count(load(name), "mes-add1-last-fit").selected) == published(name)
