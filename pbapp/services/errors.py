"""The one error type services raise for a request a user can fix."""

from __future__ import annotations


class FieldError(ValueError):
    """A request that cannot be carried out, in words the user understands.

    ``field`` names the form field at fault, so a view can show the message next to it.
    """

    def __init__(self, field: str, message: str) -> None:
        # A lazily translated message (a module constant) becomes text now, in the reader's
        # language, so that it can be flashed (kept in the session) like any other.
        message = str(message)
        super().__init__(message)
        self.field = field
        self.message = message
