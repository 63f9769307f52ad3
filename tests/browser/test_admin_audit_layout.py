"""The admin's audit trail fits the window (issue 17: 1,370 px wide at 1280)."""

from __future__ import annotations

import pytest

from pbapp.demo import DEMO_PASSWORD, load_demo
from pbapp.extensions import db


@pytest.fixture()
def demo_site(app):
    load_demo()
    db.session.commit()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_audit_trail_fits_the_window(page, live_server, demo_site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email address").fill("admin@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("status").wait_for()
    page.goto(live_server + "/admin/audit")
    assert page.get_by_role("heading", name="Audit trail").is_visible()
    widest = page.evaluate("document.documentElement.scrollWidth")
    assert widest <= width, f"the page is {widest} px wide in a {width} px window"
    page.get_by_label("Action").select_option(label="Signed in")
    page.get_by_role("button", name="Show").click()
    assert "matching the filter" in page.locator("caption").inner_text()
