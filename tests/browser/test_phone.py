"""Phones first (issue 20): at 390 px no page is wider than the screen, for every role; the menu
opens from a button with and without JavaScript; screenshots of the main pages at phone width are
kept in test-artifacts/phone/ for people to look at."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import (  # noqa: F401
    check_language,
    demo_site,
    languages_offered,
    public_urls,
    read_in,
    sign_in_as,
    signed_in_urls,
)

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


# Every page in English and in Arabic (right to left; until its catalogue is written, English
# words laid out right to left). Both together take about a minute more than English alone.
LANGUAGES = ["en", "ar"]


def _name(code: str, prefix: str, url: str) -> str:
    lang = "" if code == "en" else code + "-"
    return lang + prefix + re.sub(r"[^a-z0-9]+", "-", url.lower()).rstrip("-")


@pytest.mark.parametrize("code", LANGUAGES)
def test_public_pages_fit_a_phone(browser, languages_offered, live_server, demo_site, code):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    if code != "en":
        read_in(context, live_server, code)
    page = context.new_page()
    urls = public_urls()
    page.goto(live_server + "/")
    check_language(page, "en-GB" if code == "en" else code)
    assert too_wide(page, live_server, urls) == []
    for url in urls[:12]:
        page.goto(live_server + url)
        shoot(page, _name(code, "public", url))
    context.close()


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("role", ["resident", "officer", "vcs", "admin"])
def test_signed_in_pages_fit_a_phone(
    browser,
    languages_offered,  # noqa: F811
    live_server,
    demo_site,  # noqa: F811
    role,
    code,
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in_as(page, live_server, role)
    if code != "en":
        read_in(context, live_server, code)
    urls = signed_in_urls(role)
    page.goto(live_server + urls[0])
    check_language(page, "en-GB" if code == "en" else code)
    assert too_wide(page, live_server, urls) == []
    for url in urls:
        page.goto(live_server + url)
        shoot(page, _name(code, role, url))
    context.close()


def test_the_picker_changes_the_language_and_keeps_the_page(
    browser,
    languages_offered,  # noqa: F811
    live_server,
    demo_site,  # noqa: F811
):
    """At phone width, without JavaScript: choose Arabic on a page with a query string, come back
    to the same page right to left, then choose English again from the same picker."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    url = live_server + "/neighbourhoods/?sort=need"
    page.goto(url)
    picker = page.get_by_label("Language", exact=True)
    assert "awaiting review by native speakers" in picker.inner_text()
    picker.select_option("ar")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_load_state()
    assert page.url == url
    check_language(page, "ar")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Found by id and class from here on: once the Arabic catalogue exists the words are Arabic.
    box = page.locator(".language-button").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24  # WCAG 2.2 target size (minimum)
    shoot(page, "ar-picker-neighbourhoods")
    assert "(Language)" in page.locator("label[for=language-choice]").inner_text()  # a way back
    page.locator("#language-choice").select_option("en")
    page.locator(".language-button").click()
    page.wait_for_load_state()
    assert page.url == url
    check_language(page, "en-GB")
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
