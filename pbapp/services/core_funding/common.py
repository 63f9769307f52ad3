"""Small helpers shared by the core-funding services."""

from __future__ import annotations

from datetime import UTC, datetime

from pbapp.models import User


def actor_id(actor: User | None) -> int | None:
    """The acting user's id; None for the demo loader and other system actions."""
    return actor.id if actor is not None else None


def now() -> datetime:
    """The current time in UTC, without a time zone (as the database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)
