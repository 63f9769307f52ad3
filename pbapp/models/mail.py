"""The outbox: every email is a row written in the same transaction as the event that causes it,
so a committed event can never lose its message. Workers deliver the rows (``flask mail work``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from pbapp.extensions import db

# "security" mail (address checks, password resets, warnings) carries no unsubscribe link.
MAIL_KINDS = ("security", "notice")
MAIL_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The Message-ID header: the same on every attempt, so a receiver can tell a repeat.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # What caused it, for the admin page (for example "account.reset"); never personal data.
    topic: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"kind IN {MAIL_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {MAIL_STATUSES!r}", name="status_known"),
        CheckConstraint(
            "kind = 'notice' OR unsubscribe_url IS NULL", name="no_unsubscribe_on_security"
        ),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.topic} {self.status}>"


class NoticePreference(db.Model):
    """A person's choice for one kind of notice; without a row, the kind's default applies."""

    __tablename__ = "notice_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    wanted: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class NoticeSent(db.Model):
    """A scheduled notice already written for someone (voting opens, closes soon): the command
    that writes them skips these, so running it twice sends nothing twice."""

    __tablename__ = "notice_sent"

    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(60), primary_key=True)  # "process:7"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ProposalFollow(db.Model):
    """A resident follows a proposal: they hear of its delivery updates (as its voters do)."""

    __tablename__ = "proposal_follow"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class NoticeDigestItem(db.Model):
    """A notice kept for the daily digest of someone who chose one (instead of its own email):
    ``flask notices send`` gathers a person's waiting items into one message a day."""

    __tablename__ = "notice_digest_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    paragraphs: Mapped[list[str]] = mapped_column(JSON)
    link_text: Mapped[str] = mapped_column(String(200))
    link_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # When it went out in a digest; None: waiting for the next one.
    gathered_at: Mapped[datetime | None]
