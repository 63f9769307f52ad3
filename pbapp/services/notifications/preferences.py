"""Which notices a person wants. Each topic has a default; a row records a change of mind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.mail import NoticePreference
from pbapp.services import audit

# topic: (what the person reads on their settings page, on unless they turn it off?)
# Translators: the labels complete "Email me when" (and "You will no longer be emailed when:")
TOPICS: dict[str, tuple[str, bool]] = {
    "proposal.reviewed": (_l("A proposal of yours has been reviewed (with the reason)"), True),
    "voting.opens": (_l("Voting opens in your neighbourhood"), True),
    "voting.closing": (_l("Voting closes in two days and you have not voted"), True),
    "results.published": (_l("Results are published for a budget you voted in"), True),
    "challenge.answered": (_l("Your challenge or comment on a commitment was answered"), True),
    "delivery.updated": (_l("A project you voted for or follow has a delivery update"), True),
    "officer.new_proposal": (_l("Officers: a new proposal is waiting for review"), True),
    "officer.correction": (
        _l("Officers: a group asks for a correction in a core-funding round you run"),
        True,
    ),
    "owner.challenge": (_l("A commitment you answer for is challenged"), True),
}


def wants(user: User, topic: str) -> bool:
    if topic not in TOPICS:
        raise ValueError(f"unknown notice topic {topic!r}")
    row = db.session.get(NoticePreference, (user.id, topic))
    return TOPICS[topic][1] if row is None else row.wanted


def choices(user: User) -> dict[str, bool]:
    rows = {
        r.topic: r.wanted
        for r in db.session.scalars(
            select(NoticePreference).where(NoticePreference.user_id == user.id)
        )
    }
    return {topic: rows.get(topic, default) for topic, (_, default) in TOPICS.items()}


def set_wanted(user: User, topic: str, wanted: bool) -> bool:
    """Record ``user``'s choice for ``topic``; returns whether anything changed."""
    if topic not in TOPICS:
        raise ValueError(f"unknown notice topic {topic!r}")
    if wants(user, topic) == wanted:
        return False
    row = db.session.get(NoticePreference, (user.id, topic))
    if row is None:
        db.session.add(NoticePreference(user_id=user.id, topic=topic, wanted=wanted))
    else:
        row.wanted = wanted
    audit.record(user, "user.notice_choice", "user", user.id, after={topic: wanted})
    return True


# Not a topic: whether the person's notices wait for one email a day (a row with wanted=True)
# instead of going one by one. Its unsubscribe link (on the digest) stops every notice.
DIGEST = "notice.digest"
# Translators: completes "You will no longer be emailed when:" (the daily digest's link)
DIGEST_LABEL = _l("There is news for your daily digest")


def wants_digest(user: User) -> bool:
    row = db.session.get(NoticePreference, (user.id, DIGEST))
    return row is not None and row.wanted


def digest_ids() -> set[int]:
    """The ids of everyone who chose the daily digest (looked up once for many people)."""
    return set(
        db.session.scalars(
            select(NoticePreference.user_id).where(
                NoticePreference.topic == DIGEST, NoticePreference.wanted.is_(True)
            )
        )
    )


def set_digest(user: User, daily: bool) -> bool:
    """One email a day (``daily``) or one for each notice; returns whether anything changed."""
    if wants_digest(user) == daily:
        return False
    row = db.session.get(NoticePreference, (user.id, DIGEST))
    if row is None:
        db.session.add(NoticePreference(user_id=user.id, topic=DIGEST, wanted=daily))
    else:
        row.wanted = daily
    audit.record(user, "user.notice_choice", "user", user.id, after={DIGEST: daily})
    return True


def stop_all(user: User) -> None:
    """Turn every kind of notice off (the daily digest's unsubscribe link)."""
    for topic in TOPICS:
        set_wanted(user, topic, False)
