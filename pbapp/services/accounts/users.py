"""Accounts: registering residents, passwords, and giving or taking roles."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pbapp.extensions import db
from pbapp.models import ROLES, Neighbourhood, User, UserRole
from pbapp.services import audit
from pbapp.services.errors import FieldError

MIN_PASSWORD_LENGTH = 10
EMAIL_TAKEN = "An account with this email address already exists."

# The most used passwords of public breach lists that are at least 10 characters long: refusing
# them costs honest residents nothing.
_COMMON_PASSWORDS = frozenset(
    [
        "1234567890",
        "0123456789",
        "0987654321",
        "1111111111",
        "1234512345",
        "1q2w3e4r5t",
        "qwertyuiop",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou12",
        "qwerty1234",
        "qwerty12345",
        "abcdefghij",
        "abc1234567",
        "football12",
        "letmein123",
        "welcome123",
        "sheffield1",
        "sheffield123",
        "administrator",
        "changeme12",
        "trustno1234",
        "princess12",
        "sunshine12",
        "1qaz2wsx3edc",
    ]
)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why ``password`` is too weak, in words a resident understands, or None if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters: a short phrase is easy to remember."
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "This password is too easy to guess. Try a few words that mean something to you."
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        name and name.strip().lower().replace(" ", "") == lowered.replace(" ", "")
    ):
        return "Don't use your name or email address in your password."
    return None


def email_taken(email: str) -> bool:
    normalised = User.normalise_email(email)
    return db.session.scalar(select(func.count()).where(User.email == normalised)) > 0


def register_resident(
    *, name: str, email: str, password: str, neighbourhood_id: int | None
) -> User:
    """Create a resident account. Raises ``FieldError`` naming the field at fault."""
    name = name.strip()
    if not name:
        raise FieldError("name", "Enter your name.")
    if email_taken(email):
        raise FieldError("email", EMAIL_TAKEN)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise FieldError("password", problem)
    if neighbourhood_id is None or db.session.get(Neighbourhood, neighbourhood_id) is None:
        raise FieldError("neighbourhood", "Choose the neighbourhood you live in.")
    user = User(
        name=name,
        email=User.normalise_email(email),
        neighbourhood_id=neighbourhood_id,
        role_rows=[UserRole(role="resident")],
    )
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # a twin request registered the address a moment ago
        raise FieldError("email", EMAIL_TAKEN) from None  # the caller rolls back
    audit.record(user, "user.register", "user", user.id, after={"email": user.email})
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    """Change ``user``'s password. Raises ``FieldError`` naming the field at fault."""
    if not user.check_password(current):
        raise FieldError("current_password", "Your current password is not right.")
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise FieldError("new_password", problem)
    if user.check_password(new):
        raise FieldError("new_password", "Choose a password different from your current one.")
    user.set_password(new)
    audit.record(user, "user.password_change", "user", user.id)


def set_roles(actor: User, user: User, roles: set[str]) -> None:
    """Give ``user`` exactly ``roles``, recording the change.

    Raises ``FieldError`` for an unknown role, or when an admin would remove their own admin
    role (so that the city can never be left without anyone able to give roles).
    """
    unknown = roles - ROLES.keys()
    if unknown:
        raise FieldError("roles", f"Unknown role: {', '.join(sorted(unknown))}.")
    if actor.id == user.id and "admin" not in roles:
        raise FieldError("roles", "You cannot remove your own admin role.")
    before = sorted(user.roles)
    if set(before) == roles:
        return
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=r) for r in sorted(roles - user.roles)
    ]
    audit.record(
        actor,
        "user.roles",
        "user",
        user.id,
        before={"roles": before},
        after={"roles": sorted(roles)},
    )


def set_funding_organisation(actor: User, user: User, organisation: str | None) -> None:
    """Set the funding organisation a funder account acts for (empty: none), recording it.

    Raises ``FieldError`` for a name longer than 200 characters."""
    name = " ".join((organisation or "").split()) or None
    if name is not None and len(name) > 200:
        raise FieldError(
            "funding_organisation", "Keep the organisation's name under 200 characters."
        )
    if name == user.funding_organisation:
        return
    audit.record(
        actor,
        "user.funding_organisation",
        "user",
        user.id,
        before={"funding_organisation": user.funding_organisation},
        after={"funding_organisation": name},
    )
    user.funding_organisation = name
