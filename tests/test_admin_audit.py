"""The admin's audit trail is readable, filterable and downloadable; people sort naturally
(issue 17)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent, Neighbourhood, User
from tests.fuzz_support import DEMO_EMAILS, demo_fixture, sign_in

demo = pytest.fixture(scope="module", name="demo")(demo_fixture)
RAW = re.compile(r"\{'|'\}|\[\d|\d\]|: None\b|'None'")


def _admin(demo):
    client = demo.app.test_client()
    sign_in(client, DEMO_EMAILS["admin"])
    return client


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return body.split("<tr>")[1:]


def test_every_event_of_the_demo_is_in_words(demo):
    demo.restore()
    client = _admin(demo)
    with demo.app.app_context():
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    pages = -(-total // 100)
    for number in range(1, pages + 1):
        page = unescape(client.get(f"/admin/audit?page={number}").get_data(as_text=True))
        for row in _rows(page):
            assert not RAW.search(row), row[:400]
            assert "_" not in re.sub(r"<[^>]+>", "", row), row[:400]  # no raw keys or actions


def test_budget_amounts_by_neighbourhood_id_are_named(demo):
    """The issue's example: {'None': 20000, '5': 91306} became names and pounds."""
    demo.restore()
    with demo.app.app_context():
        ward = db.session.scalar(select(Neighbourhood).order_by(Neighbourhood.id))
        admin = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["admin"]))
        db.session.add(
            AuditEvent(
                actor_id=admin.id,
                action="process.budgets",
                object_type="process",
                object_id="1",
                before={"budgets": {"None": 10000}},
                after={"budgets": {"None": 20000, str(ward.id): 91306}},
            )
        )
        db.session.commit()
        name = ward.name
    page = unescape(_admin(demo).get("/admin/audit?action=process.budgets").get_data(as_text=True))
    first = _rows(page)[0]
    assert "Set a process's budgets" in first
    assert f"Budgets: City-wide: £10,000 → City-wide: £20,000; {name}: £91,306" in first
    assert "Process “" in first


def test_the_trail_filters_by_person_action_and_date(demo):
    demo.restore()
    client = _admin(demo)
    with demo.app.app_context():
        admin = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["admin"]))
        mine = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id == admin.id)
        )
        sign_ins = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.sign_in")
        )
        admin_id = admin.id
    page = unescape(client.get(f"/admin/audit?who={admin_id}").get_data(as_text=True))
    assert f"{mine} event{'' if mine == 1 else 's'} matching the filter" in page
    page = unescape(client.get("/admin/audit?action=user.sign_in").get_data(as_text=True))
    assert f"{sign_ins} event" in page and "Signed in" in page
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    page = unescape(client.get(f"/admin/audit?since={tomorrow}").get_data(as_text=True))
    assert "0 events matching the filter" in page
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = client.get(f"/admin/audit?since={tomorrow}&until={yesterday}")
    assert response.status_code == 422
    assert "on or after the start date" in unescape(response.get_data(as_text=True))
    response = client.get("/admin/audit?who=99999999999")
    assert response.status_code == 422


def test_the_trail_downloads_as_csv_in_the_same_words(demo):
    demo.restore()
    client = _admin(demo)
    response = client.get("/admin/audit.csv?action=user.sign_in")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["when", "who", "what", "record", "details"]
    assert rows[1:] and {r[2] for r in rows[1:]} == {"Signed in"}
    everything = list(
        csv.reader(io.StringIO(client.get("/admin/audit.csv").get_data(as_text=True)))
    )
    with demo.app.app_context():
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert len(everything) == total + 1
    assert not any(RAW.search(" ".join(r)) for r in everything[1:])


def test_people_are_listed_in_natural_order(demo):
    demo.restore()
    with demo.app.app_context():
        for n in (1, 10, 100, 2, 20):
            db.session.add(
                User(name=f"Zz voter {n}", email=f"zz{n}@example.org", password_hash="!")
            )
        db.session.commit()
    page = _admin(demo).get("/admin/users?q=zz+voter").get_data(as_text=True)
    names = re.findall(r">(Zz voter \d+)</a>", page)
    assert names == [f"Zz voter {n}" for n in (1, 2, 10, 20, 100)]


def test_the_user_list_pages_in_that_order(demo):
    demo.restore()
    client = _admin(demo)
    first = client.get("/admin/users?page=1").get_data(as_text=True)
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    one = re.findall(r'href="/admin/users/(\d+)"', first)
    two = re.findall(r'href="/admin/users/(\d+)"', second)
    assert len(one) == 50 and two and not set(one) & set(two)
    assert "Page 2 of" in second
