"""The core-funding journeys in a real browser (Debian's Chromium, driven by Playwright): a group
sets up its profile, an officer checks it and builds, previews and publishes a round, the public
reads and downloads the awards, and the group reads its statement and reports a mistake.
"""

from __future__ import annotations

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models.core_funding import CoreFundingRound, CorrectionRequest, Organisation
from tests.conftest import PASSWORD
from tests.test_vcs_factories import add_need, make_group


def sign_in(tab, base: str, email: str) -> None:
    tab.goto(base + "/account/sign-in")
    tab.get_by_label("Email address").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_label("Password").press("Enter")
    assert "Signed in as" in tab.get_by_role("status").inner_text()


def sign_out(tab) -> None:
    tab.get_by_role("button", name="Sign out").click()


def test_group_officer_and_public_each_do_their_part(
    app,
    live_server,
    page,
    neighbourhoods,
    create_user,
):
    add_need(neighbourhoods)
    riverside = neighbourhoods[1]
    make_group("Riverside Carers", [60_000, 55_000], {riverside: 200})
    keeper = create_user("vcs", name="Kim Keeper").email
    officer = create_user("officer", name="Omar Officer").email
    base = live_server
    journey(page, base, keeper, officer)


def journey(page, base: str, keeper: str, officer: str) -> None:
    # The group sets up its profile; a refused figure first.
    sign_in(page, base, keeper)
    page.goto(base + "/core-funding/my-group")
    page.get_by_label("Group name").fill("Hillside Lunch Club")
    page.get_by_label("Year your latest accounts ended").fill("2025")
    page.get_by_label("Income in your latest year").fill("lots")
    page.get_by_label("Hillside", exact=True).fill("120")
    page.get_by_label("Hillside: of them, intensive support").fill("20")
    page.get_by_label("The period your figures cover").fill("April 2025 to March 2026")
    page.get_by_label("How you counted").fill("Names on our lunch register, each counted once")
    page.get_by_role("button", name="Save profile").click()
    assert "There is a problem" in page.get_by_role("alert").inner_text()
    assert (
        db.session.scalar(select(Organisation).where(Organisation.name.like("Hillside%"))) is None
    )
    page.get_by_label("Income in your latest year").fill("£9,000")
    page.get_by_role("button", name="Save profile").click()
    assert "An officer will check its eligibility" in page.get_by_role("status").inner_text()
    assert "Not checked yet" in page.content()
    sign_out(page)

    # The officer checks eligibility, builds a round, tries a pot too small, then publishes.
    sign_in(page, base, officer)
    page.goto(base + "/core-funding/groups")
    page.get_by_role("link", name="Check Hillside Lunch Club").click()
    for label in ("Constituted", "Serves residents", "safeguarding", "annual accounts"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Save the check").click()
    assert "is eligible for core funding" in page.get_by_role("status").inner_text()

    page.goto(base + "/core-funding/")
    page.get_by_role("link", name="Start a new round").click()
    page.get_by_label("Title").fill("Core funding 2027 to 2030")
    page.get_by_label("Pot per year").fill("20000")
    page.get_by_label("First year").fill("2027")
    page.get_by_role("button", name="Save settings").click()
    assert "Draft: not public" in page.content()
    assert page.locator("svg").count() == 2

    page.get_by_label("Pot per year").fill("1000")
    page.get_by_role("button", name="Preview these settings").click()
    problem = page.get_by_role("alert").filter(has_text="cannot share the pot")
    # New rounds taper the base: £9,000 of income gives £2,800, an average of £57,500 £4,055.56.
    assert "The base amounts alone come to £6,856 a year" in problem.inner_text()
    page.get_by_role("link", name="Back to the saved settings").click()

    page.get_by_role("button", name="Publish the round").click()  # not confirmed yet
    assert "Tick the box" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("I have checked the awards").check()
    page.get_by_role("button", name="Publish the round").click()
    assert "The round is published" in page.get_by_role("status").inner_text()
    funding_round = db.session.scalar(select(CoreFundingRound))
    assert funding_round.status == "published"
    sign_out(page)

    # Anyone reads the awards and downloads them.
    page.goto(base + "/core-funding/")
    page.get_by_role("link", name="Core funding 2027 to 2030", exact=True).click()
    assert "Hillside Lunch Club" in page.content() and "Riverside Carers" in page.content()
    csv_link = page.get_by_role("link", name="Download all awards (CSV)")
    response = page.request.get(base + csv_link.get_attribute("href"))
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text().splitlines()[0].startswith("round,group,")

    # The group reads its statement and reports a mistake in its data.
    sign_in(page, base, keeper)
    page.goto(base + "/core-funding/my-group")
    page.get_by_role("link", name="Award statement for Core funding 2027 to 2030").click()
    assert "How every pound was worked out" in page.content()
    page.get_by_role("link", name="report a mistake in this data").click()
    page.get_by_label("Our income figures").check()
    page.get_by_label("What should it say?").fill("Our 2025 income was £19,000, not £9,000.")
    page.get_by_role("button", name="Send to an officer").click()
    assert "An officer will look at it" in page.get_by_role("status").inner_text()
    sign_out(page)

    # The officer declines it, with a reason the group then reads.
    sign_in(page, base, officer)
    page.goto(base + "/core-funding/corrections")
    page.get_by_role("link", name="Decide on the request of Hillside Lunch Club").click()
    page.get_by_label("Decline: the data was right").check()
    page.get_by_label("Reason, shown to the group").fill("Your accounts show £9,000 for 2025.")
    page.get_by_role("button", name="Save decision").click()
    request = db.session.scalar(select(CorrectionRequest))
    db.session.refresh(request)
    assert (request.status, request.reason) == ("declined", "Your accounts show £9,000 for 2025.")
