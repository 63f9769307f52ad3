"""A resident registers, signs in, signs out and changes their password; bad input changes nothing."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent, User
from tests.conftest import PASSWORD, link_in, outbox_rows


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def registration(neighbourhood_id: int | str, **overrides) -> dict:
    data = {
        "name": "Amira Khan",
        "email": "Amira.Khan@Example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "neighbourhood": str(neighbourhood_id),
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_resident_registers_checks_the_address_and_is_signed_in(forms, client, neighbourhoods):
    response = forms.post("/account/register", registration(neighbourhoods[1].id))

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/register/check-your-email"
    assert "We have sent a message" in text(client.get(response.headers["Location"]))
    user = db.session.scalar(select(User))
    assert user.email == "amira.khan@example.org"
    assert user.roles == {"resident"}
    assert user.neighbourhood_id == neighbourhoods[1].id
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert user.awaiting_email_check and user.email_checked_at is None
    assert client.get("/account/").status_code == 302  # not signed in until the address is checked

    [message] = outbox_rows(topic="account.email_check")
    assert message.to_address == "amira.khan@example.org" and message.kind == "security"
    opened = client.get(link_in(message, "/account/check/"))
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/neighbourhoods/{neighbourhoods[1].code}")
    assert "Amira Khan" in text(client.get("/account/"))
    db.session.refresh(user)
    assert not user.awaiting_email_check and user.email_checked_at is not None


def test_registration_form_lists_every_neighbourhood(client, neighbourhoods):
    page = text(client.get("/account/register"))
    for area in neighbourhoods:
        assert f'<option value="{area.id}">{area.name}</option>' in page


@pytest.mark.parametrize(
    "email", ["amira.khan@example.org", "AMIRA.KHAN@EXAMPLE.ORG", "Amira.Khan@example.org"]
)
def test_same_email_in_any_letter_case_is_answered_as_new_and_its_owner_told(
    forms, create_user, neighbourhoods, email
):
    owner = create_user("resident", email="amira.khan@example.org")
    hash_before = owner.password_hash
    before = count_users()

    response = forms.post("/account/register", registration(neighbourhoods[0].id, email=email))

    # Exactly the answer a new address gets: nothing tells the visitor the address is taken.
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/register/check-your-email"
    assert count_users() == before
    db.session.refresh(owner)
    assert owner.password_hash == hash_before
    [message] = outbox_rows()
    assert (message.topic, message.to_address, message.kind) == (
        "account.exists",
        "amira.khan@example.org",
        "security",
    )
    assert "It already has an" in message.body_text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "Use at least 10 characters"),
        ("password123", "too easy to guess"),
        ("aaaaaaaaaaaa", "too easy to guess"),
        ("amira.khan-2026", "Don't use your name or email address"),
    ],
)
def test_weak_password_is_refused_next_to_the_field(forms, neighbourhoods, password, message):
    response = forms.post(
        "/account/register", registration(neighbourhoods[0].id, password=password, confirm=password)
    )
    page = text(response)
    assert response.status_code == 422
    assert 'id="password-error"' in page
    assert message in page
    assert count_users() == 0


@pytest.mark.parametrize("choice", ["", "999999", "not-a-number"])
def test_missing_or_unknown_neighbourhood_is_refused(forms, neighbourhoods, choice):
    response = forms.post("/account/register", registration(choice))
    page = text(response)
    assert response.status_code == 422
    assert 'id="neighbourhood-error"' in page
    assert "Choose the neighbourhood you live in" in page
    assert "could not coerce" not in page
    assert count_users() == 0


def test_passwords_that_differ_are_refused(forms, neighbourhoods):
    response = forms.post(
        "/account/register", registration(neighbourhoods[0].id, confirm=PASSWORD + "x")
    )
    assert response.status_code == 422
    assert "The two passwords are not the same" in text(response)
    assert count_users() == 0


def test_error_summary_links_to_each_field_at_fault(forms, neighbourhoods):
    response = forms.post("/account/register", registration("", name="", email="not an email"))
    page = text(response)
    assert "There is a problem" in page
    for field in ("name", "email", "neighbourhood"):
        assert f'href="#{field}"' in page
        assert f'aria-describedby="{field}-error"' in page or f'{field}-error"' in page


def test_registration_without_csrf_token_is_refused_and_stores_nothing(client, neighbourhoods):
    response = client.post("/account/register", data=registration(neighbourhoods[0].id))
    assert response.status_code == 400
    assert "nothing was saved" in text(response)
    assert count_users() == 0


def test_sign_in_with_wrong_password_says_so_without_revealing_the_account(forms, create_user):
    user = create_user()
    wrong = forms.post("/account/sign-in", {"email": user.email, "password": "not the password"})
    nobody = forms.post(
        "/account/sign-in", {"email": "nobody@example.org", "password": "whatever12"}
    )
    assert wrong.status_code == nobody.status_code == 422
    assert "The email address or password is not right" in text(wrong)
    assert "The email address or password is not right" in text(nobody)
    assert _error_messages(text(wrong)) == _error_messages(text(nobody))


def _error_messages(page: str) -> list[str]:
    import re

    return re.findall(r"<li><a[^>]*>(.*?)</a></li>", page)


def test_sign_in_ignores_letter_case_of_email_and_goes_back_to_next_page(forms, create_user):
    user = create_user()
    response = forms.post(
        "/account/sign-in?next=/account/password",
        {"email": user.email.upper(), "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_to_another_site(forms, create_user, target):
    user = create_user()
    response = forms.post(
        f"/account/sign-in?next={target}",
        {"email": user.email, "password": PASSWORD},
        page="/account/sign-in",
    )
    assert response.headers["Location"] == "/"


def test_sign_out_needs_a_post_with_token(client, forms, create_user, sign_in):
    sign_in(create_user())
    assert client.get("/account/sign-out").status_code == 405
    assert client.post("/account/sign-out").status_code == 400  # no CSRF token
    assert client.get("/account/").status_code == 200  # still signed in

    response = forms.post("/account/sign-out", {}, page="/account/")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302  # signed out: sent to sign in


def test_resident_changes_password(forms, client, create_user, sign_in):
    user = create_user()
    sign_in(user)
    new = "a brand new phrase 42"
    response = forms.post(
        "/account/password", {"current_password": PASSWORD, "new_password": new, "confirm": new}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password(new)
    assert not user.check_password(PASSWORD)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_change"))


def test_password_change_with_wrong_current_password_changes_nothing(forms, create_user, sign_in):
    user = create_user()
    sign_in(user)
    old_hash = user.password_hash
    new = "a brand new phrase 42"
    response = forms.post(
        "/account/password",
        {"current_password": "wrong one here", "new_password": new, "confirm": new},
    )
    assert response.status_code == 422
    assert "Your current password is not right" in text(response)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_weak_new_password_is_refused(forms, create_user, sign_in):
    user = create_user()
    sign_in(user)
    response = forms.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert response.status_code == 422
    assert 'id="new_password-error"' in text(response)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_fields_carry_no_empty_aria_attributes(client, neighbourhoods):
    page = client.get("/account/register").get_data(as_text=True)
    assert '="None"' not in page
    assert 'aria-describedby="password-hint"' in page
