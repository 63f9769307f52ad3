"""Participatory budgeting in a real browser: propose, review, vote (with the running total),
check the receipt, publish and read the result."""

from __future__ import annotations

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Ballot, Proposal, Result
from tests.conftest import PASSWORD
from tests.pb_factories import make_process, make_proposal


def sign_in(page, base: str, user) -> None:
    page.goto(base + "/account/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("status").wait_for()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_resident_proposes_and_officer_reviews(page, live_server, create_user, neighbourhoods):
    proposing = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    reviewing = make_process("review", neighbourhoods=neighbourhoods[:1])
    waiting = make_proposal(reviewing.budgets[0], "Pocket park", 6000, status="submitted")
    resident, officer = create_user("resident"), create_user("officer")

    sign_in(page, live_server, resident)
    page.goto(f"{live_server}/budgets/{proposing.budgets[0].id}")
    page.get_by_role("link", name="Propose a project").click()
    page.get_by_label("Title", exact=True).fill("Seated yoga in the library")
    page.get_by_label("Summary", exact=True).fill("Gentle weekly exercise for older residents.")
    page.get_by_label("Description").fill("A trained teacher, chairs, and tea afterwards.")
    page.get_by_label("Estimated cost in pounds").fill("£2,400")
    page.get_by_label("Theme").select_option(label="Early help and health checks")
    page.get_by_role("button", name="Submit for review").click()
    assert "submitted for review" in page.get_by_role("status").inner_text()
    proposal = db.session.scalar(
        select(Proposal).where(Proposal.title == "Seated yoga in the library")
    )
    assert (proposal.status, proposal.cost) == ("submitted", 2400)
    sign_out(page)

    sign_in(page, live_server, officer)
    page.goto(f"{live_server}/proposals/{waiting.id}/review")
    page.get_by_label("Not feasible").check()
    page.get_by_role("button", name="Save review").click()
    assert "Say why the proposal is not feasible" in page.get_by_role("alert").inner_text()
    page.get_by_label("Note for the author and the public").fill("The land belongs to the railway.")
    page.get_by_role("button", name="Save review").click()
    page.goto(f"{live_server}/proposals/{waiting.id}")
    assert "The land belongs to the railway." in page.content()


def test_resident_votes_within_the_budget_and_checks_the_receipt(
    page, live_server, create_user, neighbourhoods
):
    process = make_process("voting", ballot_type="knapsack", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    trees, walks, lunch = (
        make_proposal(budget, name, cost)
        for name, cost in (("Tree planting", 4000), ("Walking group", 3000), ("Lunch club", 5000))
    )
    sign_in(page, live_server, create_user("resident"))
    page.goto(f"{live_server}/budgets/{budget.id}")
    page.get_by_role("link", name="Vote").click()

    total = page.locator(".running-total")
    page.get_by_label("Tree planting").check()
    page.get_by_label("Lunch club").check()
    assert "£9,000 of £10,000" in total.inner_text()
    page.get_by_label("Walking group").check()
    assert "£2,000 too much" in total.inner_text()
    page.get_by_role("button", name="Cast my vote").click()
    assert "more than the budget of £10,000" in page.get_by_role("alert").inner_text()
    assert db.session.scalar(select(Ballot)) is None

    page.get_by_label("Lunch club").uncheck()
    page.get_by_role("button", name="Cast my vote").click()
    code = page.locator(".receipt-code").inner_text()
    ballot = db.session.scalar(select(Ballot))
    assert {i.proposal_id for i in ballot.items} == {trees.id, walks.id}

    page.goto(f"{live_server}/receipts")
    page.get_by_label("Receipt code").fill(code)
    page.get_by_label("Receipt code").press("Enter")
    assert "a ballot with this code is counted" in page.get_by_role("status").inner_text()
    assert lunch.title not in page.get_by_role("status").inner_text()


def test_officer_publishes_and_anyone_reads_why(page, live_server, create_user, counted):
    budget, projects = counted
    sign_in(page, live_server, create_user("officer"))
    page.goto(f"{live_server}/budgets/{budget.id}")
    page.get_by_role("link", name="Count and publish the result").click()
    page.get_by_role("button", name="Count and publish the result").click()
    assert "The result is published" in page.get_by_role("status").inner_text()
    sign_out(page)

    page.goto(f"{live_server}/budgets/{budget.id}/results")
    result = db.session.scalar(select(Result))
    table = page.get_by_role("table", name="Projects in the order the count considered them")
    assert table.get_by_role("row").count() == 1 + len(projects)
    for project in projects:
        # The row whose header is this project (another row's "Why" may name it: a tie).
        header = page.get_by_role("rowheader", name=project.title, exact=True)
        row = table.get_by_role("row").filter(has=header)
        expected = "Yes" if project.id in result.selected else "No"
        assert row.get_by_role("cell").nth(2).inner_text() == expected
    assert page.get_by_role("img", name="Votes for each project").count() == 1
