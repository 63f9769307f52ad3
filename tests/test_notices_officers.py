"""Issue 19: officers and group workers hear what concerns them: a correction request on a
core-funding round they run, a challenge to a commitment they answer for (each a kind of notice
they can turn off, written in the transaction of the event)."""

from __future__ import annotations

from datetime import date

import pytest

from pbapp.extensions import db
from pbapp.models.accountability import Commitment
from pbapp.services import core_funding as cf
from pbapp.services.accountability import commitments
from pbapp.services.errors import FieldError
from pbapp.services.notifications import preferences
from tests.conftest import outbox_rows
from tests.test_vcs_factories import add_need, example_round, worked_example


@pytest.fixture()
def published(create_user, neighbourhoods):
    add_need(neighbourhoods)
    keeper = create_user("vcs", name="Kim Keeper")
    groups = worked_example(neighbourhoods, keeper=keeper)
    officer = create_user("officer")
    item = example_round(officer)
    cf.publish_round(officer, item)
    db.session.commit()
    return {"keeper": keeper, "officer": officer, "round": item, "groups": groups}


def raise_one(published, funding_round):
    return cf.raise_correction(
        published["keeper"],
        published["groups"][0],
        funding_round,
        "income",
        "Our income in 2025 was £19,000, not £9,000.",
    )


def test_the_officer_who_runs_a_round_hears_of_a_correction_request(create_user, published):
    bystander = create_user("officer")  # runs no round
    request = raise_one(published, published["round"])
    db.session.commit()
    [message] = outbox_rows(topic="officer.correction")
    assert message.to_address == published["officer"].email
    assert bystander.email not in {m.to_address for m in outbox_rows()}
    assert published["groups"][0].name in message.subject
    assert "£19,000, not £9,000" in message.body_text
    assert f"/core-funding/corrections/{request.id}" in message.body_text
    assert message.unsubscribe_url


def test_a_request_with_no_round_goes_to_every_officer(create_user, published):
    other = create_user("officer")
    raise_one(published, None)
    db.session.commit()
    sent = sorted(m.to_address for m in outbox_rows(topic="officer.correction"))
    assert sent == sorted([published["officer"].email, other.email])


def test_an_officer_who_turned_corrections_off_hears_nothing(published):
    preferences.set_wanted(published["officer"], "officer.correction", False)
    raise_one(published, published["round"])
    db.session.commit()
    assert outbox_rows(topic="officer.correction") == []


def test_a_refused_request_sends_nothing(published):
    with pytest.raises(FieldError):
        cf.raise_correction(
            published["keeper"], published["groups"][0], published["round"], "income", "  "
        )
    db.session.rollback()
    raise_one(published, published["round"])
    db.session.rollback()  # the request rolled back: its notice with it
    assert outbox_rows(topic="officer.correction") == []


def _commitment(owner: str) -> Commitment:
    item = Commitment(
        shift="Prevention",
        position=1,
        text="Open two more family hubs",
        owner=owner,
        due_date=date(2027, 3, 31),
        status="on_track",
    )
    db.session.add(item)
    db.session.commit()
    return item


def test_the_people_who_act_for_a_commitments_owner_hear_of_a_challenge(create_user, published):
    group = published["groups"][0]
    funder = create_user("funder")
    funder.funding_organisation = group.name.upper()  # the same organisation, any letter case
    other_funder = create_user("funder")
    other_funder.funding_organisation = "Another Trust"
    officer = published["officer"]
    db.session.commit()
    item = _commitment(group.name)
    resident = create_user("resident")

    commitments.add_comment(resident, item, "comment", "Good idea.")  # a comment is not a challenge
    db.session.commit()
    assert outbox_rows(topic="owner.challenge") == []

    challenge = commitments.add_comment(resident, item, "challenge", "Only one hub has opened.")
    db.session.commit()
    sent = outbox_rows(topic="owner.challenge")
    assert sorted(m.to_address for m in sent) == sorted([funder.email, published["keeper"].email])
    assert officer.email not in {m.to_address for m in sent}  # someone answers for it already
    assert "Only one hub has opened." in sent[0].body_text
    assert f"/commitments/{challenge.commitment_id}" in sent[0].body_text
    assert sent[0].unsubscribe_url


def test_with_nobody_acting_for_the_owner_the_officers_hear_and_choices_are_kept(
    create_user,
):
    officers = [create_user("officer"), create_user("officer")]
    preferences.set_wanted(officers[1], "owner.challenge", False)
    item = _commitment("The Board")
    resident = create_user("resident")
    commitments.add_comment(resident, item, "challenge", "Where is it?")
    db.session.commit()
    assert [m.to_address for m in outbox_rows(topic="owner.challenge")] == [officers[0].email]
    commitments.add_comment(resident, item, "challenge", "Still waiting.")
    db.session.rollback()
    assert len(outbox_rows(topic="owner.challenge")) == 1
