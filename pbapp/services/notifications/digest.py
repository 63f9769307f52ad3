"""The daily digest: one email a day gathering a person's waiting notices, for those who chose
it instead of single messages (``flask notices send`` writes them)."""

from __future__ import annotations

from datetime import date

from flask import current_app, has_request_context
from flask_babel import ngettext
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.formatting import number
from pbapp.i18n import in_language_of
from pbapp.models import User
from pbapp.models.mail import NoticeDigestItem, NoticeSent
from pbapp.services.mail.outbox import enqueue, external_url, utcnow
from pbapp.services.notifications.preferences import DIGEST


def digest_subject(count: int) -> str:
    return ngettext(
        "Your daily digest: %(count)s notice",
        "Your daily digest: %(count)s notices",
        count,
        count=number(count),
    )


def digests(today: date) -> int:
    """One email for each person with notices waiting for their digest, at most one a day:
    the items it gathers are marked, and the day recorded, in the same transaction, so running
    the command twice sends nothing twice. Returns how many digests were written."""
    if has_request_context():
        return _digests(today)
    with current_app.test_request_context("/"):
        return _digests(today)


def _digests(today: date) -> int:
    key = f"day:{today.isoformat()}"
    done = set(
        db.session.scalars(
            select(NoticeSent.user_id).where(
                NoticeSent.topic == DIGEST, NoticeSent.subject_key == key
            )
        )
    )
    waiting = db.session.scalars(
        select(NoticeDigestItem)
        .where(NoticeDigestItem.gathered_at.is_(None))
        .order_by(NoticeDigestItem.user_id, NoticeDigestItem.id)
    ).all()
    by_person: dict[int, list[NoticeDigestItem]] = {}
    for item in waiting:
        by_person.setdefault(item.user_id, []).append(item)
    written = 0
    now = utcnow()
    for user_id, items in by_person.items():
        if user_id in done:
            continue  # today's digest has gone: these wait for tomorrow's
        user = db.session.get(User, user_id)
        db.session.add(NoticeSent(topic=DIGEST, subject_key=key, user_id=user_id))
        for item in items:
            item.gathered_at = now
        if not user.is_active:
            continue
        with in_language_of(user):
            enqueue(
                to=user.email,
                template="digest",
                subject=digest_subject(len(items)),
                topic=DIGEST,
                user=user,
                name=user.name,
                items=items,
                choices_url=external_url("auth.notices"),
            )
        written += 1
    db.session.flush()
    return written
