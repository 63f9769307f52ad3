"""Who may vote in a process: any signed-in resident or verified residents only, and a minimum
age. The ballot service asks ``problem`` before every ballot; the ballot page uses the answer to
say exactly what a resident has to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Ballot, Budget, User
from pbapp.services.verification.identity import age_on, current_verification, known_birth_date


@dataclass(frozen=True)
class Problem:
    """Why a resident may not vote yet. ``kind``: "verify" (get verified first), "birth_date"
    (give a date of birth on the ballot), "age" (too young) or "neighbourhood" (verified
    elsewhere) or "voted" (counted on paper already) or "email" (check the email address first:
    the process asks for a checked one). ``fixable``: the resident can do something about it, so the ballot keeps their
    choices for when they come back."""

    kind: str
    message: str

    @property
    def fixable(self) -> bool:
        return self.kind in ("verify", "birth_date", "email")

    @property
    def keeps_choices(self) -> bool:
        """The resident must leave the ballot to fix it: their choices are kept meanwhile."""
        return self.kind in ("verify", "email")


def problem(user: User, budget: Budget, today: date) -> Problem | None:
    """What stands between ``user`` and a ballot in ``budget`` under its process's rules."""
    process = budget.process
    if process.eligibility == "verified":
        verification = current_verification(user)
        if verification is None:
            return Problem(
                "verify",
                _(
                    "Only verified residents can vote in this process, and your account is not "
                    "verified yet. Get verified (it takes a minute with the code from the letter "
                    "sent to your home), then come back: your choices are kept."
                ),
            )
        if _counted_on_paper(budget, verification.identity_hash, user):
            return Problem(
                "voted",
                _(
                    "A paper ballot has already been counted for you in this budget, so you cannot "
                    "vote online."
                ),
            )
        if budget.neighbourhood_id is not None and (
            budget.neighbourhood_id != verification.neighbourhood_id
        ):
            return Problem(
                "neighbourhood",
                _(
                    "You are verified as a resident of %(neighbourhood)s, so you can vote in its "
                    "budget and in city-wide budgets, not in this one.",
                    neighbourhood=verification.neighbourhood.name,
                ),
            )
    if process.checked_email_only and user.email_checked_at is None:
        return Problem(
            "email",
            _(
                "Only people who have checked their email address can vote in this process, and "
                "yours is not checked yet. Use the link we email you, then come back: your "
                "choices are kept."
            ),
        )
    if process.min_age:
        born = known_birth_date(user)
        if born is None:
            return Problem(
                "birth_date",
                _(
                    "Voters in this process must be %(age)s or older: give your date of birth "
                    "with your vote.",
                    age=process.min_age,
                ),
            )
        if age_on(born, today) < process.min_age:
            return Problem(
                "age",
                _(
                    "Voters in this process must be %(age)s or older on the day they vote.",
                    age=process.min_age,
                ),
            )
    return None


def _counted_on_paper(budget: Budget, identity_hash: str, user: User) -> bool:
    """A ballot of the same person, cast by another record (a paper-only voter), is counted."""
    return (
        db.session.scalar(
            select(Ballot.id).where(
                Ballot.budget_id == budget.id,
                Ballot.identity_hash == identity_hash,
                Ballot.voter_id != user.id,
            )
        )
        is not None
    )


def describe(process) -> str:
    """Who may vote, in one sentence (process page, sign-up page)."""
    who = (
        _("Verified residents can vote (each in their own neighbourhood's budget and city-wide).")
        if process.eligibility == "verified"
        else _(
            "Any signed-in resident can vote (in their own neighbourhood's budget and city-wide)."
        )
    )
    if process.checked_email_only:
        who += " " + _("Voters must have checked their email address.")
    if process.min_age:
        who += " " + _("Voters must be %(age)s or older.", age=process.min_age)
    return who
