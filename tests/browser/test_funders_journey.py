"""The funder's journey in a real browser (Debian's Chromium, driven by Playwright): import need
data, record a contribution, build a scenario, publish it as a process's neighbourhood budgets,
and the public reads how the money was divided. axe-core checks every funders' page on the way
for WCAG 2.2 A/AA violations.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Budget
from pbapp.models.funding import Scenario
from tests.browser.axe import page_violations
from tests.conftest import PASSWORD
from tests.pb_factories import make_process

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "funders"


def test_funder_goes_from_need_data_to_published_budgets(
    app,
    live_server,
    audit_page,
    neighbourhoods,
    create_user,
    axe_source,
):
    account = create_user("funder", name="Fatima Funder")
    account.funding_organisation = "NHS South Yorkshire ICB"  # the contribution it records
    db.session.commit()
    funder = account.email
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    base = live_server
    problems: list[str] = []
    journey(audit_page, base, funder, process.title, problems, axe_source)

    scenario = db.session.scalar(select(Scenario))
    assert scenario.is_published and scenario.published_to_process_id == process.id
    budgets = db.session.scalars(select(Budget).where(Budget.process_id == process.id)).all()
    assert sum(b.amount for b in budgets) == 90_000
    assert problems == []


def journey(
    page, base: str, funder: str, process_title: str, problems: list[str], axe_source: str
) -> None:
    def check() -> None:
        problems.extend(page_violations(page, axe_source))

    page.goto(base + "/account/sign-in")
    page.get_by_label("Email address").fill(funder)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    assert "Signed in as" in page.get_by_role("status").inner_text()

    # Need data: a refused lookup first, then the good files.
    page.goto(base + "/funding/need-data")
    check()
    page.get_by_label("Indices of Deprivation file (CSV)").set_input_files(
        str(FIXTURES / "iod2025_file7.csv")
    )
    page.get_by_label("LSOA to ward lookup (CSV)").set_input_files(
        str(FIXTURES / "iod2025_file7.csv")
    )
    page.get_by_role("button", name="Import deprivation figures").click()
    assert "no neighbourhood column" in page.get_by_role("alert").inner_text()
    check()
    page.get_by_label("Indices of Deprivation file (CSV)").set_input_files(
        str(FIXTURES / "iod2025_file7.csv")
    )
    page.get_by_label("LSOA to ward lookup (CSV)").set_input_files(
        str(FIXTURES / "lsoa_to_ward.csv")
    )
    page.get_by_role("button", name="Import deprivation figures").click()
    assert (
        "Imported 6 indicators for 3 neighbourhoods"
        in page.get_by_role("status").first.inner_text()
    )

    # A contribution with restrictions.
    page.goto(base + "/funding/contributions/new")
    check()
    page.get_by_label("Funder", exact=True).fill("NHS South Yorkshire ICB")
    page.get_by_label("Amount in pounds").fill("£90,000")
    page.get_by_label("Money may be spent from").fill("2020-04-01")
    page.get_by_label("Money may be spent until").fill("2040-03-31")
    page.get_by_label("Early help and health checks").check()
    page.get_by_role("button", name="Save contribution").click()
    assert "Contribution saved" in page.get_by_role("status").inner_text()
    check()

    # A scenario: a refused parameter, then the amounts.
    page.goto(base + "/funding/scenarios/new")
    check()
    page.get_by_label("Name").fill("Half by need")
    page.get_by_label("Budget to share between neighbourhoods, in pounds").fill("90000")
    page.get_by_label("Share given per resident (u), in %").fill("150")
    page.get_by_role("button", name="Save and see the amounts").click()
    assert "Enter a percentage from 0 to 100" in page.get_by_role("alert").inner_text()
    check()
    page.get_by_label("Share given per resident (u), in %").fill("50")
    page.get_by_role("button", name="Save and see the amounts").click()
    assert "Scenario saved" in page.get_by_role("status").inner_text()
    assert page.get_by_role("img", name="Amount per resident in each neighbourhood").count() == 1
    check()

    page.goto(base + "/funding/pool")
    check()

    # Publish as the process's budgets; the public page explains them.
    page.goto(base + "/funding/scenarios/")
    check()
    page.get_by_role("link", name="Half by need").click()
    page.get_by_label("Set these amounts as the neighbourhood budgets of").select_option(
        label=next(
            o
            for o in page.locator("#process_id option").all_inner_texts()
            if o.startswith(process_title)
        )
    )
    page.get_by_role("button", name="Publish this scenario").click()
    check()  # the budgets that change, to confirm (issue 16)
    page.get_by_role("button", name="Publish and set these budgets").click()
    assert "neighbourhood budgets of" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Public page").click()
    assert "How the money was divided, and why" in page.content()
    check()
    page.goto(base + "/funding/")
    check()
