"""A person's data: a download of everything held about them, deleting their account, and an
admin's deactivation or forced password reset.

Deleting keeps the row (so ballots stay counted) but removes everything personal from it: the
name and email become a placeholder, the password can never match, roles, choices and emails
are removed, and earlier audit events lose the email address they recorded. Proposals and
stories stay without a name, or go, as the person chooses.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select

from pbapp.extensions import db
from pbapp.i18n import in_language_of
from pbapp.models import AuditEvent, Ballot, Proposal, User
from pbapp.models.accountability import CommitmentComment, Story
from pbapp.models.mail import (
    NoticeDigestItem,
    NoticePreference,
    NoticeSent,
    OutboxMessage,
    ProposalFollow,
)
from pbapp.services import audit
from pbapp.services.accounts import users
from pbapp.services.errors import FieldError
from pbapp.services.mail.outbox import utcnow
from pbapp.services.notifications.preferences import choices

DELETED_NAME = "Deleted account"
# Proposals still this early can go; later ones are on a ballot or were reviewed in public.
REMOVABLE_PROPOSALS = ("draft", "submitted")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def data_of(user: User) -> dict:
    """Everything the platform holds about ``user``, as plain JSON-ready data."""
    ballots = db.session.scalars(
        select(Ballot).where(Ballot.voter_id == user.id).order_by(Ballot.id)
    ).all()
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id)
    ).all()
    comments = db.session.scalars(
        select(CommitmentComment)
        .where(CommitmentComment.author_id == user.id)
        .order_by(CommitmentComment.id)
    ).all()
    stories = db.session.scalars(
        select(Story).where(Story.teller_id == user.id).order_by(Story.id)
    ).all()
    emails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
    ).all()
    return {
        "account": {
            "name": user.name,
            "email": user.email,
            "email_checked_at": _iso(user.email_checked_at),
            "neighbourhood": user.neighbourhood.name if user.neighbourhood else None,
            "roles": sorted(user.roles),
            "language": user.language,
            "created_at": _iso(user.created_at),
        },
        "ballots": [
            {
                "process": b.budget.process.title,
                "budget": b.budget.neighbourhood.name if b.budget.neighbourhood else "City-wide",
                "source": b.source,
                "cast_at": _iso(b.created_at),
                "choices": [
                    {"project": item.proposal.title, "points": item.points} for item in b.items
                ],
            }
            for b in ballots
        ],
        "proposals": [
            {
                "title": p.title,
                "summary": p.summary,
                "description": p.description,
                "cost": p.cost,
                "status": p.status,
                "review_note": p.review_note,
                "created_at": _iso(p.created_at),
            }
            for p in proposals
        ],
        "comments": [
            {"kind": c.kind, "text": c.text, "posted_at": _iso(c.posted_at)} for c in comments
        ],
        "stories": [
            {
                "text": s.text,
                "named_as": s.teller_name,
                "consent_given_at": _iso(s.consent_given_at),
                "withdrawn_at": _iso(s.withdrawn_at),
            }
            for s in stories
        ],
        "following": [
            p.title
            for p in db.session.scalars(
                select(Proposal)
                .join(ProposalFollow, ProposalFollow.proposal_id == Proposal.id)
                .where(ProposalFollow.user_id == user.id)
                .order_by(Proposal.id)
            )
        ],
        "email_choices": choices(user),
        "emails": [
            {"subject": m.subject, "written_at": _iso(m.created_at), "status": m.status}
            for m in emails
        ],
    }


def delete_account(user: User, *, password: str, remove_contributions: bool) -> None:
    """Delete ``user``'s account as described in the module docstring. Raises ``FieldError``
    ("password") when the password is not right, changing nothing."""
    if not user.check_password(password):
        raise FieldError("password", _("Your password is not right, so nothing was deleted."))
    if user.has_role("admin"):
        raise FieldError(
            "password",
            _(
                "An administrator's account cannot be deleted here: ask another administrator to "
                "take your admin role first."
            ),
        )
    proposals = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id)).all()
    removed = 0
    for proposal in proposals:
        if remove_contributions and proposal.status in REMOVABLE_PROPOSALS:
            db.session.delete(proposal)
            removed += 1
        else:
            proposal.author_id = None
    for story in db.session.scalars(select(Story).where(Story.teller_id == user.id)):
        story.teller_id = None
        story.teller_name = None  # kept stories stay without the name too
        if remove_contributions and story.withdrawn_at is None:
            story.withdrawn_at = utcnow()  # erased as a withdrawal erases: words and name
            story.text = None
    for comment in db.session.scalars(
        select(CommitmentComment).where(CommitmentComment.author_id == user.id)
    ):
        comment.author_id = None
    db.session.execute(delete(NoticePreference).where(NoticePreference.user_id == user.id))
    db.session.execute(delete(NoticeSent).where(NoticeSent.user_id == user.id))
    db.session.execute(delete(ProposalFollow).where(ProposalFollow.user_id == user.id))
    db.session.execute(delete(NoticeDigestItem).where(NoticeDigestItem.user_id == user.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
    for event in db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id)
        )
    ):
        for side in ("before", "after"):
            data = getattr(event, side)
            if data and "email" in data:
                setattr(event, side, {**data, "email": "(deleted)"})
    user.name = DELETED_NAME
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = "!"  # no password hash is "!": nothing can sign in
    user.role_rows = []
    user.is_active_account = False
    user.email_checked_at = None
    user.awaiting_email_check = False
    user.end_all_sessions()
    audit.record(
        None,
        "user.delete",
        "user",
        user.id,
        after={
            "proposals_removed": removed,
            "proposals_kept_unnamed": len(proposals) - removed,
            "contributions": "removed" if remove_contributions else "kept without a name",
        },
    )


def set_active(actor: User, user: User, active: bool) -> None:
    """An admin deactivates (every session ends at once) or reactivates an account."""
    if actor.id == user.id:
        raise FieldError("form", _("You cannot deactivate your own account."))
    if user.name == DELETED_NAME and user.password_hash == "!":
        raise FieldError("form", _("This account was deleted by its owner."))
    if user.is_active_account == active:
        return
    user.is_active_account = active
    user.end_all_sessions()
    audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id)


def force_reset(actor: User, user: User) -> None:
    """An admin makes ``user`` choose a new password: the old one stops working, every session
    ends, and a reset link is emailed to them."""
    if not user.is_active:
        raise FieldError("form", _("This account is deactivated: reactivate it first."))
    user.password_hash = "!"
    user.end_all_sessions()
    with in_language_of(user):
        users.send_reset_link(user, _("Choose a new password"), "account.forced_reset", forced=True)
    audit.record(actor, "user.force_reset", "user", user.id)
