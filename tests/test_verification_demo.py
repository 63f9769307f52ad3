"""The attack of issue 18, tried on the demo over HTTP: five accounts registered in one
neighbourhood try to vote in its budget of the open process. Only verified residents can."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.demo.participation import OPEN
from pbapp.demo.verification import DEMO_CODES, ROSA
from pbapp.extensions import db
from pbapp.models import Ballot, Budget, Neighbourhood, Process, User
from pbapp.models.verification import LetterCode, Verification
from tests.conftest import Forms, link_in, outbox_rows
from tests.fuzz_support import DEMO_EMAILS, demo_fixture, sign_in

demo = pytest.fixture(scope="module", name="demo")(demo_fixture)


def _open_budget() -> tuple[int, list[int]]:
    process = db.session.scalar(select(Process).where(Process.title == OPEN))
    budget = next(
        b for b in process.budgets if b.neighbourhood and b.neighbourhood.name == "Burngreave"
    )
    cheap = sorted(
        (p for p in budget.proposals if p.status == "feasible"), key=lambda p: p.ballot_cost
    )
    return budget.id, [cheap[0].id]


def _ballots(budget_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.budget_id == budget_id)
    )


def _register(client, n: int, ward_id: int) -> None:
    response = Forms(client).post(
        "/account/register",
        {
            "name": f"Sock Puppet {n}",
            "email": f"puppet{n}@example.org",
            "password": "a long enough phrase here",
            "confirm": "a long enough phrase here",
            "neighbourhood": str(ward_id),
        },
    )
    assert response.status_code == 302, unescape(response.get_data(as_text=True))
    # The account signs in once its address is checked (issue 19): the attacker owns the
    # mailboxes, so follows each link, which signs the new account in.
    with client.application.app_context():
        [message] = outbox_rows(to_address=f"puppet{n}@example.org", topic="account.email_check")
        link = link_in(message, "/account/check/")
    assert client.get(link).status_code == 302


def test_the_demo_open_process_needs_verified_residents_and_rosa_is_one(demo):
    demo.restore()
    with demo.app.app_context():
        process = db.session.scalar(select(Process).where(Process.title == OPEN))
        assert process.eligibility == "verified"
        rosa = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["resident"]))
        made = db.session.scalar(select(Verification).where(Verification.user_id == rosa.id))
        assert (made.method, made.neighbourhood.name) == ("letter", "Burngreave")
        assert db.session.scalar(select(func.count()).select_from(LetterCode)) == len(DEMO_CODES)
        budget_id, choice = _open_budget()
    client = demo.app.test_client()
    sign_in(client, DEMO_EMAILS["resident"])
    voted = Forms(client).post(f"/budgets/{budget_id}/vote", {"proposal": [str(choice[0])]})
    assert voted.status_code == 302


def test_five_unverified_accounts_cannot_cast_a_ballot(demo):
    demo.restore()
    with demo.app.app_context():
        budget_id, choice = _open_budget()
        ward_id = db.session.get(Budget, budget_id).neighbourhood_id
        before = _ballots(budget_id)
    for n in range(5):
        client = demo.app.test_client()
        _register(client, n, ward_id)
        refused = Forms(client).post(f"/budgets/{budget_id}/vote", {"proposal": [str(choice[0])]})
        assert refused.status_code == 422
        assert "not verified yet" in unescape(refused.get_data(as_text=True))
    with demo.app.app_context():
        assert _ballots(budget_id) == before


def test_a_verified_person_cannot_verify_a_second_account_with_another_code(demo):
    demo.restore()
    with demo.app.app_context():
        ward_id = db.session.scalar(
            select(Neighbourhood.id).where(Neighbourhood.name == "Burngreave")
        )
        budget_id, choice = _open_budget()
    client = demo.app.test_client()
    _register(client, 9, ward_id)
    forms = Forms(client)
    name, born, postcode = ROSA
    details = {"name": name.upper(), "date_of_birth": born.isoformat(), "postcode": "s47ab"}
    twin = forms.post("/verification/", {"code": DEMO_CODES[1], **details})
    assert twin.status_code == 422
    assert "already verified for another account" in unescape(twin.get_data(as_text=True))
    # A different person with a fresh demo code is verified and votes.
    other = {"name": "Sam Newcomer", "date_of_birth": date(1999, 1, 5).isoformat()}
    done = forms.post(
        f"/verification/?next=/budgets/{budget_id}/vote",
        {"code": DEMO_CODES[1], **details, **other},
        page="/verification/",
    )
    assert done.status_code == 302
    assert done.headers["Location"] == f"/budgets/{budget_id}/vote"
    assert (
        forms.post(f"/budgets/{budget_id}/vote", {"proposal": [str(choice[0])]}).status_code == 302
    )


def test_a_newcomer_can_try_the_demo_register(demo):
    demo.restore()
    with demo.app.app_context():
        ward_id = db.session.scalar(
            select(Neighbourhood.id).where(Neighbourhood.name == "Burngreave")
        )
    client = demo.app.test_client()
    _register(client, 20, ward_id)
    forms = Forms(client)
    page = unescape(client.get("/verification/").get_data(as_text=True))
    assert "check your details against the residents' register" in page
    done = forms.post(
        "/verification/register-check",
        {
            "register-name": "Priya Shah",
            "register-date_of_birth": "1992-07-21",
            "register-postcode": "S4 8DE",
        },
        page="/verification/",
    )
    assert done.status_code == 302
    with demo.app.app_context():
        user = db.session.scalar(select(User).where(User.email == "puppet20@example.org"))
        made = db.session.scalar(select(Verification).where(Verification.user_id == user.id))
        assert (made.method, made.neighbourhood.name) == ("register", "Burngreave")
