"""A group's profile: who it is, its income, the people it reaches; keepers and eligibility."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pbapp.extensions import db
from pbapp.models import Neighbourhood, User
from pbapp.models.core_funding import (
    ELIGIBILITY_CHECKS,
    REACH_CHECK_RESULTS,
    Organisation,
    OrganisationKeeper,
    OrganisationReach,
)
from pbapp.services import audit
from pbapp.services.core_funding.common import count_text, now, pounds_text, too_long
from pbapp.services.errors import FieldError

NAME_MAX = 200
REGISTRATION_MAX = 20
PERIOD_MAX = 200
METHOD_MAX = 2000
EQUALITY_DESCRIPTION_MAX = 300
# Sanity limit that also keeps every figure inside the database's integer columns.
MAX_INCOME = 1_000_000_000
_REGISTRATION = re.compile(r"^[A-Za-z0-9 -]*$")


@dataclass
class Profile:
    """What a group says about itself.

    Incomes latest first; ``reach`` the unique people reached by neighbourhood id, ``intensive``
    how many of them had intensive support; the period and method of the count; city-wide reach
    for the equality share (``equality_people`` None: not claimed); whether it trades and the
    Minimal Financial Assistance it has had from other public bodies.
    """

    name: str
    registration_number: str
    income_year: int | None
    income_latest: int | None
    income_previous: int | None = None
    income_earlier: int | None = None
    reach: dict[int, int] = field(default_factory=dict)
    intensive: dict[int, int] = field(default_factory=dict)
    reach_period: str = ""
    reach_method: str = ""
    equality_people: int | None = None
    equality_intensive: int | None = None
    equality_description: str = ""
    trades: bool = False
    mfa_declared: int | None = 0


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
        raise FieldError("name", _("Enter your group's name."))
    if len(profile.name) > NAME_MAX:
        raise FieldError("name", too_long(NAME_MAX))
    clash = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == profile.name.lower())
    )
    if clash is not None and (organisation is None or clash != organisation.id):
        raise FieldError(
            "name",
            _("A group with this name already has a profile. Ask an officer if it is yours."),
        )
    if len(profile.registration_number) > REGISTRATION_MAX or not _REGISTRATION.match(
        profile.registration_number
    ):
        raise FieldError(
            "registration_number",
            _("Enter a charity or company number in letters and digits, like 1123456 or SC012345."),
        )
    if profile.income_year is None or not 2000 <= profile.income_year <= 2100:
        raise FieldError("income_year", _("Enter the year your latest accounts ended, like 2025."))
    if profile.income_latest is None:
        raise FieldError("income_latest", _("Enter your income in your latest year."))
    for name in ("income_latest", "income_previous", "income_earlier"):
        value = getattr(profile, name)
        if value is not None and value < 0:
            raise FieldError(name, _("An income cannot be negative. Enter £0 if you had none."))
        if value is not None and value > MAX_INCOME:
            raise FieldError(
                name, _("Enter an income of at most %(amount)s.", amount=pounds_text(MAX_INCOME))
            )
    if profile.income_earlier is not None and profile.income_previous is None:
        raise FieldError(
            "income_previous", _("Enter the income of the year before your latest year first.")
        )
    areas = {n.id: n for n in db.session.scalars(select(Neighbourhood))}
    for area_id, people in profile.reach.items():
        area = areas.get(area_id)
        if area is None:
            raise FieldError("reach", _("One of the neighbourhoods is not known."))
        if people < 0:
            raise FieldError(f"reach_{area_id}", _("Enter 0 or more people."))
        if people > area.population:
            raise FieldError(
                f"reach_{area_id}",
                _(
                    "That is more people than live in %(neighbourhood)s (%(population)s).",
                    neighbourhood=area.name,
                    population=count_text(area.population),
                ),
            )
        intensive = profile.intensive.get(area_id, 0)
        if intensive < 0:
            raise FieldError(f"intensive_{area_id}", _("Enter 0 or more people."))
        if intensive > people:
            raise FieldError(
                f"intensive_{area_id}",
                _(
                    "Count each person once: at most the %(people)s people you reach in "
                    "%(neighbourhood)s can have had intensive support.",
                    people=count_text(people),
                    neighbourhood=area.name,
                ),
            )
    if set(profile.intensive) - set(profile.reach) and any(
        profile.intensive[a] for a in set(profile.intensive) - set(profile.reach)
    ):
        raise FieldError(
            "reach", _("Enter the people you reach wherever you give intensive support.")
        )
    _check_counting(profile)


def _check_counting(profile: Profile) -> None:
    profile.reach_period = profile.reach_period.strip()
    profile.reach_method = profile.reach_method.strip()
    profile.equality_description = profile.equality_description.strip()
    if len(profile.reach_period) > PERIOD_MAX:
        raise FieldError("reach_period", too_long(PERIOD_MAX))
    if len(profile.reach_method) > METHOD_MAX:
        raise FieldError("reach_method", too_long(METHOD_MAX))
    if any(profile.reach.values()) and not profile.reach_period:
        raise FieldError(
            "reach_period", _("Say which period your figures cover, like April 2025 to March 2026.")
        )
    if any(profile.reach.values()) and not profile.reach_method:
        raise FieldError(
            "reach_method",
            _(
                "Say how you counted, so that each person is counted once (for example, from your "
                "register of members)."
            ),
        )
    people, intensive = profile.equality_people, profile.equality_intensive
    if people is None:
        if intensive:
            raise FieldError(
                "equality_people", _("Enter the people you serve across the city first.")
            )
        profile.equality_intensive = None
    else:
        if not 0 < people <= MAX_INCOME:
            raise FieldError(
                "equality_people",
                _("Enter 1 or more people, or leave it empty if this is not you."),
            )
        profile.equality_intensive = intensive = intensive or 0
        if not 0 <= intensive <= people:
            raise FieldError(
                "equality_intensive",
                _(
                    "Enter between 0 and %(people)s: each person is counted once.",
                    people=count_text(people),
                ),
            )
        if not profile.equality_description:
            raise FieldError(
                "equality_description",
                _(
                    "Say which community you serve across the city, or that the people you serve "
                    "have no fixed address."
                ),
            )
    if len(profile.equality_description) > EQUALITY_DESCRIPTION_MAX:
        raise FieldError("equality_description", too_long(EQUALITY_DESCRIPTION_MAX))
    if profile.mfa_declared is None:
        profile.mfa_declared = 0
    if not 0 <= profile.mfa_declared <= MAX_INCOME:
        raise FieldError("mfa_declared", _("Enter the amount in whole pounds, £0 or more."))


def _profile_record(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "registration_number": org.registration_number,
        "income_year": org.income_year,
        "incomes": org.incomes,
        "reach": {str(r.neighbourhood_id): [r.people, r.intensive] for r in org.reach},
        "reach_period": org.reach_period,
        "reach_method": org.reach_method,
        "equality": [org.equality_people, org.equality_intensive, org.equality_description],
        "trades": org.trades,
        "mfa_declared": org.mfa_declared,
    }


def _apply_profile(org: Organisation, profile: Profile) -> None:
    org.name = profile.name
    org.registration_number = profile.registration_number
    org.income_year = profile.income_year  # type: ignore[assignment]
    org.income_latest = profile.income_latest  # type: ignore[assignment]
    org.income_previous = profile.income_previous
    org.income_earlier = profile.income_earlier
    before = reach_figures(org)
    current = {r.neighbourhood_id: r for r in org.reach}
    for area_id, people in profile.reach.items():
        row = current.get(area_id)
        intensive = profile.intensive.get(area_id, 0)
        if people == 0 and row is not None:
            org.reach.remove(row)
        elif people > 0 and row is None:
            org.reach.append(
                OrganisationReach(neighbourhood_id=area_id, people=people, intensive=intensive)
            )
        elif people > 0 and row is not None:
            row.people = people
            row.intensive = intensive
    org.reach_period = profile.reach_period
    org.reach_method = profile.reach_method
    org.equality_people = profile.equality_people
    org.equality_intensive = profile.equality_intensive
    org.equality_description = profile.equality_description
    org.trades = profile.trades
    org.mfa_declared = profile.mfa_declared or 0
    if reach_figures(org) != before:
        clear_reach_check(org)


def reach_figures(org: Organisation) -> dict[str, Any]:
    """The figures an officer's reach check confirms: changing any of them needs a new check."""
    return {
        "reach": sorted((r.neighbourhood_id, r.people, r.intensive) for r in org.reach),
        "period": org.reach_period,
        "equality": (org.equality_people, org.equality_intensive),
    }


def clear_reach_check(org: Organisation) -> None:
    org.reach_check_result = None
    org.reach_check_method = None
    org.reach_checked_by_id = None
    org.reach_checked_at = None


def create_organisation(actor: User, profile: Profile) -> Organisation:
    """Create a group's profile kept by ``actor``. Raises ``FieldError`` naming the field at fault."""
    if organisation_of(actor) is not None:
        raise FieldError("name", _("Your account already keeps a group's profile."))
    _check_profile(profile, None)
    org = Organisation(name=profile.name, income_year=0, income_latest=0)
    _apply_profile(org, profile)
    org.keepers.append(OrganisationKeeper(user_id=actor.id))
    db.session.add(org)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request for this account (or this name) committed first; the unique indexes
        # refuse the second. The caller rolls back, so nothing of this one is kept.
        raise FieldError(
            "name",
            _(
                "Your account already keeps a group's profile, or a group with this name was "
                "saved a moment ago. Reload the page to see it."
            ),
        ) from None
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
        raise FieldError("email", _("Enter the email address of the group's account."))
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        raise FieldError("email", _("No account has this email address. Ask them to create one."))
    if not user.has_role("vcs"):
        raise FieldError(
            "email",
            _(
                "This account is not a community group's account. An admin can give it "
                "the vcs role first."
            ),
        )
    current = organisation_of(user)
    if current is not None:
        raise FieldError(
            "email",
            _("This account already keeps a group's profile: this one.")
            if current.id == org.id
            else _("This account already keeps a group's profile: %(group)s.", group=current.name),
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
        raise FieldError("checks", _("One of the checklist items is not known."))
    before = {k: getattr(org, k) for k in ELIGIBILITY_CHECKS} | {"eligible": org.eligible}
    for name in ELIGIBILITY_CHECKS:
        setattr(org, name, bool(checks.get(name)))
    org.eligibility_checked_by_id = actor.id
    org.eligibility_checked_at = now()
    after = {k: getattr(org, k) for k in ELIGIBILITY_CHECKS} | {"eligible": org.eligible}
    audit.record(
        actor, "organisation.eligibility", "organisation", org.id, before=before, after=after
    )


REACH_CHECK_METHOD_MAX = 2000


def record_reach_check(actor: User, org: Organisation, result: str, method: str) -> None:
    """Record an officer's sample check of a group's reach figures: how, and with what result.

    Raises ``FieldError`` for an unknown result or a missing method.
    """
    if result not in REACH_CHECK_RESULTS:
        raise FieldError("result", _("Choose whether the sample matched the figures."))
    method = (method or "").strip()
    if not method:
        raise FieldError(
            "method",
            _(
                "Say how you checked, for example: 20 names from the register matched to sign-in "
                "sheets."
            ),
        )
    if len(method) > REACH_CHECK_METHOD_MAX:
        raise FieldError("method", too_long(REACH_CHECK_METHOD_MAX))
    if not org.reach:
        raise FieldError(
            "result", _("This group reports no reach yet, so there is nothing to check.")
        )
    before = {"result": org.reach_check_result, "method": org.reach_check_method}
    org.reach_check_result = result
    org.reach_check_method = method
    org.reach_checked_by_id = actor.id
    org.reach_checked_at = now()
    audit.record(
        actor,
        "organisation.reach_check",
        "organisation",
        org.id,
        before=before,
        after={"result": result, "method": method},
    )
