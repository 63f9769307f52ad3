"""The demo's real wards, their pages, and the demo loader."""

from __future__ import annotations

import csv
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, WARDS_CSV, load_demo
from pbapp.extensions import db
from pbapp.models import NeedIndicator, Neighbourhood, User


def ward_rows() -> list[dict]:
    with WARDS_CSV.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture()
def demo(app):
    load_demo()
    db.session.commit()


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Neighbourhood, NeedIndicator, User)
    )


def test_demo_loads_every_ward_and_one_account_per_role(demo):
    rows = ward_rows()
    assert len(rows) == 28
    # Per ward: IMD 2025 and 2019, the decile share, income-deprived people 2025 and the
    # Census 2021 population (the funding scenario's population source).
    assert counts()[:2] == (28, 28 * 5)
    assert db.session.scalar(
        select(func.count()).select_from(User).where(User.is_active_account)
    ) == len(DEMO_ACCOUNTS)
    roles = {r for u in db.session.scalars(select(User)) for r in u.roles}
    assert roles == {"resident", "officer", "funder", "vcs", "admin"}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        assert user.check_password(DEMO_PASSWORD)


def test_loading_the_demo_twice_adds_nothing(demo):
    before = counts()
    report = load_demo()
    db.session.commit()
    assert counts() == before
    assert (report.neighbourhoods_added, report.indicators_added, report.accounts_added) == (
        0,
        0,
        0,
    )


def test_demo_has_a_finished_process_with_published_results_and_one_open_for_voting(demo, client):
    from pbapp.demo.participation import FINISHED, OPEN
    from pbapp.models import Ballot, Process, Result

    finished = db.session.scalar(select(Process).where(Process.title == FINISHED))
    open_one = db.session.scalar(select(Process).where(Process.title == OPEN))
    assert finished.phase_on(date.today()) == "delivery"
    assert open_one.phase_on(date.today()) == "voting"
    results = db.session.scalars(select(Result)).all()
    assert {r.budget_id for r in results} == {b.id for b in finished.budgets}
    voters = db.session.scalar(select(func.count(func.distinct(Ballot.voter_id))))
    assert voters >= 200
    for result in results:
        page = client.get(f"/budgets/{result.budget_id}/results")
        assert page.status_code == 200


def test_demo_command_refuses_in_production(app):
    app.config["DEMO_ALLOWED"] = False
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "development only" in result.output
    assert counts() == (0, 0, 0)


def test_demo_command_prints_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    for account in DEMO_ACCOUNTS:
        assert account.email in result.output


def test_neighbourhood_list_ranks_wards_from_most_deprived(client, demo):
    rows = sorted(ward_rows(), key=lambda r: -float(r["imd2025_score"]))
    page = unescape(client.get("/neighbourhoods/").get_data(as_text=True))
    positions = [page.index(f">{row['name']}</a></th>") for row in rows]
    assert positions == sorted(positions)
    assert '<svg role="img"' in page  # the chart, with the table as its text alternative


def test_neighbourhood_page_shows_population_need_and_rank(client, demo):
    rows = sorted(ward_rows(), key=lambda r: -float(r["imd2025_score"]))
    for rank, row in enumerate(rows, start=1):
        page = unescape(client.get(f"/neighbourhoods/{row['code']}").get_data(as_text=True))
        assert f"<h1>{row['name']}</h1>" in page
        assert f"{int(row['population']):,}" in page
        assert f"{float(row['imd2025_score']):.1f}" in page
        assert "most deprived of the city's 28 neighbourhoods" in page
        assert f"It is the {rank}" in page
        assert page.count("<h2>Funded projects</h2>") == 1


def test_unknown_neighbourhood_is_404(client, demo):
    assert client.get("/neighbourhoods/E05000000").status_code == 404


def test_a_neighbourhood_lists_the_city_wide_budgets_open_to_its_residents(client, neighbourhoods):
    """Issue 17: a ward page said no process had a budget there while a city-wide vote open to
    its residents was running."""
    from tests.pb_factories import make_process

    here, elsewhere = neighbourhoods[0], neighbourhoods[1]
    citywide = make_process("voting", neighbourhoods=[elsewhere], citywide=50_000)
    city_budget = next(b for b in citywide.budgets if b.neighbourhood_id is None)
    other_budget = next(b for b in citywide.budgets if b.neighbourhood_id == elsewhere.id)
    page = client.get(f"/neighbourhoods/{here.code}").get_data(as_text=True)
    assert "No participatory budgeting process" not in page
    assert f'href="/budgets/{city_budget.id}"' in page
    assert "city-wide budget" in page
    assert f'href="/budgets/{other_budget.id}"' not in page
