"""Small helpers shared by the core-funding services."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import ngettext

from pbapp.formatting import number
from pbapp.models import User


def actor_id(actor: User | None) -> int | None:
    """The acting user's id; None for the demo loader and other system actions."""
    return actor.id if actor is not None else None


def too_long(limit: int) -> str:
    """The message of a text too long: 'Use at most 2,000 characters.' (in the reader's language)."""
    return ngettext(
        "Use at most %(count)s character.",
        "Use at most %(count)s characters.",
        limit,
        count=number(limit),
    )


def pounds_text(value: float | int) -> str:
    """A sum of money as the messages have always shown it: '£12,345' ('£12,345.5' if not whole)."""
    return f"£{value:,}"


def count_text(value: float | int) -> str:
    """A count with thousands separated, as the messages have always shown it: '1,204'."""
    return f"{value:,}"


def now() -> datetime:
    """The current time in UTC, without a time zone (as the database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)
