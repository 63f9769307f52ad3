"""A person downloads their data and deletes their account (ballots stay counted, unlinked);
admins deactivate accounts and force a password reset."""

from __future__ import annotations

import json
from html import unescape

from sqlalchemy import select

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from pbapp.models import AuditEvent, Ballot, Proposal, User
from pbapp.services.participation import results
from tests.conftest import PASSWORD, outbox_rows
from tests.pb_factories import make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _voter_of(budget) -> User:
    ballot = db.session.scalar(select(Ballot).where(Ballot.budget_id == budget.id))
    user = db.session.get(User, ballot.voter_id)
    user.set_password(PASSWORD)
    db.session.commit()
    return user


def test_data_download_holds_the_account_ballots_and_proposals(client, counted, sign_in):
    budget, (a, *_) = counted
    voter = _voter_of(budget)
    make_proposal(budget, "My idea", 700, status="draft", author=voter)
    sign_in(voter)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    assert data["account"]["email"] == voter.email
    assert [b["choices"] for b in data["ballots"]] == [
        [{"project": "Allotment", "points": 1}, {"project": "Benches", "points": 1}]
    ]
    assert [p["title"] for p in data["proposals"]] == ["My idea"]
    assert data["email_choices"]["voting.opens"] is True


def test_deleting_an_account_keeps_ballots_counted_and_unlinked(
    client, forms, counted, create_user, sign_in, database_url
):
    budget, _ = counted
    voter = _voter_of(budget)
    email = voter.email
    draft = make_proposal(budget, "Draft idea", 700, status="draft", author=voter)
    kept = make_proposal(budget, "Reviewed idea", 700, status="feasible", author=voter)
    sign_in(voter)
    copy = create_app(TestConfig(database_url)).test_client()
    copy.set_cookie("session", client.get_cookie("session").value)

    wrong = forms.post("/account/delete", {"contributions": "remove", "password": "not it at all"})
    assert wrong.status_code == 422 and "nothing was deleted" in text(wrong)
    db.session.refresh(voter)
    assert voter.email == email

    done = forms.post("/account/delete", {"contributions": "remove", "password": PASSWORD})
    assert done.status_code == 302
    db.session.expire_all()
    voter = db.session.get(User, voter.id)
    assert voter.name == "Deleted account" and email not in voter.email
    assert not voter.is_active and voter.roles == set()
    assert copy.get("/account/").status_code == 302  # signed out everywhere
    assert db.session.get(Proposal, draft.id) is None
    assert db.session.get(Proposal, kept.id).author_id is None
    # The ballot still counts.
    assert db.session.scalar(select(Ballot).where(Ballot.voter_id == voter.id)) is not None
    officer = create_user("officer")
    result = results.publish_result(officer, budget, budget.process.results_start)
    assert result.voters == 11  # the counted budget's 11 voters, the deleted one among them
    # No audit event keeps the address.
    for event in db.session.scalars(select(AuditEvent)):
        assert email not in json.dumps([event.before, event.after])
    deletion = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.delete"))
    assert deletion.actor_id is None
    # Signing in with the old address and password fails.
    response = forms.post("/account/sign-in", {"email": email, "password": PASSWORD})
    assert response.status_code == 422


def test_an_admin_deactivates_and_reactivates_an_account(
    client, forms, create_user, sign_in, database_url
):
    person = create_user("resident")
    sign_in(person)
    theirs = create_app(TestConfig(database_url)).test_client()
    theirs.set_cookie("session", client.get_cookie("session").value)
    forms.post("/account/sign-out", {}, page="/account/")  # `client` now becomes the admin
    admin = create_user("admin")
    # The person signs in again elsewhere; that cookie is what deactivation must end.
    other = create_app(TestConfig(database_url)).test_client()
    from tests.conftest import Forms

    Forms(other).post("/account/sign-in", {"email": person.email, "password": PASSWORD})
    assert other.get("/account/").status_code == 200
    sign_in(admin)
    url = f"/admin/users/{person.id}"
    response = forms.post(f"{url}/active", {}, page=url)
    assert response.status_code == 302
    db.session.refresh(person)
    assert not person.is_active_account
    assert other.get("/account/").status_code == 302
    forms.post(f"{url}/active", {}, page=url)
    db.session.refresh(person)
    assert person.is_active_account
    own = forms.post(f"/admin/users/{admin.id}/active", {}, page=f"/admin/users/{admin.id}")
    assert own.status_code == 302
    db.session.refresh(admin)
    assert admin.is_active_account  # never yourself


def test_an_admin_forces_a_password_reset(client, forms, create_user, sign_in):
    person = create_user("resident")
    admin = create_user("admin")
    sign_in(admin)
    url = f"/admin/users/{person.id}"
    assert forms.post(f"{url}/force-reset", {}, page=url).status_code == 302
    db.session.refresh(person)
    assert not person.check_password(PASSWORD)
    [message] = outbox_rows(topic="account.forced_reset")
    assert message.to_address == person.email and "An administrator" in message.body_text
    assert "/account/reset/" in message.body_text


def test_a_resident_cannot_deactivate_anyone(client, forms, create_user, sign_in):
    person = create_user("resident")
    sign_in(create_user("resident"))
    token = forms.token("/account/")
    response = client.post(f"/admin/users/{person.id}/active", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(person)
    assert person.is_active_account


def test_the_personal_page_shows_what_is_open(client, create_user, sign_in, neighbourhoods):
    make_process("voting", neighbourhoods=[neighbourhoods[0]])
    user = create_user("resident")
    response = sign_in(user)
    assert response.headers["Location"] == "/account/"  # where a person lands
    page = text(client.get("/account/"))
    assert "Vote in Healthy Hillside 2027: Hillside" in page
    assert "You have not voted yet." in page


def _story_by(user, text: str):
    from datetime import date, datetime

    from pbapp.models.accountability import Commitment, CommitmentUpdate, Story

    commitment = Commitment(
        shift="Prevention",
        position=len(text),
        text="Do better",
        owner="Board",
        due_date=date(2027, 3, 31),
        status="on_track",
    )
    update = CommitmentUpdate(commitment=commitment, summary="Going well.")
    story = Story(
        commitment_update=update,
        text=text,
        teller_name=user.name,
        teller_id=user.id,
        consent_given_at=datetime(2026, 1, 1),
        consent_how="Online form",
    )
    db.session.add_all([commitment, update, story])
    db.session.commit()
    return story


def test_deleting_withdraws_or_keeps_stories_without_the_name(forms, create_user, sign_in):
    """Found by the form fuzzer: removing contributions left a teller's name on a withdrawn
    story, which the database refuses (a 500)."""
    from pbapp.models.accountability import Story

    for choice in ("remove", "keep"):
        user = create_user("resident")
        story_id = _story_by(user, f"My story, {choice}").id
        sign_in(user)
        done = forms.post("/account/delete", {"contributions": choice, "password": PASSWORD})
        assert done.status_code == 302
        story = db.session.get(Story, story_id)
        db.session.refresh(story)
        assert story.teller_id is None and story.teller_name is None
        assert (story.text is None) == (choice == "remove")
        assert (story.withdrawn_at is not None) == (choice == "remove")
