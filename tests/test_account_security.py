"""Sessions end when they should, sign-in and registration reveal no accounts, sign-in limits
count failures only and say how long to wait, and proxies are trusted only when told to."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from pbapp.models import User
from pbapp.services.accounts import users as accounts
from tests.conftest import PASSWORD, link_in, outbox_rows

NEW_PASSWORD = "a brand new phrase 42"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def another_browser(database_url):
    """A client of a separate app object: the test client shares ``g`` (where Flask-Login keeps
    the signed-in user) between requests of one app context, which would hide a session's end."""
    return create_app(TestConfig(database_url)).test_client()


def second_browser(database_url, client):
    """Another browser holding a copy of ``client``'s session cookie (a stolen or shared one)."""
    other = another_browser(database_url)
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_signing_out_ends_a_copied_cookie_too(database_url, client, forms, create_user, sign_in):
    sign_in(create_user())
    copy = second_browser(database_url, client)
    assert copy.get("/account/").status_code == 200  # the copy works while the session lives

    forms.post("/account/sign-out", {}, page="/account/")

    assert client.get("/account/").status_code == 302
    assert copy.get("/account/").status_code == 302  # and no longer signs anyone in


def test_password_change_ends_other_sessions_but_keeps_this_one(
    database_url, client, forms, create_user, sign_in
):
    user = create_user()
    sign_in(user)
    copy = second_browser(database_url, client)
    response = forms.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert another_browser_with(database_url, client).get("/account/").status_code == 200
    assert copy.get("/account/").status_code == 302


def another_browser_with(database_url, client):
    return second_browser(database_url, client)


def test_deactivated_account_is_signed_out_at_its_next_request(
    database_url, client, create_user, sign_in
):
    user = create_user()
    sign_in(user)
    copy = second_browser(database_url, client)
    assert copy.get("/account/").status_code == 200
    user.is_active_account = False
    db.session.commit()
    assert second_browser(database_url, client).get("/account/").status_code == 302


@pytest.mark.parametrize("cookie_id", ["5", "x.y", "1.abc", ""])
def test_a_malformed_session_id_signs_nobody_in(database_url, create_user, cookie_id):
    user = create_user()
    client = another_browser(database_url)
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id.replace("1", str(user.id))
        session["_fresh"] = True
    assert client.get("/account/").status_code == 302


def test_sign_in_checks_a_password_hash_for_unknown_addresses(forms, create_user, monkeypatch):
    """Timing: an unknown address must cost a hash check as a known one does (measured 6-10 ms
    against 120-160 ms before). Checked by behaviour: the hash check runs."""
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    response = forms.post("/account/sign-in", {"email": "nobody@example.org", "password": "x" * 12})
    assert response.status_code == 422
    assert len(calls) == 1 and calls[0].startswith("scrypt:")


def test_registering_a_taken_address_hashes_the_password_as_a_new_one_would(
    forms, create_user, neighbourhoods, monkeypatch
):
    create_user(email="taken@example.org")
    calls = []
    real = accounts.generate_password_hash
    monkeypatch.setattr(accounts, "generate_password_hash", lambda p: calls.append(p) or real(p))
    data = {
        "name": "Someone",
        "email": "taken@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "neighbourhood": str(neighbourhoods[0].id),
    }
    assert forms.post("/account/register", data).status_code == 302
    assert calls == [PASSWORD]


def test_an_unchecked_account_cannot_sign_in_and_gets_a_new_link(forms, client, neighbourhoods):
    data = {
        "name": "New Person",
        "email": "new@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "neighbourhood": str(neighbourhoods[0].id),
    }
    forms.post("/account/register", data)
    response = forms.post("/account/sign-in", {"email": "new@example.org", "password": PASSWORD})
    nobody = forms.post("/account/sign-in", {"email": "nobody@example.org", "password": PASSWORD})
    assert response.status_code == nobody.status_code == 422
    assert "open the link we emailed you first" in text(response)
    assert len(outbox_rows(topic="account.email_check")) == 2
    # Registering again with the address still unchecked sends a new link, not "account exists".
    forms.post("/account/register", data)
    assert len(outbox_rows(topic="account.email_check")) == 3
    assert outbox_rows(topic="account.exists") == []


def test_address_check_link_signs_in_only_once(forms, client, database_url, neighbourhoods):
    data = {
        "name": "New Person",
        "email": "new@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "neighbourhood": str(neighbourhoods[0].id),
    }
    forms.post("/account/register", data)
    link = link_in(outbox_rows(topic="account.email_check")[0], "/account/check/")
    assert client.get(link).status_code == 302
    assert client.get("/account/").status_code == 200
    later = another_browser(database_url)  # someone who finds the link in the mail later
    response = later.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/account/sign-in"
    assert later.get("/account/").status_code == 302


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxfQ.bad.signature"])
def test_a_wrong_address_check_link_says_so(client, token, neighbourhoods):
    response = client.get(f"/account/check/{token}")
    assert response.status_code == 400
    assert "link is not right" in text(response)


def test_an_old_address_check_link_says_so(app, client, create_user):
    user = create_user()
    from pbapp.services.accounts import links

    token = links.email_check_token(user)
    app.config["EMAIL_CHECK_MAX_AGE"] = -1
    response = client.get(f"/account/check/{token}")
    assert response.status_code == 400
    assert "too old" in text(response)


# --- limits ------------------------------------------------------------------------------


def limited_app(database_url: str, **settings):
    config = TestConfig(database_url)
    config.RATELIMIT_ENABLED = True
    config.LOGIN_LIMIT_PER_ACCOUNT = "3 per 15 minutes"
    config.LOGIN_LIMIT_PER_ADDRESS = "5 per minute"
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


def _token(client, url="/account/sign-in") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _sign_in(client, token, email, password, address="10.0.0.1", headers=None):
    response = client.post(
        "/account/sign-in",
        data={"csrf_token": token, "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )
    if response.status_code == 302:
        client.post("/account/sign-out", data={"csrf_token": token})
    return response.status_code


def test_successful_sign_ins_do_not_count_towards_the_lock(database_url, create_user):
    user = create_user()
    app = limited_app(database_url)
    with app.app_context():
        client = app.test_client()
        token = _token(client)
        codes = [_sign_in(client, token, user.email, PASSWORD) for _ in range(8)]
        assert codes == [302] * 8
        codes = [_sign_in(client, token, user.email, "wrong one") for _ in range(4)]
        assert codes == [422, 422, 422, 429]
        db.engine.dispose()


def test_the_429_page_says_how_long_to_wait(database_url, create_user):
    user = create_user()
    app = limited_app(database_url)
    with app.app_context():
        client = app.test_client()
        token = _token(client)
        for _ in range(3):
            _sign_in(client, token, user.email, "wrong one")
        page = client.post(
            "/account/sign-in",
            data={"csrf_token": token, "email": user.email, "password": "wrong"},
        )
        assert page.status_code == 429
        wait = re.search(r"please wait (\d+) (minutes|seconds?) before trying again", text(page))
        assert wait, text(page)
        seconds = int(wait.group(1)) * (60 if wait.group(2) == "minutes" else 1)
        assert 14 * 60 <= seconds <= 15 * 60  # the 15-minute window just began
        assert int(page.headers["Retry-After"]) > 0
        db.engine.dispose()


def test_a_password_reset_lifts_the_lock(database_url, create_user):
    user = create_user()
    app = limited_app(database_url)
    with app.app_context():
        client = app.test_client()
        token = _token(client)
        assert [_sign_in(client, token, user.email, "wrong") for _ in range(4)][-1] == 429
        forgot = client.post(
            "/account/forgot-password", data={"csrf_token": token, "email": user.email}
        )
        assert forgot.status_code == 200
        link = link_in(outbox_rows(topic="account.reset")[0], "/account/reset/")
        reset_token = _token(client, link)
        done = client.post(
            link,
            data={"csrf_token": reset_token, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
        assert done.status_code == 302
        client.post("/account/sign-out", data={"csrf_token": _token(client, "/account/")})
        assert _sign_in(client, _token(client), user.email, NEW_PASSWORD) == 302
        db.engine.dispose()


@pytest.mark.parametrize(
    ("trusted", "separate_buckets"), [(0, False), (1, True)], ids=["no-proxy", "one-proxy"]
)
def test_trusted_proxies_decide_whose_address_is_counted(database_url, trusted, separate_buckets):
    """Behind one proxy every request comes from the proxy's address: with TRUSTED_PROXIES=1 the
    client's address in X-Forwarded-For is counted; with 0 a client's own header is ignored."""
    app = limited_app(database_url, TRUSTED_PROXIES=trusted, LOGIN_LIMIT_PER_ACCOUNT="100/minute")
    with app.app_context():
        client = app.test_client()
        token = _token(client)
        codes = [
            _sign_in(
                client,
                token,
                f"who{i}@example.org",
                "wrong",
                address="192.0.2.1",  # the proxy
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            )
            for i in range(7)
        ]
        db.engine.dispose()
    assert codes == ([422] * 7 if separate_buckets else [422] * 5 + [429, 429])


def test_trusted_proxies_setting_is_read_and_checked(monkeypatch):
    import config

    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    assert config.TestConfig().TRUSTED_PROXIES == 2
    monkeypatch.setenv("TRUSTED_PROXIES", "one")
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES must be a whole number"):
        config.TestConfig()


def test_users_count_is_unchanged_by_sign_in_attempts(forms, create_user):
    create_user()
    before = db.session.scalar(select(func.count()).select_from(User))
    forms.post("/account/sign-in", {"email": "nobody@example.org", "password": "x" * 12})
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_reset_links_use_public_url_whatever_host_the_request_names(app, client, create_user):
    """A reset asked with a forged Host header must not send the owner a link to that host."""
    user = create_user()
    app.config["PUBLIC_URL"] = "https://healthier.example"
    with app.test_request_context("/account/forgot-password", base_url="http://evil.example"):
        accounts.ask_for_reset(user.email)
    db.session.commit()
    [message] = outbox_rows(topic="account.reset")
    assert "https://healthier.example/account/reset/" in message.body_text
    assert "evil.example" not in message.body_text + message.body_html


def test_forgotten_password_answers_the_same_for_unknown_addresses(forms, create_user):
    user = create_user()
    known = forms.post("/account/forgot-password", {"email": user.email})
    unknown = forms.post("/account/forgot-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", text(known)) == strip.sub("", text(unknown))
    assert [m.to_address for m in outbox_rows()] == [user.email]


def test_a_reset_link_works_once_and_ends_every_session(
    database_url, client, forms, create_user, sign_in
):
    user = create_user()
    sign_in(user)
    copy = second_browser(database_url, client)
    forms.post("/account/forgot-password", {"email": user.email})
    link = link_in(outbox_rows(topic="account.reset")[0], "/account/reset/")
    stranger = another_browser(database_url)
    from tests.conftest import Forms

    done = Forms(stranger).post(link, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert copy.get("/account/").status_code == 302  # the old session is over
    assert another_browser_with(database_url, stranger).get("/account/").status_code == 200
    again = another_browser(database_url).get(link)
    assert again.status_code == 400 and "used already" in text(again)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def test_an_old_reset_link_says_so(app, client, create_user):
    from pbapp.services.accounts import links

    token = links.reset_token(create_user())
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/account/reset/{token}")
    assert response.status_code == 400 and "too old" in text(response)


def test_a_weak_new_password_on_reset_changes_nothing(forms, create_user):
    from pbapp.services.accounts import links

    user = create_user()
    old = user.password_hash
    link = f"/account/reset/{links.reset_token(user)}"
    response = forms.post(link, {"new_password": "short", "confirm": "short"})
    assert response.status_code == 422 and "Use at least 10 characters" in text(response)
    db.session.refresh(user)
    assert user.password_hash == old


def test_unsubscribe_link_turns_one_kind_of_notice_off(client, forms, create_user):
    from pbapp.services.mail.outbox import unsubscribe_token
    from pbapp.services.notifications import preferences

    user = create_user()
    url = f"/account/unsubscribe/{unsubscribe_token(user, 'voting.opens')}"
    assert "Stop these emails" in text(client.get(url))
    assert preferences.wants(user, "voting.opens")
    # Mail programs' one-click unsubscribe posts without a form token (RFC 8058).
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not preferences.wants(user, "voting.opens")
    assert preferences.wants(user, "results.published")
    assert client.get("/account/unsubscribe/forged").status_code == 400


def test_a_second_registration_of_an_unchecked_address_replaces_the_first(
    forms, client, database_url, neighbourhoods
):
    """Pre-hijacking: someone registers another person's address with their own password. When
    the owner registers, their details replace the stranger's and the stranger's link dies, so
    the account the owner checks never carries the stranger's password."""
    stranger = {
        "name": "Stranger",
        "email": "owner@example.org",
        "password": "stranger knows this one",
        "confirm": "stranger knows this one",
        "neighbourhood": str(neighbourhoods[1].id),
    }
    owner = stranger | {"name": "Owner", "password": PASSWORD, "confirm": PASSWORD}
    owner["neighbourhood"] = str(neighbourhoods[0].id)
    forms.post("/account/register", stranger)
    forms.post("/account/register", owner)
    first, second = outbox_rows(topic="account.email_check")
    old = another_browser(database_url).get(link_in(first, "/account/check/"))
    assert old.status_code == 400 and "replaced by a newer one" in text(old)
    assert another_browser(database_url).get(link_in(second, "/account/check/")).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "owner@example.org"))
    db.session.refresh(user)
    assert user.name == "Owner" and user.neighbourhood_id == neighbourhoods[0].id
    assert user.check_password(PASSWORD)
    assert not user.check_password("stranger knows this one")


def test_forgotten_password_waits_out_the_same_time_either_way(app, forms, create_user):
    """Emailing a reset link takes longer than doing nothing, which timed answers would show:
    the answer waits out FORGOT_PASSWORD_ANSWER_SECONDS for a known and an unknown address."""
    import time

    user = create_user()
    app.config["FORGOT_PASSWORD_ANSWER_SECONDS"] = 0.2
    took = {}
    for who, email in (("known", user.email), ("unknown", "nobody@example.org")):
        started = time.monotonic()
        forms.post("/account/forgot-password", {"email": email})
        took[who] = time.monotonic() - started
    assert min(took.values()) >= 0.2, took
    assert len(outbox_rows(topic="account.reset")) == 1
