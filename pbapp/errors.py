"""Friendly error pages (HTML for people, JSON for API clients). A 500 rolls the session back."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from pbapp.extensions import db
from pbapp.formatting import number
from pbapp.limits import FIELD_MAX_CHARS, UPLOAD_ATTRIBUTE
from pbapp.services.text import CONTROL, describe_control

# The page's heading and text for each status (lazy: shown in the reader's language; the JSON
# answer to API clients stays in English).
MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    403: (
        _l("You cannot see this page"),
        _l(
            "Your account does not have permission for this page. If you think it should, ask an "
            "administrator."
        ),
    ),
    404: (_l("Page not found"), _l("The page may have moved, or the address may be mistyped.")),
    405: (
        _l("That did not work"),
        _l("This page cannot be used that way. Please go back and try again."),
    ),
    409: (
        _l("Someone else saved the same thing at that moment"),
        _l("So nothing you sent was saved. Please reload the page and try again."),
    ),
    413: (_l("That was too large"), _l("Please send a smaller file or shorter text.")),
    429: (
        _l("Too many attempts"),
        _l("For your safety, please wait a few minutes before trying again."),
    ),
    500: (
        _l("Sorry, something went wrong on our side"),
        _l(
            "Nothing you sent was saved. Please try again in a moment; if it keeps happening, "
            "tell us."
        ),
    ),
}

# A detail is given as a function making its words, so the JSON answer can make them in English.
Detail = Callable[[], str]


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _render(code: int, detail: Detail | None = None, headers: dict[str, str] | None = None):
    """The error as a page, or for API clients as application/problem+json (RFC 9457)."""
    title, text = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    if _wants_json():
        with force_locale("en"):  # an API's answer is not translated
            title, text = str(title), detail() if detail else str(text)
        response = jsonify(type="about:blank", title=title, status=code, detail=text)
        response.mimetype = "application/problem+json"
    else:
        text = detail() if detail else str(text)
        response = render_template("errors/error.html", code=code, title=title, text=text)
    return response, code, headers or {}


def _wait_message() -> str:
    """How long until the limit that was hit lets the next attempt through, in plain words."""
    import time

    from pbapp.extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return str(MESSAGES[429][1])
    seconds = max(int(limit.reset_at - time.time()), 1)
    if seconds < 90:
        return ngettext(
            "For your safety, please wait %(num)s second before trying again.",
            "For your safety, please wait %(num)s seconds before trying again.",
            seconds,
        )
    minutes = -(-seconds // 60)
    return ngettext(
        "For your safety, please wait %(num)s minute before trying again.",
        "For your safety, please wait %(num)s minutes before trying again.",
        minutes,
    )


def _control_message(shown: str, name: str, value: str) -> str:
    problem = describe_control(name) or describe_control(value)
    # Translators: field is a form field's name; problem names a character, like "a NUL
    # character" or "a control character (U+0007, BELL)"
    return _(
        "“%(field)s” contains %(problem)s, which cannot be saved, so nothing was. Please remove it "
        "and try again.",
        field=shown,
        problem=problem,
    )


def _length_message(shown: str, length: int) -> str:
    return ngettext(
        "“%(field)s” is %(length)s character long; no field takes more than %(max)s. Nothing "
        "was saved.",
        "“%(field)s” is %(length)s characters long; no field takes more than %(max)s. Nothing "
        "was saved.",
        length,
        field=shown,
        length=number(length),
        max=number(FIELD_MAX_CHARS),
    )


def register(app: Flask) -> None:
    @app.before_request
    def limit_request_size():
        """A view that takes uploads says how large (``accepts_uploads``); every other request
        keeps the application's ``MAX_CONTENT_LENGTH``. Set before anything reads the body."""
        view = app.view_functions.get(request.endpoint or "")
        limit = getattr(view, UPLOAD_ATTRIBUTE, None)
        if limit is not None:
            request.max_content_length = limit
        return None

    @app.before_request
    def refuse_unstorable_text():
        """No text can hold a NUL character (PostgreSQL refuses one) nor another control
        character, and no field is longer than ``FIELD_MAX_CHARS``: refuse them, naming the
        field, before any view reads them, on every database alike. (``next`` is exempt: the
        sign-in ignores one it cannot use, and still signs the person in.)"""
        path = {k: v for k, v in (request.view_args or {}).items() if isinstance(v, str)}
        for source, values in (("args", request.args), ("form", request.form)):
            pairs = [*values.items(multi=True)] + (list(path.items()) if source == "args" else [])
            for name, value in pairs:
                if source == "args" and name == "next":
                    continue
                shown = CONTROL.sub("", name)[:60]
                problem = describe_control(name) or describe_control(value)
                if problem:
                    return _render(400, partial(_control_message, shown, name, value))
                if len(value) > FIELD_MAX_CHARS:
                    return _render(413, partial(_length_message, shown, len(value)))
        return None

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            lambda: _(
                "This form had expired or was sent from another site, so nothing was saved. "
                "Please reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return server_error(error)
        if error.code is None or error.code < 400:
            return error
        # Keep what HTTP requires of the answer: a 405 says which methods are allowed.
        headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
        if error.code == 429:
            return _render(429, _wait_message, headers=headers)
        return _render(error.code, headers=headers)

    @app.errorhandler(IntegrityError)
    def unique_clash(error: IntegrityError):
        """A unique constraint refused a row that a twin request committed first: a race the
        services' own checks could not see. The services turn the races they expect into their
        sequential message (registering an email, casting a ballot); any other is a 409, never
        a 500. Other integrity errors are bugs: a 500."""
        if not is_unique_violation(error):
            return server_error(error)
        db.session.rollback()
        app.logger.warning("Unique constraint race on %s %s", request.method, request.path)
        return _render(409)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500)


def is_unique_violation(error: IntegrityError) -> bool:
    """True when ``error`` is a unique constraint's (PostgreSQL SQLSTATE 23505, SQLite's
    "UNIQUE constraint failed")."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(
        original
    )
