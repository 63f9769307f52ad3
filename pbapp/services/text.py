"""Text that can be stored: no NUL (PostgreSQL refuses one in a text column; SQLite would keep
it) and no other control character, which no one types and no page can show.

Tabs and line breaks are ordinary text. The form fields and query parameters of every request
are checked in ``pbapp.errors`` before any view reads them; uploaded files through
``control_character_problem`` when they are decoded.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

# C0 and C1 control characters and DEL, except tab, line feed and carriage return.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_character(text: str) -> bool:
    return CONTROL.search(text) is not None


def describe_control(text: str) -> str | None:
    """Words naming the first control character of ``text`` (None when there is none)."""
    found = CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        # Translators: what a line or field contains that cannot be saved (a noun phrase)
        return _("a NUL character")
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")  # the Unicode name: in English in every language
    if name:
        # Translators: what a line or field contains that cannot be saved (a noun phrase);
        # code is like "U+0007", name the character's Unicode name, like "BELL"
        return _("a control character (%(code)s, %(name)s)", code=code, name=name)
    # Translators: what a line or field contains that cannot be saved (a noun phrase); code is
    # like "U+0007"
    return _("a control character (%(code)s)", code=code)


def control_character_problem(text: str) -> tuple[int, str] | None:
    """(line number, words) of the first control character in ``text``, or None."""
    found = CONTROL.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    return line, describe_control(found.group()) or _("a control character")
