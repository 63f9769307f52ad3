"""Today's date in the city's time zone: phases change at local midnight."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    """The city's current date (``TODAY`` in the config pins it, for demos and tests)."""
    pinned = current_app.config.get("TODAY")
    if pinned:
        return date.fromisoformat(pinned) if isinstance(pinned, str) else pinned
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
