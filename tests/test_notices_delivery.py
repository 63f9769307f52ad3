"""Issue 19: following a project, and the notice of a delivery update to its voters and
followers (one each, in the update's transaction, honouring their choices)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Ballot, BallotItem, User
from pbapp.models.mail import ProposalFollow
from pbapp.services.accountability import delivery
from pbapp.services.accounts import closing
from pbapp.services.notifications import notices, preferences
from pbapp.services.participation import follows
from pbapp.services.participation.results import publish_result
from tests.conftest import PASSWORD, outbox_rows
from tests.pb_factories import make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture()
def funded(counted, create_user):
    """A funded project of the counted budget, and the budget's other projects."""
    budget, projects = counted
    result = publish_result(create_user("officer"), budget, date.today())
    db.session.commit()
    chosen = [p for p in projects if p.id in result.selected]
    return chosen[0], [p for p in projects if p is not chosen[0]]


def voters_of(proposal) -> set[int]:
    return set(
        db.session.scalars(
            select(Ballot.voter_id)
            .join(BallotItem, BallotItem.ballot_id == Ballot.id)
            .where(BallotItem.proposal_id == proposal.id)
        )
    )


def update(officer, proposal, status="in_progress", **more):
    target = delivery.subject("project", proposal.id)
    delivery.update_delivery(officer, target, delivery.DeliveryInput(status, 500, **more))


def test_voters_and_followers_each_get_one_notice_of_a_delivery_update(
    client, forms, create_user, sign_in, funded
):
    project, others = funded
    voters = voters_of(project)
    follower = create_user("resident")
    sign_in(follower)
    page = text(client.get(f"/proposals/{project.id}"))
    assert "Follow this project" in page
    followed = forms.post(f"/proposals/{project.id}/follow", {}, page=f"/proposals/{project.id}")
    assert followed.status_code == 302
    assert "You follow this project" in text(client.get(f"/proposals/{project.id}"))
    both = db.session.get(User, min(voters))  # voted for it and follows it too
    follows.follow(both, project)
    quiet = db.session.get(User, max(voters))  # voted, but turned these notices off
    preferences.set_wanted(quiet, "delivery.updated", False)
    gone = db.session.get(User, sorted(voters)[1])  # voted, then the account was deactivated
    gone.is_active_account = False
    # Voted for other projects only.
    other_voters = set().union(*(voters_of(p) for p in others)) - voters
    assert other_voters
    db.session.commit()

    officer = create_user("officer")
    update(officer, project, milestone="Ground cleared", note="Planting starts in May.")
    db.session.commit()

    rows = outbox_rows(topic="delivery.updated")
    counts = Counter(row.user_id for row in rows)
    expected = (voters - {quiet.id, gone.id}) | {follower.id}
    assert set(counts) == expected
    assert set(counts.values()) == {1}  # one each, the voter who follows too included
    assert not other_voters & set(counts)
    message = next(row for row in rows if row.user_id == follower.id)
    assert message.subject == f"Delivery update: {project.title}"
    assert "it is in progress" in message.body_text
    assert "Milestone: Ground cleared" in message.body_text
    assert "Planting starts in May." in message.body_text
    assert f"/delivery/project/{project.id}" in message.body_text
    assert message.unsubscribe_url  # a notice: one click turns this kind off

    update(officer, project, status="delivered")  # a second update is a second notice
    db.session.commit()
    assert len(outbox_rows(topic="delivery.updated")) == 2 * len(expected)


def test_an_update_rolled_back_leaves_no_notice(create_user, funded):
    project, _ = funded
    follows.follow(create_user("resident"), project)
    db.session.commit()
    update(create_user("officer"), project)
    db.session.rollback()
    assert outbox_rows(topic="delivery.updated") == []


def test_the_delivery_update_form_notifies_too(forms, create_user, sign_in, funded):
    project, _ = funded
    sign_in(create_user("officer"))
    response = forms.post(
        f"/delivery/project/{project.id}/update", {"status": "in_progress", "spend": "100"}
    )
    assert response.status_code == 302
    assert len(outbox_rows(topic="delivery.updated")) == len(voters_of(project))


def test_unfollow_and_the_personal_page_lists_what_is_followed(
    client, forms, create_user, sign_in, funded
):
    project, _ = funded
    resident = create_user("resident")
    sign_in(resident)
    page = f"/proposals/{project.id}"
    assert "You do not follow any project" in text(client.get("/account/"))
    forms.post(f"/proposals/{project.id}/follow", {}, page=page)
    forms.post(f"/proposals/{project.id}/follow", {}, page=page)  # twice: still one row
    assert db.session.scalars(select(ProposalFollow)).all() != []
    assert len(db.session.scalars(select(ProposalFollow)).all()) == 1
    assert project.title in text(client.get("/account/")).split("Projects you follow")[1]
    assert forms.post(f"/proposals/{project.id}/unfollow", {}, page=page).status_code == 302
    assert db.session.scalars(select(ProposalFollow)).all() == []
    assert "You do not follow any project" in text(client.get("/account/"))
    update(create_user("officer"), project)
    db.session.commit()
    assert resident.id not in {row.user_id for row in outbox_rows(topic="delivery.updated")}


def test_a_follow_without_a_token_changes_nothing(client, create_user, sign_in, funded):
    project, _ = funded
    sign_in(create_user("resident"))
    assert client.post(f"/proposals/{project.id}/follow").status_code in (302, 400)
    assert db.session.scalars(select(ProposalFollow)).all() == []


def test_what_people_may_not_see_cannot_be_followed_and_sends_nothing(
    client, forms, create_user, sign_in, neighbourhoods
):
    hidden = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    hidden.is_draft = True
    secret = make_proposal(hidden.budgets[0], "Secret plan", 1000, status="submitted")
    open_process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    author = create_user("resident")
    draft = make_proposal(open_process.budgets[0], "My draft", 1000, status="draft", author=author)
    db.session.commit()
    resident = create_user("resident")
    sign_in(resident)
    token_page = "/account/"
    assert forms.post(f"/proposals/{secret.id}/follow", {}, page=token_page).status_code == 404
    assert forms.post(f"/proposals/{draft.id}/follow", {}, page=token_page).status_code == 404
    assert db.session.scalars(select(ProposalFollow)).all() == []
    # Followed before the process went back to draft (or put there by hand): still no notice.
    db.session.add(ProposalFollow(user_id=resident.id, proposal_id=secret.id))
    db.session.commit()
    assert follows.followed_by(resident) == []
    assert notices.delivery_updated(secret, None) == 0
    assert outbox_rows(topic="delivery.updated") == []


def test_deleting_an_account_forgets_what_it_followed(create_user, funded):
    project, _ = funded
    resident = create_user("resident")
    follows.follow(resident, project)
    db.session.commit()
    assert closing.data_of(resident)["following"] == [project.title]
    closing.delete_account(resident, password=PASSWORD, remove_contributions=False)
    db.session.commit()
    assert db.session.scalars(select(ProposalFollow)).all() == []
