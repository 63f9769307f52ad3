"""Putting a message in the outbox: a row in the caller's transaction, never a network call.

The caller commits (services never do): the message is stored exactly when the event is, and a
rolled-back event leaves no message behind.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.utils import parseaddr

from flask import current_app, has_request_context, render_template, url_for
from itsdangerous import URLSafeSerializer

from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.mail import OutboxMessage

UNSUBSCRIBE_SALT = "unsubscribe"


def utcnow() -> datetime:
    """Naive UTC, as the outbox's times are stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, always on ``PUBLIC_URL``: never built from the request's
    Host header, which a sender of a reset request could set to their own site."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return base + path


def unsubscribe_token(user: User, topic: str) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(
        {"u": user.id, "t": topic}
    )


def read_unsubscribe_token(token: str) -> dict | None:
    from itsdangerous import BadData

    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(
            token
        )
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if not isinstance(data.get("t"), str):
        return None
    return data


def _render(name: str, context: dict) -> str:
    if has_request_context():
        return render_template(name, **context)
    with current_app.test_request_context("/"):  # a command or worker: no visitor's request
        return render_template(name, **context)


def enqueue(
    *,
    to: str,
    template: str,
    subject: str,
    topic: str,
    kind: str = "notice",
    user: User | None = None,
    **context,
) -> OutboxMessage:
    """Add a message (``mail/<template>.txt`` and ``.html``) to the session.

    ``kind="security"`` is mail the person must get (address check, reset, warnings): it carries
    no unsubscribe link. A notice needs ``user``: its unsubscribe link turns ``topic`` off.
    """
    if kind not in ("security", "notice"):
        raise ValueError(f"unknown mail kind {kind!r}")
    unsubscribe_url = None
    if kind == "notice":
        if user is None:
            raise ValueError("a notice needs the user it is for (for its unsubscribe link)")
        unsubscribe_url = external_url("auth.unsubscribe", token=unsubscribe_token(user, topic))
    context = {
        "subject": subject,
        "city_name": current_app.config["CITY_NAME"],
        "site_url": current_app.config["PUBLIC_URL"].rstrip("/") + "/",
        "unsubscribe_url": unsubscribe_url,
        **context,
    }
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    message = OutboxMessage(
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
        kind=kind,
        topic=topic,
        user_id=user.id if user is not None else None,
        to_address=to,
        subject=subject,
        body_text=_render(f"mail/{template}.txt", context),
        body_html=_render(f"mail/{template}.html", context),
        unsubscribe_url=unsubscribe_url,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message
