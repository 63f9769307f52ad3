"""Whose funding records a funder may change.

Each funder account acts for one funding organisation (``User.funding_organisation``, set by an
admin). A funder may record and change only its own organisation's contributions, and change
only draft scenarios made by its own organisation's accounts; officers may change any. Found:
a funder set the NHS contribution from £450,000 to £1.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.funding import Contribution, Scenario
from pbapp.services.errors import FieldError

NO_ORGANISATION = _l(
    "Your account does not belong to a funding organisation yet, so it cannot change funding "
    "records: ask an admin to set your organisation."
)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _officer(user: User) -> bool:
    return user.has_role("officer")


def why_not_change_contribution(user: User, item: Contribution) -> str | None:
    """Why ``user`` may not change ``item``, or None when they may."""
    if _officer(user):
        return None
    if not user.funding_organisation:
        return str(NO_ORGANISATION)
    if not _same(item.funder_name, user.funding_organisation):
        return _(
            "This is %(funder)s's contribution: only its own funders, and officers, can change it.",
            funder=item.funder_name,
        )
    return None


def check_funder_name(user: User, funder_name: str) -> None:
    """Refuse a contribution a funder records (or renames) for another organisation."""
    if _officer(user):
        return
    if not user.funding_organisation:
        raise FieldError("funder_name", str(NO_ORGANISATION))
    if not _same(funder_name, user.funding_organisation):
        raise FieldError(
            "funder_name",
            _(
                "You record contributions of %(organisation)s only; an officer can record "
                "another organisation's.",
                organisation=user.funding_organisation,
            ),
        )


def why_not_change_scenario(user: User, scenario: Scenario) -> str | None:
    """Why ``user`` may not change (or publish) ``scenario``, or None when they may."""
    if _officer(user):
        return None
    if not user.funding_organisation:
        return str(NO_ORGANISATION)
    author = db.session.get(User, scenario.created_by_id) if scenario.created_by_id else None
    if author is None or not _same(author.funding_organisation, user.funding_organisation):
        return _(
            "This scenario belongs to another funding organisation: only its funders, and "
            "officers, can change it."
        )
    return None
