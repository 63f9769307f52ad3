"""Who may see each page. Every view carries exactly one of these decorators, and a test walks
the URL map to prove it: a new route without a decision fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user

from pbapp.extensions import login_manager
from pbapp.models import ROLES

F = TypeVar("F", bound=Callable)

ACCESS_ATTRIBUTE = "access"  # set on every view: "public", "signed-in" or a frozenset of roles


def public(view: F) -> F:
    """Anyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def signed_in(view: F) -> F:
    """Anyone with an account, whatever their roles."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    setattr(wrapped, ACCESS_ATTRIBUTE, "signed-in")
    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    """Only users holding at least one of ``roles``; others get the 403 page."""
    unknown = set(roles) - ROLES.keys()
    if unknown or not roles:
        raise ValueError(f"roles_required needs known roles, not {sorted(unknown) or 'none'}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, frozenset(roles))
        return wrapped  # type: ignore[return-value]

    return decorate
