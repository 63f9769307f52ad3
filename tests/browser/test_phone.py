"""Phones first (issue 20): at 390 px no page is wider than the screen, for every role; the menu
opens from a button with and without JavaScript; screenshots of the main pages at phone width are
kept in test-artifacts/phone/ for people to look at."""

from __future__ import annotations

import re

import pytest

from pbapp.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import demo_site, public_urls, signed_in_urls  # noqa: F401

PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS / "phone"


def too_wide(page, base: str, urls: list[str]) -> list[str]:
    problems = []
    for url in urls:
        page.goto(base + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{url}: {width} px wide")
    return problems


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_public_pages_fit_a_phone(browser, live_server, demo_site):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    urls = public_urls()
    assert too_wide(page, live_server, urls) == []
    for url in urls[:12]:
        page.goto(live_server + url)
        shoot(page, "public" + re.sub(r"[^a-z0-9]+", "-", url.lower()).rstrip("-"))
    context.close()


@pytest.mark.parametrize("role", ["resident", "officer", "vcs", "admin"])
def test_signed_in_pages_fit_a_phone(browser, live_server, demo_site, role):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email address").fill(f"{role}@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("status").wait_for()
    urls = signed_in_urls(role)
    assert too_wide(page, live_server, urls) == []
    for url in urls:
        page.goto(live_server + url)
        shoot(page, role + re.sub(r"[^a-z0-9]+", "-", url.lower()).rstrip("-"))
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_menu_opens_from_a_button_on_a_phone(browser, live_server, demo_site, javascript):  # noqa: F811
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server + "/")
    link = page.get_by_role("link", name="Neighbourhoods", exact=True)
    assert not link.is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert link.is_visible()
    box = link.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24  # WCAG 2.2 target size (minimum)
    link.click()
    page.wait_for_url("**/neighbourhoods/")
    context.close()


def test_the_menu_is_always_shown_on_a_wide_screen(browser, live_server, demo_site):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/")
    assert page.get_by_role("link", name="Neighbourhoods", exact=True).is_visible()
    assert not page.get_by_text("Menu", exact=True).is_visible()
    context.close()
