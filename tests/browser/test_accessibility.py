"""axe-core, in Chromium, finds no WCAG 2.2 A or AA violation on the main pages, for each role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from config import TestConfig
from pbapp.demo import DEMO_PASSWORD, load_demo
from pbapp.extensions import db
from pbapp.models import Neighbourhood, Process, Proposal, Result, User
from pbapp.models.verification import Verification
from pbapp.services import core_funding
from tests.browser.axe import page_violations
from tests.pb_factories import make_process
from tests.test_i18n import make_catalogue

# Languages the pages are also checked in (issue 20): right to left, and a Latin-script one.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture()
def languages_offered(tmp_path, monkeypatch):
    """Arabic and Polish offered whether or not their catalogues are written yet: an empty
    compiled catalogue for each in a directory of the test's own, read after pbapp/translations
    (where the real ones, once there, are found first and give the pages their words). Must be
    asked for before ``live_server``, which makes its app from TestConfig."""
    for code in ("ar", "pl"):
        make_catalogue(tmp_path, code)
    monkeypatch.setattr(
        TestConfig, "BABEL_TRANSLATION_DIRECTORIES", f"translations;{tmp_path}", raising=False
    )


def read_in(context, base: str, code: str) -> None:
    """Pages in ``code`` from now on, as the picker would leave them (its cookie)."""
    if code == "en":
        return  # the source language: no cookie needed
    context.add_cookies([{"name": "lang", "value": code, "url": base}])


def check_language(page, code: str) -> None:
    """The page really is in ``code`` (the language is offered, the cookie read)."""
    direction = "rtl" if code in ("ar", "ur") else "ltr"
    code = "en-GB" if code == "en" else code
    found = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    assert found == [code, direction], f"{page.url}: <html lang dir> {found}"


def sign_in_as(page, base: str, role: str) -> None:
    page.goto(base + "/account/sign-in")
    page.get_by_label("Email address").fill(f"{role}@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("status").wait_for()


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


# English at desktop width is checked above; here English at phone width, and Arabic and Polish
# at both widths.
LANGUAGE_WIDTHS = [
    ("en", "phone"),
    ("ar", "desktop"),
    ("ar", "phone"),
    ("pl", "desktop"),
    ("pl", "phone"),
]


@pytest.mark.parametrize(("code", "width"), LANGUAGE_WIDTHS)
def test_public_pages_by_language_and_width_have_no_accessibility_violations(
    browser, languages_offered, live_server, demo_site, axe_source, code, width
):
    context = browser.new_context(bypass_csp=True, viewport=WIDTHS[width])
    read_in(context, live_server, code)
    page = context.new_page()
    page.goto(live_server + "/")
    check_language(page, code)
    problems = [p for url in public_urls() for p in violations(page, live_server, url, axe_source)]
    context.close()
    assert problems == []


@pytest.mark.parametrize(("code", "width"), LANGUAGE_WIDTHS)
@pytest.mark.parametrize("role", ["resident", "officer", "vcs", "admin"])
def test_signed_in_pages_by_language_and_width_have_no_accessibility_violations(
    browser, languages_offered, live_server, demo_site, axe_source, role, code, width
):
    context = browser.new_context(bypass_csp=True, viewport=WIDTHS[width])
    page = context.new_page()
    sign_in_as(page, live_server, role)  # in English: the form's labels are known words
    read_in(context, live_server, code)
    urls = signed_in_urls(role)
    page.goto(live_server + urls[0])
    check_language(page, code)
    problems = [p for url in urls for p in violations(page, live_server, url, axe_source)]
    context.close()
    assert problems == []
