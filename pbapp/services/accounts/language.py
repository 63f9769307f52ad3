"""The interface language a person keeps with their account."""

from __future__ import annotations

from flask_babel import gettext as _

from pbapp import i18n
from pbapp.models import User
from pbapp.services.errors import FieldError


def set_language(user: User, code: str) -> None:
    """Save ``code`` as ``user``'s language. Raises ``FieldError`` for a language not offered."""
    if i18n.offered_language(code) is None:
        raise FieldError("language", unknown_language_message())
    user.language = code


def unknown_language_message() -> str:
    return _("That language is not available. Choose one of the languages in the list.")
