"""Fixtures for the web application's tests.

The database is real: a SQLite file by default, or the PostgreSQL database named by
``TEST_DATABASE_URL``. The schema is made once per run by the migrations (as in production),
and every test starts from empty tables. CSRF protection stays on: the ``forms`` helper posts
forms the way a browser does, with the token from the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from pbapp.models import Neighbourhood, User, UserRole
from tests.pb_factories import add_voters, make_process, make_proposal

# In CI (CI set, as .ci/run is run) hypothesis draws the same examples on every run, so a red
# main is a change's fault, never an unlucky draw. Elsewhere it explores anew on each run, and a
# failure it finds is kept in .hypothesis/ and replayed first until it is fixed.
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PASSWORD = "correct horse battery staple"


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the schema made by the migrations, once per test run."""
    url = _database_url(tmp_path_factory.mktemp("db"))
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # start from nothing, whatever an earlier run left
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(TestConfig(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture()
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(TestConfig(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    with db.engine.begin() as conn:
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Forms:
    """Posts forms as a browser does: fetch the page, take its CSRF token, send the fields."""

    TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, url: str) -> str:
        page = self.client.get(url)
        match = self.TOKEN.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {url} (status {page.status_code})"
        return match.group(1)

    def post(self, url: str, data: dict, *, page: str | None = None, **kwargs):
        fields = {"csrf_token": self.token(page or url), **data}
        return self.client.post(url, data=fields, **kwargs)


@pytest.fixture()
def forms(client: FlaskClient) -> Forms:
    return Forms(client)


@pytest.fixture()
def neighbourhoods(app: Flask) -> list[Neighbourhood]:
    """Three small neighbourhoods (hand-made; the demo's real wards are tested on their own)."""
    areas = [
        Neighbourhood(code="E05000001", name="Hillside", population=12000, area_group="North"),
        Neighbourhood(code="E05000002", name="Riverside", population=18000, area_group="South"),
        Neighbourhood(code="E05000003", name="Parkwood", population=9000, area_group="South"),
    ]
    db.session.add_all(areas)
    db.session.commit()
    return areas


@pytest.fixture()
def create_user(app: Flask, neighbourhoods: list[Neighbourhood]):
    counter = iter(range(1, 10_000))

    def create(
        *roles: str, name: str | None = None, email: str | None = None, password: str = PASSWORD
    ) -> User:
        n = next(counter)
        roles = roles or ("resident",)
        user = User(
            name=name or f"Person {n}",
            email=(email or f"person{n}@example.org").lower(),
            neighbourhood=neighbourhoods[0] if "resident" in roles else None,
            role_rows=[UserRole(role=r) for r in roles],
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return create


@pytest.fixture()
def sign_in(forms: Forms):
    def do(user: User, password: str = PASSWORD):
        response = forms.post("/account/sign-in", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture()
def counted(neighbourhoods):
    """A closed approval budget of £10,000 where greedy and Equal Shares disagree.

    6 voters back the two big projects A and B (£4,000 each) and 5 voters back C and D
    (£3,000 each): every project has the 5 supporters the disclosure policy needs before the
    ballots file is published (docs/disclosure.md). Greedy funds by votes: A, B (8,000) and nothing else fits. Equal Shares
    gives each voter £1,000: the 6 can pay A and B only partly... the engine decides; the test
    compares against the engine's own count of the same ballots.
    """
    area = neighbourhoods[0]
    process = make_process("results", neighbourhoods=[area])
    budget = process.budgets[0]
    a, b, c, d = (
        make_proposal(budget, name, cost)
        for name, cost in (
            ("Allotment", 4000),
            ("Benches", 4000),
            ("Cooking club", 3000),
            ("Dance class", 3000),
        )
    )
    make_proposal(budget, "Rejected idea", 500, status="not_feasible")
    votes = [{a.id: 1, b.id: 1}] * 6 + [{c.id: 1, d.id: 1}] * 5
    add_voters(budget, area, votes)
    return budget, (a, b, c, d)


@pytest.fixture()
def smtp_server(app: Flask):
    """A real SMTP server on 127.0.0.1; the app's SMTP settings point at it."""
    from tests.mail_support import SmtpServer

    server = SmtpServer().start()
    app.config.update(MAIL_BACKEND="smtp", SMTP_URL=None, SMTP_HOST="127.0.0.1")
    app.config.update(SMTP_PORT=server.port, SMTP_TLS="none", SMTP_TIMEOUT=10)
    yield server
    server.stop()


def outbox_rows(**filters):
    """The outbox's rows (optionally only some topic or address), oldest first."""
    from pbapp.models.mail import OutboxMessage

    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in filters.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def link_in(message, prefix: str) -> str:
    """The first link in an outbox row's text starting with ``prefix`` (a path), as a path."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s]*)", message.body_text)
    assert match, f"no {prefix} link in: {message.body_text}"
    return match.group(1)
