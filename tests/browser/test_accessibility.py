"""axe-core, in Chromium, finds no WCAG 2.2 A or AA violation on the main pages, for each role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pbapp.demo import DEMO_PASSWORD, load_demo
from pbapp.extensions import db
from pbapp.models import Neighbourhood, Process, Proposal, Result, User
from pbapp.models.verification import Verification
from pbapp.services import core_funding
from tests.browser.axe import page_violations
from tests.pb_factories import make_process


@pytest.fixture()
def demo_site(app):
    load_demo()
    db.session.commit()


# Error pages checked on purpose; any other page that fails to load is itself a problem (axe
# would otherwise check the error page in its place and pass).
ERROR_PAGES = {"/no/such/page", "/receipts?code=ABCDE-23456"}


def violations(page, base: str, url: str, axe_source: str) -> list[str]:
    response = page.goto(base + url)
    if response.status >= 400 and url not in ERROR_PAGES:
        return [f"{url}: HTTP {response.status}"]
    return page_violations(page, axe_source)


def public_urls() -> list[str]:
    finished = db.session.scalar(
        select(Process).where(Process.voting_start < Process.results_start).order_by(Process.id)
    )
    result = db.session.scalar(select(Result))
    proposal = db.session.scalar(select(Proposal))
    area = db.session.scalar(select(Neighbourhood).where(Neighbourhood.name == "Burngreave"))
    return [
        "/",
        "/neighbourhoods/",
        f"/neighbourhoods/{area.code}",
        "/about/data",
        "/account/register",
        "/account/sign-in",
        "/account/forgot-password",
        "/account/register/check-your-email",
        "/processes/",
        f"/processes/{finished.id}",
        f"/processes/{finished.id}/proposals",
        f"/budgets/{result.budget_id}",
        f"/budgets/{result.budget_id}/results",
        f"/proposals/{proposal.id}",
        "/receipts",
        "/api/v1/docs",
        "/receipts?code=ABCDE-23456",
        "/no/such/page",
    ]


def test_public_pages_have_no_accessibility_violations(browser, live_server, demo_site, axe_source):
    context = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    problems = [p for url in public_urls() for p in violations(page, live_server, url, axe_source)]
    context.close()
    assert problems == []


def signed_in_urls(role: str) -> list[str]:
    open_process = db.session.scalar(select(Process).order_by(Process.id.desc()))
    home = next(
        b for b in open_process.budgets if b.neighbourhood and b.neighbourhood.name == "Burngreave"
    )
    rosa = db.session.scalar(select(User).where(User.email == "resident@demo.test"))
    urls = {
        "resident": [
            "/account/",
            "/account/password",
            "/account/notices",
            "/account/delete",
            f"/budgets/{home.id}/vote",
            # The demo's open process is past proposals (the form would be a 403): one taking them.
            f"/budgets/{make_process('proposals', neighbourhoods=[home.neighbourhood]).budgets[0].id}/propose",
            "/verification/",
        ],
        "officer": [
            "/processes/new",
            f"/processes/{open_process.id}/edit",
            f"/processes/{open_process.id}/budgets",
            f"/budgets/{home.id}/paper",
            "/verification/letters",
            "/verification/register",
            "/verification/in-person?q=rosa",
            f"/verification/in-person/{rosa.id}",
        ],
        "vcs": _group_urls(),
        "admin": [
            "/admin/users",
            f"/admin/users/{db.session.scalar(select(User.id))}",
            "/admin/audit",
            "/verification/people",
            f"/verification/people/{db.session.scalar(select(Verification.id))}/revoke",
            "/admin/outbox",
        ],
    }
    return urls[role]


def _group_urls() -> list[str]:
    """The demo group keeper's pages: their group, its profile form and its award statement."""
    keeper = db.session.scalar(select(User).where(User.email == "vcs@demo.test"))
    group = core_funding.organisation_of(keeper)
    published = core_funding.latest_published_round()
    assert group is not None and published is not None, "the demo has a kept group and a round"
    return [
        "/core-funding/my-group",
        f"/core-funding/groups/{group.id}/edit",
        f"/core-funding/groups/{group.id}/awards/{published.id}",
        f"/core-funding/groups/{group.id}/corrections/new?round={published.id}",
    ]


@pytest.mark.parametrize("role", ["resident", "officer", "vcs", "admin"])
def test_signed_in_pages_have_no_accessibility_violations(
    browser, live_server, demo_site, axe_source, role
):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email address").fill(f"{role}@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("status").wait_for()
    problems = [
        p for url in signed_in_urls(role) for p in violations(page, live_server, url, axe_source)
    ]
    context.close()
    assert problems == []
