"""A resident registers, checks their address, signs out, signs in, changes their password and
resets a forgotten one in a real browser."""

from __future__ import annotations

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import User
from tests.conftest import link_in, outbox_rows

PASSWORD = "blue kettle morning walk"
NEW_PASSWORD = "green bicycle evening run"


def test_resident_journey_by_keyboard_and_mouse(page, live_server, neighbourhoods):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Create account").first.click()

    # A refused form first: the error summary takes focus and links to the field.
    page.get_by_label("Your name").fill("Priya Patel")
    page.get_by_label("Email address").fill("priya@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Type the password again").fill("short")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert "Use at least 10 characters" in page.locator("#password-error").inner_text()
    assert db.session.scalar(select(User)) is None

    # Now properly; the neighbourhood is found by typing part of its name.
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_label("Type part of the name to shorten the list").fill("river")
    assert page.get_by_label("Your neighbourhood").input_value() == str(neighbourhoods[1].id)
    page.get_by_label("Type the password again").press("Enter")

    page.wait_for_url("**/register/check-your-email")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    [message] = outbox_rows(topic="account.email_check")
    page.goto(live_server + link_in(message, "/account/check/"))
    page.wait_for_url(f"**/neighbourhoods/{neighbourhoods[1].code}")
    assert (
        "your address is checked and you are signed in" in page.get_by_role("status").inner_text()
    )
    assert page.get_by_role("heading", level=1).inner_text() == "Riverside"

    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out" in page.get_by_role("status").inner_text()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill("PRIYA@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    assert "Signed in as Priya Patel" in page.get_by_role("status").inner_text()

    page.get_by_role("link", name="Your account", exact=True).click()
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the new password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert "Your password has been changed" in page.get_by_role("status").inner_text()

    user = db.session.scalar(select(User).where(User.email == "priya@example.org"))
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def test_forgotten_password_by_email_ends_the_other_session(
    page, browser, live_server, create_user
):
    user = create_user(email="sam@example.org")
    # Another device, signed in first: it must be signed out by the reset.
    other = browser.new_context().new_page()
    other.goto(live_server + "/account/sign-in")
    other.get_by_label("Email address").fill(user.email)
    other.get_by_label("Password").fill("correct horse battery staple")
    other.get_by_label("Password").press("Enter")
    assert "Signed in as" in other.get_by_role("status").inner_text()

    page.goto(live_server + "/account/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email address").fill("SAM@example.org")
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"

    [message] = outbox_rows(topic="account.reset")
    page.goto(live_server + link_in(message, "/account/reset/"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the new password again").fill(NEW_PASSWORD)
    page.get_by_label("Type the new password again").press("Enter")
    assert "Your password is set and you are signed in" in page.get_by_role("status").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Your Sheffield"

    other.goto(live_server + "/account/")
    assert "/account/sign-in" in other.url  # the other device was signed out
    # The link worked once.
    page.goto(live_server + link_in(message, "/account/reset/"))
    assert "has been used already" in page.get_by_role("main").inner_text()
    other.context.close()


def test_keyboard_user_can_skip_to_content(page, live_server, neighbourhoods):
    page.goto(live_server + "/neighbourhoods/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
