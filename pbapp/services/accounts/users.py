"""Accounts: registering residents, passwords, and giving or taking roles."""

from __future__ import annotations

from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from pbapp.extensions import db
from pbapp.i18n import current_language, in_language_of
from pbapp.models import ROLES, Neighbourhood, User, UserRole
from pbapp.services import audit
from pbapp.services.accounts import links
from pbapp.services.errors import FieldError
from pbapp.services.mail.outbox import enqueue, utcnow

MIN_PASSWORD_LENGTH = 10
EMAIL_TAKEN = _l("An account with this email address already exists.")

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
        return ngettext(
            "Use at least %(num)s character: a short phrase is easy to remember.",
            "Use at least %(num)s characters: a short phrase is easy to remember.",
            MIN_PASSWORD_LENGTH,
        )
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(lowered)) < 4:
        return _("This password is too easy to guess. Try a few words that mean something to you.")
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        name and name.strip().lower().replace(" ", "") == lowered.replace(" ", "")
    ):
        return _("Don't use your name or email address in your password.")
    return None


def account_with(email: str) -> User | None:
    """The account with this (normalised) address, if any."""
    return db.session.scalar(select(User).where(User.email == email))


def register_resident(
    *, name: str, email: str, password: str, neighbourhood_id: int | None
) -> User | None:
    """Register a resident, or tell the owner of an address that already has an account.

    Raises ``FieldError`` naming the field at fault. Both outcomes do the same work (a password
    hash and one email) and the caller answers both the same way, so registering reveals
    nothing about who has an account. Returns the new user, or None when the address was taken.
    The new account signs in once its address is checked (the link in the email).
    """
    name = name.strip()
    if not name:
        raise FieldError("name", _("Enter your name."))
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise FieldError("password", problem)
    if neighbourhood_id is None or db.session.get(Neighbourhood, neighbourhood_id) is None:
        raise FieldError("neighbourhood", _("Choose the neighbourhood you live in."))
    normalised = User.normalise_email(email)
    password_hash = generate_password_hash(password)
    existing = account_with(normalised)
    if existing is not None:
        if existing.awaiting_email_check:
            # Nobody has shown this mailbox is theirs yet: the latest registration's details
            # replace the earlier ones, and the earlier link stops working (it is bound to the
            # password it was sent for), so whoever registered first, perhaps someone else,
            # cannot keep a password on an account the mailbox's owner then checks.
            existing.name = name
            existing.password_hash = password_hash
            existing.neighbourhood_id = neighbourhood_id
            send_email_check(existing)
        else:
            with in_language_of(existing):
                enqueue(
                    to=existing.email,
                    template="account_exists",
                    subject=_("Someone tried to create an account with your email address"),
                    topic="account.exists",
                    kind="security",
                    user=existing,
                    name=existing.name,
                    sign_in_url=links.external("auth.login"),
                    reset_url=links.external("auth.forgot_password"),
                )
        return None
    user = User(
        name=name,
        email=normalised,
        password_hash=password_hash,
        neighbourhood_id=neighbourhood_id,
        awaiting_email_check=True,
        role_rows=[UserRole(role="resident")],
        # The language they registered in is the one their mail comes in (the picker changes it).
        language=current_language().code,
    )
    try:
        with db.session.begin_nested():  # a savepoint: a clash undoes only this insert
            db.session.add(user)
    except IntegrityError:
        # A twin request registered the address a moment ago: answered as when the address
        # already had an account (its own email goes out from the twin), so a race reveals
        # nothing either.
        return None
    audit.record(user, "user.register", "user", user.id, after={"email": user.email})
    send_email_check(user)
    return user


def send_email_check(user: User) -> None:
    """Put a link that proves the address is ``user``'s in the outbox."""
    enqueue(
        to=user.email,
        template="email_check",
        subject=_("Check your email address"),
        topic="account.email_check",
        kind="security",
        user=user,
        name=user.name,
        check_url=links.external("auth.check_email", token=links.email_check_token(user)),
        hours=links.email_check_hours(),
    )


def check_email(token: str) -> tuple[User, bool]:
    """Mark the address in ``token`` as checked. Returns the user and whether this was the
    first check after registering (only that one may sign the person in: a link that leaks
    later signs nobody in). Raises ``FieldError`` for a link that is wrong, too old or stale."""
    user = links.read_email_check_token(token)
    first = user.awaiting_email_check
    if user.email_checked_at is None or first:
        user.email_checked_at = utcnow()
        audit.record(user, "user.email_checked", "user", user.id)
    user.awaiting_email_check = False
    return user, first


@cache
def _dummy_hash() -> str:
    return generate_password_hash("no account has this password: it keeps the time even")


def authenticate(email: str, password: str) -> User | None:
    """The user whose address and password these are, if they may sign in.

    An unknown address still checks a password hash, so an answer takes as long whether or not
    the address has an account. An account awaiting its address check gets a new link instead.
    """
    user = db.session.scalar(select(User).where(User.email == User.normalise_email(email)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    if user.awaiting_email_check:
        send_email_check(user)
        return None
    return user


def ask_for_reset(email: str) -> None:
    """Email a reset link if ``email`` has an active account; do nothing visible otherwise."""
    user = db.session.scalar(select(User).where(User.email == User.normalise_email(email)))
    if user is None or not user.is_active:
        return
    send_reset_link(user, _("Reset your password"), "account.reset")
    audit.record(None, "user.reset_asked", "user", user.id)


def send_reset_link(user: User, subject: str, topic: str, *, forced: bool = False) -> None:
    """Put a single-use, time-limited link to choose a new password in the outbox."""
    enqueue(
        to=user.email,
        template="password_reset",
        subject=subject,
        topic=topic,
        kind="security",
        user=user,
        name=user.name,
        reset_url=links.external("auth.reset_password", token=links.reset_token(user)),
        minutes=links.reset_minutes(),
        forced=forced,
    )


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link: ends every session, and proves the address.
    Raises ``FieldError`` ("token" or "new_password")."""
    user = links.read_reset_token(token)
    if not user.is_active:
        raise FieldError("token", _("This account has been closed by an administrator."))
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise FieldError("new_password", problem)
    user.set_password(new)
    user.end_all_sessions()
    if user.awaiting_email_check or user.email_checked_at is None:
        user.email_checked_at = utcnow()
    user.awaiting_email_check = False
    audit.record(user, "user.password_reset", "user", user.id)
    return user


def sign_out_everywhere(user: User) -> None:
    """End every session of ``user`` (this one and any copied cookie)."""
    user.end_all_sessions()
    audit.record(user, "user.sign_out", "user", user.id)


def change_password(user: User, *, current: str, new: str) -> None:
    """Change ``user``'s password. Raises ``FieldError`` naming the field at fault."""
    if not user.check_password(current):
        raise FieldError("current_password", _("Your current password is not right."))
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise FieldError("new_password", problem)
    if user.check_password(new):
        raise FieldError("new_password", _("Choose a password different from your current one."))
    user.set_password(new)
    user.end_all_sessions()
    audit.record(user, "user.password_change", "user", user.id)


def set_roles(actor: User, user: User, roles: set[str]) -> None:
    """Give ``user`` exactly ``roles``, recording the change.

    Raises ``FieldError`` for an unknown role, or when an admin would remove their own admin
    role (so that the city can never be left without anyone able to give roles).
    """
    unknown = roles - ROLES.keys()
    if unknown:
        raise FieldError(
            "roles",
            _("Unknown role: %(roles)s.", roles=", ".join(sorted(unknown))),
        )
    if actor.id == user.id and "admin" not in roles:
        raise FieldError("roles", _("You cannot remove your own admin role."))
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
            "funding_organisation", _("Keep the organisation's name under 200 characters.")
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
