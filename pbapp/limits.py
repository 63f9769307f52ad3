"""How large a request and each of its fields may be (applied in ``pbapp.errors``)."""

from __future__ import annotations

# No form field or query parameter of any page takes more characters than this (the longest
# limit of a form is 5,000); a longer one is refused before a view reads it, so it is never
# echoed back. tests/test_input_bounds.py checks every form's limits against it.
FIELD_MAX_CHARS = 10_000
UPLOAD_ATTRIBUTE = "accepts_uploads"
UPLOAD_FORM_BYTES = 64 * 1024  # what an upload form carries besides its files


def accepts_uploads(max_bytes: int):
    """Let a view's requests be up to ``max_bytes`` (files), above ``MAX_CONTENT_LENGTH``."""

    def mark(view):
        setattr(view, UPLOAD_ATTRIBUTE, max_bytes)
        return view

    return mark
