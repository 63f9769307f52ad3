"""One person, one identity: the keyed hash of who someone is, and recording verifications.

The identity is a resident's name, date of birth and postcode, normalised so that the same
person typed twice gives the same text, then hashed with HMAC-SHA256 under a server-side key
(``IDENTITY_HASH_KEY``, else derived from ``SECRET_KEY``). Without the key the hash cannot be
recomputed from a guessed name and birthday. A unique index over the verifications in force
makes a second verified account for the same person impossible, even when attempts race.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pbapp.extensions import db
from pbapp.models import Neighbourhood, User
from pbapp.models.verification import VERIFICATION_METHODS, DeclaredBirthDate, Verification
from pbapp.services import audit
from pbapp.services.errors import FieldError

NAME_MAX = 120
# A UK postcode: outward code (area, district) and inward code (sector, unit).
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$")
OLDEST = 120  # years: an earlier date of birth is a typing mistake


def secret_key() -> bytes:
    """The identity key: ``IDENTITY_HASH_KEY`` when set, else one derived from ``SECRET_KEY``.

    Changing it makes every stored identity hash unmatchable (see docs/verification.md).
    """
    explicit = current_app.config.get("IDENTITY_HASH_KEY")
    if explicit:
        return explicit.encode()
    base = (current_app.config.get("SECRET_KEY") or "").encode()
    if not base:
        raise RuntimeError("SECRET_KEY (or IDENTITY_HASH_KEY) is needed to hash identities")
    return hmac.new(base, b"pbapp identity hash v1", hashlib.sha256).digest()


def keyed_hash(text: str) -> str:
    return hmac.new(secret_key(), text.encode(), hashlib.sha256).hexdigest()


def normalise_name(name: str) -> str:
    """Letters only, lower case, accents dropped, no spaces or punctuation: "Zoë O'Neil-Smith",
    "ZOE ONEIL SMITH" and "Zoe O Neil Smith" are the same name."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def normalise_postcode(postcode: str) -> str:
    return "".join((postcode or "").split()).upper()


def check_postcode(postcode: str, field: str = "postcode") -> str:
    normal = normalise_postcode(postcode)
    if not POSTCODE.fullmatch(normal):
        raise FieldError(field, _("Enter a UK postcode, like S4 7AB."))
    return normal


def check_name(name: str, field: str = "name") -> str:
    if len(name or "") > NAME_MAX:
        raise FieldError(
            field,
            ngettext(
                "Use at most %(num)s character for the name.",
                "Use at most %(num)s characters for the name.",
                NAME_MAX,
            ),
        )
    normal = normalise_name(name)
    if len(normal) < 2:
        raise FieldError(field, _("Enter the full name, as on a letter or bill."))
    return normal


def check_birth_date(born: date | None, today: date, field: str = "date_of_birth") -> date:
    if born is None:
        raise FieldError(field, _("Enter the date of birth, like 31 12 1980."))
    if born > today:
        raise FieldError(field, _("The date of birth cannot be in the future."))
    if age_on(born, today) > OLDEST:
        raise FieldError(
            field,
            ngettext(
                "Check the year: that would be more than %(num)s year ago.",
                "Check the year: that would be more than %(num)s years ago.",
                OLDEST,
            ),
        )
    return born


@dataclass(frozen=True)
class Identity:
    """Who a person is, normalised; ``hash`` is what is stored."""

    name: str
    date_of_birth: date
    postcode: str

    @property
    def hash(self) -> str:
        return keyed_hash(f"{self.name}|{self.date_of_birth.isoformat()}|{self.postcode}")


def identity_of(name: str, date_of_birth: date | None, postcode: str, today: date) -> Identity:
    """Check and normalise an identity; ``FieldError`` names the field at fault."""
    return Identity(
        name=check_name(name),
        date_of_birth=check_birth_date(date_of_birth, today),
        postcode=check_postcode(postcode),
    )


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def current_verification(user: User) -> Verification | None:
    """The verification of ``user`` in force, if any."""
    if user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(
        select(Verification).where(
            Verification.user_id == user.id, Verification.revoked_at.is_(None)
        )
    )


def verifications_of(user: User) -> list[Verification]:
    """Every verification of ``user``, newest first (revoked ones too: residents see theirs)."""
    return list(
        db.session.scalars(
            select(Verification)
            .where(Verification.user_id == user.id)
            .order_by(Verification.verified_at.desc(), Verification.id.desc())
        )
    )


def known_birth_date(user: User) -> date | None:
    """The date of birth a verification holds, else the one the resident declared."""
    verification = current_verification(user)
    if verification is not None:
        return verification.date_of_birth
    declared = db.session.get(DeclaredBirthDate, user.id)
    return declared.date_of_birth if declared else None


def declare_birth_date(user: User, born: date | None, today: date) -> None:
    """Keep the date of birth a resident gives for a process with a minimum age."""
    born = check_birth_date(born, today)
    row = db.session.get(DeclaredBirthDate, user.id)
    if row is None:
        db.session.add(DeclaredBirthDate(user_id=user.id, date_of_birth=born))
    else:
        row.date_of_birth = born
    db.session.flush()


DUPLICATE = _l(
    "These details are already verified for another account. One person can have one "
    "verified account: sign in to that one, or ask the council to check."
)


def record_verification(
    user: User,
    identity: Identity,
    neighbourhood: Neighbourhood,
    *,
    method: str,
    verified_by: User | None,
    detail: str = "",
    field: str = "name",
) -> Verification:
    """Verify ``user`` as ``identity`` living in ``neighbourhood``; audited.

    Raises ``FieldError`` (on ``field``) when the account is verified already or the same
    person is verified for another account. The unique index decides races: the loser's
    insert fails inside a savepoint and is reported as the duplicate it is.
    """
    if method not in VERIFICATION_METHODS:
        raise ValueError(f"unknown verification method {method!r}")
    if not user.has_role("resident"):
        raise FieldError(field, _("Only residents' accounts can be verified."))
    if current_verification(user) is not None:
        raise FieldError(field, _("This account is verified already."))
    taken = db.session.scalar(
        select(Verification.id).where(
            Verification.identity_hash == identity.hash, Verification.revoked_at.is_(None)
        )
    )
    if taken is not None:
        raise FieldError(field, DUPLICATE)
    verification = Verification(
        user_id=user.id,
        identity_hash=identity.hash,
        neighbourhood_id=neighbourhood.id,
        date_of_birth=identity.date_of_birth,
        method=method,
        detail=detail[:200],
        verified_by_id=verified_by.id if verified_by is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(verification)
            db.session.flush()
    except IntegrityError:
        raise FieldError(field, DUPLICATE) from None
    moved = user.neighbourhood_id != neighbourhood.id
    if moved:  # the verified neighbourhood is the home neighbourhood from now on
        user.neighbourhood_id = neighbourhood.id
        db.session.flush()
    audit.record(
        verified_by or user,
        "verification.create",
        "user",
        user.id,
        after={
            "verification": verification.id,
            "method": method,
            "neighbourhood": neighbourhood.id,
            "home_neighbourhood_changed": moved,
        },
    )
    return verification


def revoke(admin: User, verification: Verification, reason: str, now: datetime) -> None:
    """Revoke a verification in force, with a reason the resident will see; audited."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", _("Say why the verification is revoked: the resident sees it."))
    if len(reason) > 1000:
        raise FieldError("reason", _("Use at most 1,000 characters for the reason."))
    if verification.revoked_at is not None:
        raise FieldError("reason", _("This verification was revoked already."))
    verification.revoked_at = now
    verification.revoked_by_id = admin.id
    verification.revoke_reason = reason
    db.session.flush()
    audit.record(
        admin,
        "verification.revoke",
        "user",
        verification.user_id,
        before={"verification": verification.id},
        after={"reason": reason},
    )
