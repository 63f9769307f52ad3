"""One guard for every CSV and spreadsheet the platform writes.

A cell whose text starts with = + - @ (or a tab or carriage return) would be run as a formula by
a spreadsheet that opens the file (CSV injection, OWASP); such text is written with a leading
apostrophe, which spreadsheets show as plain text. Numbers are left as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell that a spreadsheet will not run as a formula; None is empty, booleans are words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
