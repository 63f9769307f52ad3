"""What the database's integer columns hold, for every number read from a form, a URL or a file.

Every integer of the schema is an INTEGER (32-bit in PostgreSQL); SQLite cannot even bind a
number beyond 64 bits (OverflowError). ``pbapp.forms`` bounds form fields and query parameters
by these; the services bound numbers read from uploaded files with ``whole_number``.
"""

from __future__ import annotations

import re

INT32 = (-(2**31), 2**31 - 1)
# ASCII digits only: int() also reads "٣", " 7 " and "1_000", which no one types.
DIGITS = re.compile(r"-?[0-9]{1,30}")


def whole_number(text: str, limits: tuple[int, int] = INT32) -> int:
    """``text`` (already stripped of "£" and ",") as an int within ``limits``; ValueError if
    it is not one written in plain digits, or does not fit."""
    if not DIGITS.fullmatch(text):
        raise ValueError(text)
    number = int(text)
    if not limits[0] <= number <= limits[1]:
        raise ValueError(text)
    return number
