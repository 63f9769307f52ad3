"""Issue 16: one disclosure policy (docs/disclosure.md), proven on every public output.

Budgets with 1, 4, 9 and 10+ ballots are published; then the results page, the JSON API, the
open-data CSV and JSON, both ``.pb`` downloads, the open-data index and the fairness dashboard
are read, and none may show a number the policy withholds. Where the ``.pb`` is published, it
recounts to the published result. Before the fix the one-voter budget said "1 people voted",
its API said ``"voters": 1`` and its ``.pb`` held that person's ballot.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from allocation import pb
from pbapp.extensions import db
from pbapp.models import Result, User, UserRole
from pbapp.services.participation import disclosure
from pbapp.services.participation.results import publish_result
from tests.pb_factories import add_voters, make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _budget(area, supporters_a: int, supporters_b: int, ballots: int):
    """A closed budget in ``area``: ``ballots`` voters, the first ``supporters_a`` back A and
    the last ``supporters_b`` back B (a voter may back both); everyone backs something."""
    process = make_process("results", neighbourhoods=[area])
    budget = process.budgets[0]
    a = make_proposal(budget, f"Allotment {ballots}", 4000)
    b = make_proposal(budget, f"Benches {ballots}", 3000)
    votes = []
    for i in range(ballots):
        choice = {}
        if i < supporters_a:
            choice[a.id] = 1
        if i >= ballots - supporters_b:
            choice[b.id] = 1
        votes.append(choice or {a.id: 1})
    add_voters(budget, area, votes)
    return budget, a, b


@pytest.fixture()
def published(neighbourhoods, create_user):
    """Five budgets: 1, 4, 9 ballots; 12 (one project backed by 3); 20 (both backed by 5+)."""
    officer = User(name="Officer", email="o@example.org", role_rows=[UserRole(role="officer")])
    officer.set_password("x" * 12)
    db.session.add(officer)
    db.session.commit()
    area = neighbourhoods[0]
    cases = {
        1: _budget(area, 1, 0, 1),
        4: _budget(area, 3, 2, 4),
        9: _budget(area, 6, 4, 9),
        12: _budget(area, 12, 3, 12),
        20: _budget(area, 14, 8, 20),
    }
    for budget, _, _ in cases.values():
        publish_result(officer, budget, date.today())
    db.session.commit()
    return cases


def test_every_public_output_keeps_to_the_policy(client, published):
    rows = list(csv.DictReader(io.StringIO(text(client.get("/open-data/results.csv")))))
    records = client.get("/open-data/results.json").get_json()
    records = records.get("records", records.get("rows", []))
    index = text(client.get("/open-data/"))
    for ballots, (budget, a, b) in published.items():
        result = db.session.scalar(select(Result).where(Result.budget_id == budget.id))
        policy = disclosure.for_result(result)
        page = text(client.get(f"/budgets/{budget.id}/results"))
        api = client.get(f"/api/v1/budgets/{budget.id}/result").get_json()
        files = [
            client.get(f"/budgets/{budget.id}/ballots.pb"),
            client.get(f"/api/v1/budgets/{budget.id}/ballots.pb"),
        ]
        mine = [r for r in rows if r["budget_id"] == str(budget.id)]
        mine_json = [r for r in records if r["budget_id"] == budget.id]
        assert len(mine) == len(mine_json) == 2
        # Every project is listed with whether it was funded, whatever the number of ballots.
        assert {r["title"] for r in mine} == {a.title, b.title}
        assert a.title in page and b.title in page
        assert api["selected"] == result.selected
        listed = client.get(f"/api/v1/proposals?budget={budget.id}").get_json()["items"]
        said = " ".join(p["outcome"]["explanation"] for p in listed) + " ".join(
            line["explanation"] for line in api["proposals"]
        )
        for line in api["proposals"]:
            assert line["supporters"] is None or line["supporters"] >= disclosure.PEOPLE_FROM

        if ballots < 10:
            assert not policy.detailed
            assert "Fewer than 10 people voted" in page
            assert "fewer than 10 ballots" in page
            assert re.search(rf"\b{ballots} (people|person|votes?|ballots?)\b", page) is None
            assert api["voters"] is None and api["withheld"]
            assert re.search(r"\b\d+ (people|person|votes?|points?)\b", said) is None
            assert all(line["supporters"] is None for line in api["proposals"])
            assert all(f.status_code == 404 for f in files)
            assert all(r["voters"] == "fewer than 10" for r in mine + mine_json)
            assert all(r["supporters"] == disclosure.NOT_PUBLISHED for r in mine + mine_json)
            assert "result-chart" not in page
            assert "of them" not in page  # no share of voters
            assert (
                f'budget_id={budget.id}"' not in index
                and f"/budgets/{budget.id}/ballots.pb" not in index
            )
        else:
            assert api["voters"] == ballots
            assert f"{ballots} people voted" in page
            for r in mine + mine_json:
                assert r["voters"] in (ballots, str(ballots))
                value = r["supporters"]
                assert value == disclosure.FEW_PEOPLE or int(value) >= disclosure.PEOPLE_FROM
            few = ballots == 12  # Benches is backed by 3
            assert [r["supporters"] for r in mine if r["title"] == b.title] == (
                ["fewer than 5"] if few else ["8"]
            )
            assert (files[0].status_code == 200) is (not few)
            assert (files[1].status_code == 200) is (not few)
            assert (api["ballots"] is not None) is (not few)
            listed = f"/budgets/{budget.id}/ballots.pb" in index
            assert listed is (not few)
            if few:
                assert "fewer than 5 supporters" in page
                assert "3 votes" not in page and ">3<" not in page
            else:
                election = pb.read_pb(files[0].get_data(as_text=True))
                recount = pb.count(election, "official")
                assert [int(x) for x in recount.selected] == result.selected
                assert len(election.ballots) == ballots


def test_dashboard_and_fairness_download_show_no_small_budget_count(client, published):
    """The dashboard shows the newest process; each of our budgets is its own process."""
    for ballots, (budget, _, _) in published.items():
        page = text(client.get(f"/dashboard?process={budget.process_id}"))
        table = page.split("Voters, turnout, and voters who backed")[1].split("</table>")[0]
        row = table.split('<th scope="row">Hillside</th>')[1].split("</tr>")[0]
        # residents, voters, turnout, backed a funded project, backed none, share
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        people = [cells[1], cells[3], cells[4]]
        if ballots < 10:
            assert cells[1] != str(ballots)
            assert cells[2] == "—" and cells[5] == "—"  # no turnout, no share
        else:
            assert cells[1] == f"{ballots:,}"
        for cell in people:
            assert (
                cell
                in (
                    "fewer than 5",
                    "not published (fewer than 10 ballots)",
                    "hidden so that a small number elsewhere cannot be worked out",
                )
                or int(cell.replace(",", "")) >= disclosure.PEOPLE_FROM
            ), cell


def test_fairness_download_keeps_to_the_policy(client, published):
    """fairness.csv is the newest process's table: here the budget with 20 ballots."""
    rows = list(csv.DictReader(io.StringIO(text(client.get("/open-data/fairness.csv")))))
    hillside = next(r for r in rows if r["neighbourhood"] == "Hillside")
    assert hillside["voters"] == "20"
    for r in rows:
        for column in ("voters", "voters_with_funded_project", "voters_without_funded_project"):
            value = r[column]
            assert (
                value
                in (
                    "",
                    "fewer than 5",
                    "not published (fewer than 10 ballots)",
                    "hidden so that a small number elsewhere cannot be worked out",
                )
                or int(value) >= disclosure.PEOPLE_FROM
            ), (column, value)


def test_policy_numbers_hold_for_any_ballot_count():
    for ballots in range(0, 40):
        policy = disclosure.Disclosure(ballots=ballots, supporters={"1": ballots, "2": 0})
        assert (policy.voters is None) is (ballots < 10)
        assert not policy.ballots_file  # project 2 has no supporters
        for share in (0.0, 0.1, 0.25, 0.5, 0.75, 1.0):
            shown = policy.share_of_voters(share)
            if shown is not None:
                with_ = round(share * ballots)
                assert with_ >= 5 and ballots - with_ >= 5
