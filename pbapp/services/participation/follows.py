"""Following a proposal: a resident hears of its delivery updates, as those who voted for it do.

Only a proposal everyone may see can be followed (not a draft, not in a draft process); the
notice itself is written by ``pbapp.services.notifications.notices.delivery_updated``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Proposal, User
from pbapp.models.mail import ProposalFollow
from pbapp.services.errors import FieldError


def followable(proposal: Proposal) -> bool:
    """Public: submitted (not a draft) in a published process."""
    return proposal.status != "draft" and not proposal.budget.process.is_draft


def is_following(user: User, proposal: Proposal) -> bool:
    if not user.is_authenticated:
        return False
    return db.session.get(ProposalFollow, (user.id, proposal.id)) is not None


def follow(user: User, proposal: Proposal) -> bool:
    """Start following; returns whether anything changed. Raises ``FieldError`` for a proposal
    that cannot be followed."""
    if not followable(proposal):
        raise FieldError("form", _("This proposal cannot be followed."))
    if is_following(user, proposal):
        return False
    # Not audited: whom a resident follows is their own business (deleted with the account).
    db.session.add(ProposalFollow(user_id=user.id, proposal_id=proposal.id))
    return True


def unfollow(user: User, proposal: Proposal) -> bool:
    """Stop following; returns whether anything changed."""
    row = db.session.get(ProposalFollow, (user.id, proposal.id))
    if row is None:
        return False
    db.session.delete(row)
    return True


def followed_by(user: User) -> list[Proposal]:
    """The proposals ``user`` follows that everyone may still see, newest follow first."""
    found = db.session.scalars(
        select(Proposal)
        .join(ProposalFollow, ProposalFollow.proposal_id == Proposal.id)
        .where(ProposalFollow.user_id == user.id)
        .order_by(ProposalFollow.created_at.desc(), Proposal.id.desc())
    ).all()
    return [p for p in found if followable(p)]


def follower_ids(proposal: Proposal) -> set[int]:
    return set(
        db.session.scalars(
            select(ProposalFollow.user_id).where(ProposalFollow.proposal_id == proposal.id)
        )
    )
