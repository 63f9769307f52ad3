"""Friendly error pages (HTML for people, JSON for API clients). A 500 rolls the session back."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from pbapp.extensions import db

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: (
        "You cannot see this page",
        "Your account does not have permission for this page. If you think it should, ask an administrator.",
    ),
    404: ("Page not found", "The page may have moved, or the address may be mistyped."),
    405: ("That did not work", "This page cannot be used that way. Please go back and try again."),
    413: ("That file is too large", "Please send a smaller file."),
    429: ("Too many attempts", "For your safety, please wait a few minutes before trying again."),
    500: (
        "Sorry, something went wrong on our side",
        "Nothing you sent was saved. Please try again in a moment; if it keeps happening, tell us.",
    ),
}


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _render(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    if _wants_json():
        return jsonify(error={"status": code, "title": title, "detail": detail or text}), code
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def _wait_message() -> str:
    """How long until the limit that was hit lets the next attempt through, in plain words."""
    import time

    from pbapp.extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return MESSAGES[429][1]
    seconds = max(int(limit.reset_at - time.time()), 1)
    if seconds < 90:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = -(-seconds // 60)
        wait = f"{minutes} minutes"
    return f"For your safety, please wait {wait} before trying again."


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """No text can hold a NUL character (PostgreSQL refuses one): refuse it, naming the
        field, before any view reads it, on every database alike."""
        path = {k: v for k, v in (request.view_args or {}).items() if isinstance(v, str)}
        for values in (request.args, request.form):
            for name, value in [*values.items(multi=True), *path.items()]:
                if "\x00" in name or "\x00" in value:
                    return _render(
                        400,
                        f"“{name.replace(chr(0), '')}” contains a NUL character, which cannot be "
                        "saved, so nothing was. Please remove it and try again.",
                    )
        return None

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            "This form had expired or was sent from another site, so nothing was saved. Please reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return server_error(error)
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            return _render(429, _wait_message())
        return _render(error.code)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500)
