"""Signed links sent by email: an address check and a password reset.

Both are signed with ``SECRET_KEY`` and time-limited. A reset link also carries a fingerprint of
the password hash and session version it was made for, so it works once: using it changes both.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from pbapp.extensions import db
from pbapp.models import User
from pbapp.services.errors import FieldError
from pbapp.services.mail.outbox import external_url

external = external_url

_CHECK_SALT = "email-check"
_RESET_SALT = "password-reset"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def email_check_hours() -> int:
    return current_app.config["EMAIL_CHECK_MAX_AGE"] // 3600


def reset_minutes() -> int:
    return current_app.config["PASSWORD_RESET_MAX_AGE"] // 60


def email_check_token(user: User) -> str:
    return _serializer(_CHECK_SALT).dumps({"u": user.id, "e": user.email, "f": _fingerprint(user)})


def _fingerprint(user: User) -> str:
    seed = f"{user.password_hash}|{user.session_version}".encode()
    return hashlib.sha256(seed).hexdigest()[:32]


def reset_token(user: User) -> str:
    return _serializer(_RESET_SALT).dumps({"u": user.id, "f": _fingerprint(user)})


def _problem(salt: str, problem: str) -> str:
    """The sentence for a ``problem`` ("old", "garbled", "wrong") with a link of ``salt``'s kind."""
    if salt == _CHECK_SALT:
        sentences = {
            "old": _("This address check link is too old. Ask for a new one and use it soon."),
            "garbled": _(
                "This address check link is not right. Copy the whole link from the email."
            ),
            "wrong": _("This address check link is not right."),
        }
    else:
        sentences = {
            "old": _("This reset link is too old. Ask for a new one and use it soon."),
            "garbled": _("This reset link is not right. Copy the whole link from the email."),
            "wrong": _("This reset link is not right."),
        }
    return sentences[problem]


def _load(salt: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise FieldError("token", _problem(salt, "old")) from None
    except BadData:
        raise FieldError("token", _problem(salt, "garbled")) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise FieldError("token", _problem(salt, "wrong"))
    return data


def read_email_check_token(token: str) -> User:
    data = _load(_CHECK_SALT, token, current_app.config["EMAIL_CHECK_MAX_AGE"])
    user = db.session.get(User, data["u"])
    if user is None or user.email != data.get("e"):
        raise FieldError("token", _("This address check link is no longer valid."))
    if user.awaiting_email_check and data.get("f") != _fingerprint(user):
        raise FieldError(
            "token",
            _("This address check link was replaced by a newer one: use the latest email we sent."),
        )
    return user


def read_reset_token(token: str) -> User:
    data = _load(_RESET_SALT, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, data["u"])
    if user is None or data.get("f") != _fingerprint(user):
        raise FieldError(
            "token",
            _("This reset link has been used already. Ask for a new one if you need it."),
        )
    return user
