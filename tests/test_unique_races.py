"""Unique-constraint races answer as the sequential case does, never 500 (issue 17).

Ten registrations of one email at once on PostgreSQL gave two 500s: the duplicate was caught by
the insert's flush, outside the commit the view handled.
"""

from __future__ import annotations

import re
import threading
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from config import TestConfig
from pbapp import create_app
from pbapp.errors import is_unique_violation
from pbapp.extensions import db
from pbapp.models import AuditEvent, User

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "a long enough password 2026"


def _registration(app, neighbourhood_id: int):
    """A client with its CSRF token, ready to post the same registration as the others.

    Its requests run on an app of their own: the ``app`` fixture's context stays pushed, and
    requests of that app would share its ``g`` (the CSRF token, the signed-in user)."""
    client = create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"])).test_client()
    page = client.get("/account/register").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    data = {
        "csrf_token": token,
        "name": "Twin",
        "email": "twin@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "neighbourhood": str(neighbourhood_id),
    }
    return client, data


def test_ten_registrations_of_one_email_at_once(app, neighbourhoods, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time; the race is PostgreSQL's")
    db.session.commit()
    ready = [_registration(app, neighbourhoods[0].id) for _ in range(10)]
    barrier = threading.Barrier(len(ready))
    answers: list[tuple[int, str]] = []

    def register(client, data):
        barrier.wait()
        response = client.post("/account/register", data=data)
        answers.append((response.status_code, unescape(response.get_data(as_text=True))))

    threads = [threading.Thread(target=register, args=pair) for pair in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every one answers as a registration does, whether or not the address was taken (issue 19:
    # no account enumeration): "check your email".
    codes = sorted(code for code, _ in answers)
    assert codes == [302] * 10, codes
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    registered = select(func.count()).select_from(AuditEvent)
    assert db.session.scalar(registered.where(AuditEvent.action == "user.register")) == 1


def test_a_duplicate_found_at_the_insert_gets_the_sequential_answer(
    app, neighbourhoods, monkeypatch
):
    """The race made deterministic: the check before the insert sees no account (as when the
    twin has not committed yet), the insert then clashes. Both databases."""
    from pbapp.services.accounts import users

    first = User(name="First", email="twin@example.org", neighbourhood=neighbourhoods[0])
    first.set_password(PASSWORD)
    db.session.add(first)
    db.session.commit()
    client, data = _registration(app, neighbourhoods[0].id)
    monkeypatch.setattr(users, "account_with", lambda email: None)
    response = client.post("/account/register", data=data)
    assert response.status_code == 302  # as for any registration: "check your email"
    assert response.headers["Location"].endswith("/account/register/check-your-email")
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_any_other_unique_race_is_a_409_not_a_500(app, neighbourhoods):
    """The safety net for races no service expects: the error handler answers 409."""
    from pbapp.models import Neighbourhood

    @app.route("/__race_test")
    def clash():
        db.session.add(Neighbourhood(code="E05000001", name="Hillside again", population=1))
        db.session.flush()
        return "saved"

    response = app.test_client().get("/__race_test")
    assert response.status_code == 409
    assert "nothing you sent was saved" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Neighbourhood)) == 3


def test_only_unique_violations_count_as_races(app, neighbourhoods):
    from pbapp.models import Neighbourhood

    with pytest.raises(IntegrityError) as caught:
        db.session.add(Neighbourhood(code="E05000001", name="Other", population=1))
        db.session.flush()
    db.session.rollback()
    assert is_unique_violation(caught.value)
    with pytest.raises(IntegrityError) as caught:
        db.session.add(Neighbourhood(code="E05000009", name=None, population=1))
        db.session.flush()
    db.session.rollback()
    assert not is_unique_violation(caught.value)
