"""Notices go to the outbox with the event that causes them, only to people who want them; the
scheduled command writes each date-driven notice once however often it runs."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

from pbapp.extensions import db
from pbapp.models import User
from pbapp.services.accountability import commitments
from pbapp.services.notifications import preferences
from pbapp.services.participation import proposals, results
from tests.conftest import outbox_rows
from tests.pb_factories import add_voters, make_process, make_proposal


def test_the_author_hears_their_proposal_was_reviewed_with_the_reason(create_user, neighbourhoods):
    officer = create_user("officer")
    author = create_user("resident")
    budget = make_process("review", neighbourhoods=[neighbourhoods[0]]).budgets[0]
    proposal = make_proposal(budget, "Bike shed", 2000, status="submitted", author=author)
    proposals.review_proposal(
        officer,
        proposal,
        feasible=False,
        note="The land is not the council's.",
        reviewed_cost=None,
        today=date.today(),
    )
    db.session.commit()
    [message] = outbox_rows(topic="proposal.reviewed")
    assert message.to_address == author.email
    assert "not feasible" in message.body_text
    assert "The land is not the council's." in unescape(message.body_text)
    assert message.unsubscribe_url


def test_a_person_who_turned_a_topic_off_gets_nothing(create_user, neighbourhoods):
    officer = create_user("officer")
    author = create_user("resident")
    preferences.set_wanted(author, "proposal.reviewed", False)
    budget = make_process("review", neighbourhoods=[neighbourhoods[0]]).budgets[0]
    proposal = make_proposal(budget, "Bike shed", 2000, status="submitted", author=author)
    proposals.review_proposal(
        officer, proposal, feasible=True, note="", reviewed_cost=None, today=date.today()
    )
    db.session.commit()
    assert outbox_rows(topic="proposal.reviewed") == []


def test_officers_hear_of_a_new_proposal_once(create_user, neighbourhoods):
    from pbapp.services.participation.proposals import ProposalText

    officers = [create_user("officer"), create_user("officer")]
    author = create_user("resident")
    budget = make_process("proposals", neighbourhoods=[neighbourhoods[0]]).budgets[0]
    text = ProposalText(
        title="Walking group",
        summary="Walks.",
        description="Weekly walks.",
        cost=900,
        theme="air-green-space",
        location="",
    )
    made = proposals.save_proposal(author, budget, text, submit=True, today=date.today())
    db.session.commit()
    proposals.save_proposal(
        author, budget, text, submit=True, today=date.today(), proposal=made
    )  # an edit of a submitted proposal is not news
    db.session.commit()
    sent = outbox_rows(topic="officer.new_proposal")
    assert sorted(m.to_address for m in sent) == sorted(o.email for o in officers)


def test_voters_hear_the_result_is_out(create_user, counted):
    budget, _ = counted
    officer = create_user("officer")
    results.publish_result(officer, budget, date.today())
    db.session.commit()
    sent = outbox_rows(topic="results.published")
    assert len(sent) == 11  # the 11 voters of the counted budget
    assert "/budgets/" in sent[0].body_text and "/results" in sent[0].body_text


def test_a_challenger_hears_the_answer(create_user):
    from pbapp.models.accountability import Commitment

    officer = create_user("officer")
    resident = create_user("resident")
    commitment = Commitment(
        shift="Prevention",
        position=1,
        text="Do better",
        owner="Board",
        due_date=date(2027, 3, 31),
        status="on_track",
    )
    db.session.add(commitment)
    db.session.flush()
    challenge = commitments.add_comment(resident, commitment, "challenge", "Where is it?")
    commitments.answer_challenge(officer, challenge, "Here it is.")
    db.session.commit()
    [message] = outbox_rows(topic="challenge.answered")
    assert message.to_address == resident.email and "Here it is." in message.body_text


def test_scheduled_notices_are_written_once_however_often_the_command_runs(
    app, create_user, neighbourhoods
):
    home, other = neighbourhoods[0], neighbourhoods[1]
    process = make_process("voting", neighbourhoods=[home, other], citywide=50_000)
    process.results_start = date.today() + timedelta(days=2)  # last voting day: tomorrow
    db.session.commit()
    for _ in range(3):
        create_user("resident")  # all in `home`
    elsewhere = User(
        name="Elsewhere", email="else@example.org", password_hash="!", neighbourhood_id=other.id
    )
    from pbapp.models import UserRole

    elsewhere.role_rows = [UserRole(role="resident")]
    db.session.add(elsewhere)
    db.session.commit()
    # Someone in `home` has voted in the home budget already.
    home_budget = next(b for b in process.budgets if b.neighbourhood_id == home.id)
    project = make_proposal(home_budget, "Benches", 1000)
    add_voters(home_budget, home, [{project.id: 1}])
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notices", "send"])
    assert first.exit_code == 0, first.output
    opens = outbox_rows(topic="voting.opens")
    closing = outbox_rows(topic="voting.closing")
    # Opens: 3 residents + the voter in home, and the resident elsewhere: once each.
    assert len(opens) == 5
    assert len({m.to_address for m in opens}) == 5
    # Closing: every eligible person who has not voted, per budget: the home budget (3 residents;
    # the voter has voted), the other ward's (1), the city-wide one (all 5).
    assert len(closing) == 3 + 1 + 5
    second = runner.invoke(args=["notices", "send"])
    assert second.exit_code == 0
    assert "0 'voting is open', 0 'closes soon'" in second.output
    assert len(outbox_rows()) == 5 + 9


def test_notice_choices_page_saves_choices(client, forms, create_user, sign_in):
    user = create_user("resident")
    sign_in(user)
    page = unescape(client.get("/account/notices").get_data(as_text=True))
    assert "Voting opens in your neighbourhood" in page
    assert "Officers: a new proposal" not in page  # not an officer
    response = forms.post("/account/notices", {"topics": ["voting.opens", "results.published"]})
    assert response.status_code == 302
    assert "A commitment you answer for" not in page  # answers for no commitment
    hidden = {"officer.new_proposal": True, "officer.correction": True, "owner.challenge": True}
    assert preferences.choices(user) | hidden == {
        "proposal.reviewed": False,
        "voting.opens": True,
        "voting.closing": False,
        "results.published": True,
        "challenge.answered": False,
        "delivery.updated": False,
        **hidden,
    }
    bad = forms.post("/account/notices", {"topics": ["voting.opens", "nonsense"]})
    assert bad.status_code == 422


def test_scheduled_notices_skip_people_who_turned_them_off(app, create_user, neighbourhoods):
    make_process("voting", neighbourhoods=[neighbourhoods[0]])
    keen, quiet = create_user("resident"), create_user("resident")
    preferences.set_wanted(quiet, "voting.opens", False)
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["notices", "send"]).exit_code == 0
    assert [m.to_address for m in outbox_rows(topic="voting.opens")] == [keen.email]
