"""Issue 16: "1 people voted", "1 projects are funded". Plurals are made in one place
(``pbapp.formatting.counted``, the ``counted`` template filter) for every count."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest

from pbapp.extensions import db
from pbapp.formatting import counted, plural
from pbapp.services.participation.results import publish_result
from tests.pb_factories import add_voters, make_process, make_proposal


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [
        (1, "project", "1 project"),
        (2, "project", "2 projects"),
        (0, "project", "0 projects"),
        (1, "person", "1 person"),
        (2, "person", "2 people"),
        (1_204, "person", "1,204 people"),
        (1, "paper ballot", "1 paper ballot"),
        (3, "paper ballot", "3 paper ballots"),
    ],
)
def test_counted_says_one_thing_and_many_things(n, word, expected):
    assert counted(n, word) == expected


def test_plural_of_is():
    assert (plural("is", 1), plural("is", 2)) == ("is", "are")


def test_a_result_with_one_funded_project_says_1_project_is_funded(
    client, neighbourhoods, create_user
):
    area = neighbourhoods[0]
    process = make_process("results", neighbourhoods=[area])
    budget = process.budgets[0]
    big = make_proposal(budget, "Big hall", 9_000)
    small = make_proposal(budget, "Small bench", 3_000)
    add_voters(budget, area, [{big.id: 1}] * 6 + [{big.id: 1, small.id: 1}] * 5)
    publish_result(create_user("officer"), budget, date.today())
    db.session.commit()
    page = unescape(client.get(f"/budgets/{budget.id}/results").get_data(as_text=True))
    assert "1 project is funded" in page
    assert "1 projects" not in page
    assert "11 people voted" in page
