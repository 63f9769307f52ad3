"""The attack of issue 18 in a real browser, on the demo: a new account in Burngreave cannot
cast a ballot in the open process (verified residents only) until it is verified."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pbapp.demo import load_demo
from pbapp.demo.participation import OPEN
from pbapp.demo.verification import DEMO_CODES
from pbapp.extensions import db
from pbapp.models import Ballot, Process
from tests.conftest import link_in, outbox_rows

PASSWORD = "blue kettle morning walk"


@pytest.fixture()
def demo_site(app):
    load_demo()
    db.session.commit()


def _ballots() -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot))


def test_a_new_account_cannot_vote_until_verified(page, live_server, demo_site):
    process = db.session.scalar(select(Process).where(Process.title == OPEN))
    budget = next(
        b for b in process.budgets if b.neighbourhood and b.neighbourhood.name == "Burngreave"
    )
    before = _ballots()

    page.goto(live_server + "/account/register")
    assert "verified resident" in page.locator("main").inner_text()  # the sign-up page says so
    page.get_by_label("Your name").fill("Sock Puppet")
    page.get_by_label("Email address").fill("sock@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_label("Type part of the name to shorten the list").fill("burngreave")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Check your email").first.wait_for()
    # The account signs in once its address is checked (issue 19): follow the emailed link.
    db.session.expire_all()
    [message] = outbox_rows(to_address="sock@example.org", topic="account.email_check")
    page.goto(live_server + link_in(message, "/account/check/"))
    page.get_by_role("status").wait_for()

    page.goto(f"{live_server}/budgets/{budget.id}/vote")
    page.get_by_label("Community orchard").check()
    page.get_by_role("button", name="Cast my vote").click()
    assert "not verified yet" in page.get_by_role("alert").inner_text()
    db.session.expire_all()
    assert _ballots() == before

    page.get_by_role("link", name="Get verified", exact=True).click()
    letter = page.locator("form").filter(has=page.get_by_label("Code from your letter"))
    letter.get_by_label("Code from your letter").fill(DEMO_CODES[2])
    letter.get_by_label("Full name").fill("Sock Puppet")
    letter.get_by_label("Date of birth").fill("1990-02-03")
    letter.get_by_label("Postcode of the home").fill("S4 7ZZ")
    letter.get_by_role("button", name="Verify me").click()
    page.get_by_text("You are verified").wait_for()
    assert page.get_by_label("Community orchard").is_checked()  # the choice was kept
    page.get_by_role("button", name="Cast my vote").click()
    page.locator(".receipt-code").wait_for()
    db.session.expire_all()
    assert _ballots() == before + 1
