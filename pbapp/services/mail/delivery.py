"""Delivering the outbox: over SMTP in production, to ``.eml`` files in development.

Each message is claimed in its own transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers never take the same row), handed to the transport, and marked sent in that same
transaction. A refusal or a dropped connection leaves it pending with a later try (back-off
doubling from ``MAIL_RETRY_SECONDS``); after ``MAIL_MAX_ATTEMPTS`` it is marked failed and listed
on the admins' outbox page. The loop that commits after each message is ``pbapp.mailer``. On SQLite (no row locks) run one worker.

The one case no SMTP client can close: the server takes a message and the worker dies before
its commit. The message is then sent again, with the same Message-ID, so mail systems can tell.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models.mail import OutboxMessage
from pbapp.services.mail.outbox import utcnow

MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    user: str | None = None
    password: str | None = None
    tls: str = "none"  # "none", "starttls" or "ssl"
    timeout: float = 30.0


def smtp_settings(config) -> SmtpSettings:
    """From ``SMTP_URL`` (``smtp://``, ``smtp+starttls://`` or ``smtps://user:password@host:port``)
    or else ``SMTP_HOST``/``SMTP_PORT``/``SMTP_USER``/``SMTP_PASSWORD``/``SMTP_TLS``."""
    url = config.get("SMTP_URL")
    if url:
        parts = urlsplit(url)
        tls = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "ssl"}.get(parts.scheme)
        if tls is None:
            raise ValueError(
                f"SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, not {parts.scheme}://"
            )
        return SmtpSettings(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or {"none": 25, "starttls": 587, "ssl": 465}[tls],
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            timeout=float(config.get("SMTP_TIMEOUT", 30)),
        )
    tls = config.get("SMTP_TLS", "none")
    if tls not in ("none", "starttls", "ssl"):
        raise ValueError(f"SMTP_TLS must be none, starttls or ssl, not {tls!r}")
    return SmtpSettings(
        host=config.get("SMTP_HOST", "127.0.0.1"),
        port=int(config.get("SMTP_PORT", 25)),
        user=config.get("SMTP_USER") or None,
        password=config.get("SMTP_PASSWORD") or None,
        tls=tls,
        timeout=float(config.get("SMTP_TIMEOUT", 30)),
    )


def _no_delay(connection: smtplib.SMTP) -> None:
    """Send each SMTP command at once: with Nagle's algorithm a message's last small write waits
    for the server's delayed acknowledgement (about 40 ms a message on Linux)."""
    if connection.sock is not None:
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class SmtpTransport:
    """One connection, opened on the first message and reopened after any failure."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls == "ssl":
            connection = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            _no_delay(connection)
            if s.tls == "starttls":
                connection.starttls(context=ssl.create_default_context())
        _no_delay(connection)
        if s.user:
            connection.login(s.user, s.password or "")
        return connection

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


class FileTransport:
    """Development: each message becomes ``<outbox id>.eml`` in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{int(message['X-Outbox-Id']):08d}.eml"
        temporary = self.folder / (name + ".part")
        temporary.write_bytes(bytes(message))
        temporary.replace(self.folder / name)  # never a half-written file on the page

    def close(self) -> None:
        pass


def transport_for(config):
    if config["MAIL_BACKEND"] == "files":
        return FileTransport(config["MAIL_FILE_DIR"])
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpTransport(smtp_settings(config))
    raise ValueError(f"MAIL_BACKEND must be smtp or files, not {config['MAIL_BACKEND']!r}")


def build_email(row: OutboxMessage) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC), usegmt=True)
    message["Message-ID"] = row.message_id
    message["X-Outbox-Id"] = str(row.id)
    if row.kind == "notice" and row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _claim_next(after_id: int) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= utcnow(),
            OutboxMessage.id > after_id,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(query).first()


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: MAIL_RETRY_SECONDS * 2**(n-1), at most six hours."""
    base = timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"])
    return min(base * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def deliver_next(transport, report: DeliveryReport, after_id: int = 0) -> int | None:
    """Claim the next due message after ``after_id``, hand it to ``transport`` and record the
    outcome on the row (sent, a later try, or failed). Returns its id, or None when nothing
    is due. The caller commits at once: the row stays locked until then.
    """
    row = _claim_next(after_id)
    if row is None:
        return None
    try:
        transport.send(build_email(row))
    except (smtplib.SMTPException, OSError) as error:
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            row.status = "failed"
            report.failed += 1
        else:
            row.next_attempt_at = utcnow() + retry_delay(row.attempts)
            report.retried += 1
        report.errors.append(row.last_error)
    else:
        row.attempts += 1
        row.status = "sent"
        row.sent_at = utcnow()
        row.last_error = None
        report.sent += 1
    return row.id


def retry_now(row: OutboxMessage) -> None:
    """An admin sends a failed message again: back to pending with a fresh count."""
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = utcnow()
