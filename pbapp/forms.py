"""Field types and coercions shared by the blueprints' forms."""

from __future__ import annotations


def optional_int(value: object) -> int | None:
    """Coerce a submitted choice to int, or None when it is empty or not a number.

    WTForms' own ``int`` coercion reports "Invalid Choice: could not coerce", which means nothing
    to a resident; returning None lets the form's validator say what is wrong in plain words.
    """
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
