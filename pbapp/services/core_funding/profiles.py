"""A group's profile: who it is, its income, the people it reaches; keepers and eligibility."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import Neighbourhood, User
from pbapp.models.core_funding import (
    ELIGIBILITY_CHECKS,
    Organisation,
    OrganisationKeeper,
    OrganisationReach,
)
from pbapp.services import audit
from pbapp.services.core_funding.common import now
from pbapp.services.errors import FieldError

NAME_MAX = 200
REGISTRATION_MAX = 20
# Sanity limit that also keeps every figure inside the database's integer columns.
MAX_INCOME = 1_000_000_000
_REGISTRATION = re.compile(r"^[A-Za-z0-9 -]*$")


@dataclass
class Profile:
    """What a group says about itself: incomes latest first, people reached by neighbourhood id."""

    name: str
    registration_number: str
    income_year: int | None
    income_latest: int | None
    income_previous: int | None = None
    income_earlier: int | None = None
    reach: dict[int, int] = field(default_factory=dict)


def organisation_of(user: User) -> Organisation | None:
    """The group ``user`` keeps, or None."""
    return db.session.scalar(
        select(Organisation)
        .join(OrganisationKeeper)
        .where(OrganisationKeeper.user_id == user.id)
        .order_by(Organisation.id)
    )


def _check_profile(profile: Profile, organisation: Organisation | None) -> None:
    profile.name = profile.name.strip()
    profile.registration_number = profile.registration_number.strip().upper()
    if not profile.name:
        raise FieldError("name", "Enter your group's name.")
    if len(profile.name) > NAME_MAX:
        raise FieldError("name", f"Use at most {NAME_MAX} characters.")
    clash = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == profile.name.lower())
    )
    if clash is not None and (organisation is None or clash != organisation.id):
        raise FieldError(
            "name", "A group with this name already has a profile. Ask an officer if it is yours."
        )
    if len(profile.registration_number) > REGISTRATION_MAX or not _REGISTRATION.match(
        profile.registration_number
    ):
        raise FieldError(
            "registration_number",
            "Enter a charity or company number in letters and digits, like 1123456 or SC012345.",
        )
    if profile.income_year is None or not 2000 <= profile.income_year <= 2100:
        raise FieldError("income_year", "Enter the year your latest accounts ended, like 2025.")
    if profile.income_latest is None:
        raise FieldError("income_latest", "Enter your income in your latest year.")
    for name in ("income_latest", "income_previous", "income_earlier"):
        value = getattr(profile, name)
        if value is not None and value < 0:
            raise FieldError(name, "An income cannot be negative. Enter £0 if you had none.")
        if value is not None and value > MAX_INCOME:
            raise FieldError(name, f"Enter an income of at most £{MAX_INCOME:,}.")
    if profile.income_earlier is not None and profile.income_previous is None:
        raise FieldError(
            "income_previous", "Enter the income of the year before your latest year first."
        )
    areas = {n.id: n for n in db.session.scalars(select(Neighbourhood))}
    for area_id, people in profile.reach.items():
        area = areas.get(area_id)
        if area is None:
            raise FieldError("reach", "One of the neighbourhoods is not known.")
        if people < 0:
            raise FieldError(f"reach_{area_id}", "Enter 0 or more people.")
        if people > area.population:
            raise FieldError(
                f"reach_{area_id}",
                f"That is more people than live in {area.name} ({area.population:,}).",
            )


def _profile_record(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "registration_number": org.registration_number,
        "income_year": org.income_year,
        "incomes": org.incomes,
        "reach": {str(r.neighbourhood_id): r.people for r in org.reach},
    }


def _apply_profile(org: Organisation, profile: Profile) -> None:
    org.name = profile.name
    org.registration_number = profile.registration_number
    org.income_year = profile.income_year  # type: ignore[assignment]
    org.income_latest = profile.income_latest  # type: ignore[assignment]
    org.income_previous = profile.income_previous
    org.income_earlier = profile.income_earlier
    current = {r.neighbourhood_id: r for r in org.reach}
    for area_id, people in profile.reach.items():
        row = current.get(area_id)
        if people == 0 and row is not None:
            org.reach.remove(row)
        elif people > 0 and row is None:
            org.reach.append(OrganisationReach(neighbourhood_id=area_id, people=people))
        elif people > 0 and row is not None:
            row.people = people


def create_organisation(actor: User, profile: Profile) -> Organisation:
    """Create a group's profile kept by ``actor``. Raises ``FieldError`` naming the field at fault."""
    if organisation_of(actor) is not None:
        raise FieldError("name", "Your account already keeps a group's profile.")
    _check_profile(profile, None)
    org = Organisation(name=profile.name, income_year=0, income_latest=0)
    _apply_profile(org, profile)
    org.keepers.append(OrganisationKeeper(user_id=actor.id))
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.create", "organisation", org.id, after=_profile_record(org))
    return org


def update_organisation(actor: User, org: Organisation, profile: Profile) -> None:
    """Change a group's profile (by a keeper or an officer). Raises ``FieldError``."""
    _check_profile(profile, org)
    before = _profile_record(org)
    _apply_profile(org, profile)
    db.session.flush()
    after = _profile_record(org)
    audit.record_changes(actor, "organisation.update", "organisation", org.id, before, after)


def add_keeper(actor: User, org: Organisation, email: str) -> User:
    """Let the account with ``email`` (which must hold the vcs role) keep ``org``'s profile.

    Raises ``FieldError("email", ...)`` for an unknown account, one without the vcs role, or one
    that already keeps a group. Returns the new keeper.
    """
    address = User.normalise_email(email or "")
    if not address:
        raise FieldError("email", "Enter the email address of the group's account.")
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        raise FieldError("email", "No account has this email address. Ask them to create one.")
    if not user.has_role("vcs"):
        raise FieldError(
            "email",
            "This account is not a community group's account. An admin can give it "
            "the vcs role first.",
        )
    current = organisation_of(user)
    if current is not None:
        raise FieldError(
            "email",
            "This account already keeps a group's profile"
            + (": this one." if current.id == org.id else f": {current.name}."),
        )
    org.keepers.append(OrganisationKeeper(user_id=user.id))
    db.session.flush()
    audit.record(
        actor, "organisation.keeper", "organisation", org.id, after={"keeper_added": user.id}
    )
    return user


def set_eligibility(actor: User, org: Organisation, checks: dict[str, bool]) -> None:
    """Record an officer's eligibility check: every item of ``ELIGIBILITY_CHECKS``, true or false."""
    unknown = set(checks) - ELIGIBILITY_CHECKS.keys()
    if unknown:
        raise FieldError("checks", "One of the checklist items is not known.")
    before = {k: getattr(org, k) for k in ELIGIBILITY_CHECKS} | {"eligible": org.eligible}
    for name in ELIGIBILITY_CHECKS:
        setattr(org, name, bool(checks.get(name)))
    org.eligibility_checked_by_id = actor.id
    org.eligibility_checked_at = now()
    after = {k: getattr(org, k) for k in ELIGIBILITY_CHECKS} | {"eligible": org.eligible}
    audit.record(
        actor, "organisation.eligibility", "organisation", org.id, before=before, after=after
    )
