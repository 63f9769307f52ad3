"""Issue 19: a daily digest instead of single messages, written by `flask notices send`, at
most one a day however often the command runs."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models.accountability import Commitment
from pbapp.models.mail import NoticeDigestItem
from pbapp.services.accountability import commitments
from pbapp.services.notifications import digest as daily_digest
from pbapp.services.notifications import preferences
from tests.conftest import link_in, outbox_rows
from tests.pb_factories import make_process


def _challenges(create_user, count: int):
    """``count`` challenges to a commitment with no owner on the platform (officers hear)."""
    item = Commitment(
        shift="Prevention",
        position=db.session.query(Commitment).count() + 1,
        text="Open two more family hubs",
        owner="The Board",
        due_date=date(2027, 3, 31),
        status="on_track",
    )
    db.session.add(item)
    db.session.commit()
    resident = create_user("resident")
    for n in range(count):
        commitments.add_comment(resident, item, "challenge", f"Challenge number {n + 1}.")
    db.session.commit()


def test_a_digest_reader_gets_one_email_a_day_gathering_the_notices(app, create_user):
    officer = create_user("officer")
    preferences.set_digest(officer, True)
    db.session.commit()
    _challenges(create_user, 2)
    assert outbox_rows(topic="owner.challenge") == []  # waiting for the digest
    assert len(db.session.scalars(select(NoticeDigestItem)).all()) == 2

    runner = app.test_cli_runner()
    first = runner.invoke(args=["notices", "send"])
    assert first.exit_code == 0 and "Daily digests written: 1." in first.output
    [digest] = outbox_rows(topic=preferences.DIGEST)
    assert digest.to_address == officer.email
    assert digest.subject == "Your daily digest: 2 notices"
    body = unescape(digest.body_text)
    assert "Challenge number 1." in body and "Challenge number 2." in body
    assert body.count("A commitment you answer for is challenged") == 2
    assert "/account/notices" in body
    assert digest.unsubscribe_url

    again = runner.invoke(args=["notices", "send"])  # twice the same day: nothing twice
    assert "Daily digests written: 0." in again.output
    _challenges(create_user, 1)  # news later the same day waits for tomorrow
    runner.invoke(args=["notices", "send"])
    assert len(outbox_rows(topic=preferences.DIGEST)) == 1

    tomorrow = date.today() + timedelta(days=1)
    assert daily_digest.digests(tomorrow) == 1
    db.session.commit()
    later = outbox_rows(topic=preferences.DIGEST)[-1]
    assert later.subject == "Your daily digest: 1 notice"
    assert "Challenge number 1." in later.body_text  # the third challenge's words
    assert daily_digest.digests(tomorrow) == 0


def test_people_who_chose_single_emails_are_not_affected(app, create_user):
    single = create_user("officer")
    daily = create_user("officer")
    preferences.set_digest(daily, True)
    db.session.commit()
    _challenges(create_user, 1)
    assert [m.to_address for m in outbox_rows(topic="owner.challenge")] == [single.email]
    app.test_cli_runner().invoke(args=["notices", "send"])
    assert [m.to_address for m in outbox_rows(topic=preferences.DIGEST)] == [daily.email]


def test_scheduled_notices_go_to_the_digest_too(app, create_user, neighbourhoods):
    make_process("voting", neighbourhoods=[neighbourhoods[0]])
    resident = create_user("resident")
    preferences.set_digest(resident, True)
    db.session.commit()
    app.test_cli_runner().invoke(args=["notices", "send"])
    assert outbox_rows(topic="voting.opens") == []
    [digest] = outbox_rows(topic=preferences.DIGEST)
    assert "Voting is open" in digest.body_text


def test_choosing_the_digest_on_the_choices_page_and_stopping_it(
    client, forms, create_user, sign_in
):
    officer = create_user("officer")
    sign_in(officer)
    page = unescape(client.get("/account/notices").get_data(as_text=True))
    assert "One email a day gathering the day's notices (a daily digest)" in page
    topics = list(preferences.TOPICS)
    response = forms.post("/account/notices", {"topics": topics, "how": "daily"})
    assert response.status_code == 302
    assert preferences.wants_digest(officer)
    _challenges(create_user, 1)
    daily_digest.digests(date.today())
    db.session.commit()
    [digest] = outbox_rows(topic=preferences.DIGEST)

    # The digest's one-click unsubscribe stops every kind of notice.
    stop = link_in(digest, "/account/unsubscribe/")
    assert "news for your daily digest" in unescape(client.get(stop).get_data(as_text=True))
    assert client.post(stop).status_code == 200
    assert not any(preferences.choices(officer).values())


def test_a_deleted_account_leaves_no_waiting_notice(create_user):
    from pbapp.services.accounts import closing
    from tests.conftest import PASSWORD

    officer = create_user("officer")
    preferences.set_digest(officer, True)
    db.session.commit()
    _challenges(create_user, 1)
    officer.role_rows = []  # an officer's account is deleted as anyone's (not an admin)
    closing.delete_account(officer, password=PASSWORD, remove_contributions=False)
    db.session.commit()
    assert db.session.scalars(select(NoticeDigestItem)).all() == []
    assert daily_digest.digests(date.today()) == 0
