"""Accountability: the Board's commitments and their updates, residents' comments and challenges
with their answers, delivery of what was funded, and stories told with consent.

History is append-only: updates, comments, answers and delivery updates are added, never edited
or deleted. A commitment's and a delivery record's current status are kept on the record for
quick reading, and every change to them is also an update row and an audit event. The one
exception is a withdrawn story: its text and teller's name are erased (set to NULL) while the
times of consent and withdrawal are kept.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pbapp.extensions import db
from pbapp.models.core_funding import Award
from pbapp.models.process import Proposal
from pbapp.models.user import User
from pbapp.models.vocabulary import N_, UPDATE_SOURCES, one_of

COMMITMENT_STATUSES: dict[str, str] = {
    "not_started": N_("Not started"),
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}

COMMENT_KINDS: dict[str, str] = {
    "comment": N_("Comment"),
    "challenge": N_("Challenge (asks the owner for a public answer)"),
}

DELIVERY_STATUSES: dict[str, str] = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "delivered": N_("Delivered"),
    "stopped": N_("Stopped"),
}

DELIVERY_KINDS: dict[str, str] = {
    "project": N_("Funded project"),
    "award": N_("Core-funding award"),
}


class Commitment(db.Model):
    """A commitment the Board has published, with its owner, due date and current status."""

    id: Mapped[int] = mapped_column(primary_key=True)
    shift: Mapped[str] = mapped_column(String(120))  # the strategy's shift it belongs to
    position: Mapped[int] = mapped_column(default=0)  # order within its shift
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))  # the organisation answerable for it
    measure: Mapped[str | None] = mapped_column(String(200))  # what update figures count
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    status_reason: Mapped[str | None] = mapped_column(Text)  # required when dropped
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    updates: Mapped[list[CommitmentUpdate]] = relationship(
        back_populates="commitment", order_by="CommitmentUpdate.id"
    )
    comments: Mapped[list[CommitmentComment]] = relationship(
        back_populates="commitment", order_by="CommitmentComment.id"
    )

    __table_args__ = (
        one_of("status", COMMITMENT_STATUSES, name="status_known"),
        CheckConstraint(
            "status != 'dropped' OR status_reason IS NOT NULL", name="reason_when_dropped"
        ),
        UniqueConstraint("shift", "position"),
    )

    @property
    def status_name(self) -> str:
        return COMMITMENT_STATUSES.get(self.status, self.status)

    @property
    def latest_update(self) -> CommitmentUpdate | None:
        return self.updates[-1] if self.updates else None

    @property
    def latest_figure(self) -> CommitmentUpdate | None:
        return next((u for u in reversed(self.updates) if u.figure is not None), None)


class CommitmentUpdate(db.Model):
    """An owner's update: a figure against the measure, words, a new status, or several."""

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    posted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    figure: Mapped[int | None]
    summary: Mapped[str | None] = mapped_column(Text)  # the owner's own words on progress
    status: Mapped[str | None] = mapped_column(String(20))  # the status it set, if it changed
    status_reason: Mapped[str | None] = mapped_column(Text)

    commitment: Mapped[Commitment] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
    stories: Mapped[list[Story]] = relationship(back_populates="commitment_update")

    __table_args__ = (
        one_of("status", COMMITMENT_STATUSES, nullable=True, name="status_known"),
        CheckConstraint(
            "figure IS NOT NULL OR summary IS NOT NULL OR status IS NOT NULL",
            name="says_something",
        ),
    )

    @property
    def status_name(self) -> str | None:
        return COMMITMENT_STATUSES.get(self.status, self.status) if self.status else None


class CommitmentComment(db.Model):
    """A resident's comment on a commitment, or a challenge that gets a public answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(server_default=func.now())

    commitment: Mapped[Commitment] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
    answers: Mapped[list[ChallengeAnswer]] = relationship(
        back_populates="challenge", order_by="ChallengeAnswer.id"
    )

    __table_args__ = (one_of("kind", COMMENT_KINDS, name="kind_known"),)

    @property
    def is_challenge(self) -> bool:
        return self.kind == "challenge"


class ChallengeAnswer(db.Model):
    """The public answer to a challenge (more may follow; none is edited)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("commitment_comment.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(server_default=func.now())

    challenge: Mapped[CommitmentComment] = relationship(back_populates="answers")
    author: Mapped[User | None] = relationship()


class DeliveryRecord(db.Model):
    """Delivery of one funded project or one core-funding award: its current state.

    ``amount`` is what was awarded (a project's ballot cost; an award's yearly amount times its
    years), copied when tracking starts; ``spend`` never exceeds it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="RESTRICT"), unique=True
    )
    award_id: Mapped[int | None] = mapped_column(
        ForeignKey("award.id", ondelete="RESTRICT"), unique=True
    )
    amount: Mapped[int]  # whole pounds
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    spend: Mapped[int] = mapped_column(default=0)  # whole pounds
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    proposal: Mapped[Proposal | None] = relationship()
    award: Mapped[Award | None] = relationship()
    updates: Mapped[list[DeliveryUpdate]] = relationship(
        back_populates="record", order_by="DeliveryUpdate.id"
    )
    stories: Mapped[list[Story]] = relationship(
        back_populates="delivery_record", order_by="Story.id"
    )

    __table_args__ = (
        one_of("kind", DELIVERY_KINDS, name="kind_known"),
        one_of("status", DELIVERY_STATUSES, name="status_known"),
        CheckConstraint(
            "(kind = 'project' AND proposal_id IS NOT NULL AND award_id IS NULL) OR "
            "(kind = 'award' AND award_id IS NOT NULL AND proposal_id IS NULL)",
            name="one_subject",
        ),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("spend >= 0 AND spend <= amount", name="spend_within_amount"),
    )

    @property
    def status_name(self) -> str:
        return DELIVERY_STATUSES.get(self.status, self.status)

    @property
    def title(self) -> str:
        if self.proposal is not None:
            return self.proposal.title
        if self.award is not None:
            return f"Core funding: {self.award.organisation.name}"
        return f"Record {self.id}"

    @property
    def subject_id(self) -> int:
        return self.proposal_id if self.kind == "project" else self.award_id  # type: ignore[return-value]


class DeliveryUpdate(db.Model):
    """One update of a delivery record: the status and spend it set, a milestone, an outcome."""

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_record.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    posted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    source: Mapped[str] = mapped_column(String(10), default="form")  # form | csv
    status: Mapped[str] = mapped_column(String(20))
    spend: Mapped[int]
    milestone: Mapped[str | None] = mapped_column(String(300))
    outcome_measure: Mapped[str | None] = mapped_column(String(200))
    outcome_figure: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)

    record: Mapped[DeliveryRecord] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        one_of("status", DELIVERY_STATUSES, name="status_known"),
        CheckConstraint("spend >= 0", name="spend_not_negative"),
        one_of("source", UPDATE_SOURCES, name="source_known"),
        CheckConstraint(
            "(outcome_figure IS NULL) = (outcome_measure IS NULL)", name="outcome_with_measure"
        ),
    )

    @property
    def status_name(self) -> str:
        return DELIVERY_STATUSES.get(self.status, self.status)


class Story(db.Model):
    """A person's story, told with their consent, about a commitment or a funded project.

    When the teller withdraws it, ``text`` and ``teller_name`` are erased (NULL) and
    ``withdrawn_at`` is set: it then appears on no page and in no download.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitment_update.id", ondelete="CASCADE"), index=True
    )
    delivery_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_record.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    teller_name: Mapped[str | None] = mapped_column(String(120))  # as they want to be named
    # The teller's account, when they have one: they can then withdraw the story themselves.
    teller_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    consent_given_at: Mapped[datetime]
    consent_how: Mapped[str] = mapped_column(String(200))  # e.g. "Signed consent form"
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    commitment_update: Mapped[CommitmentUpdate | None] = relationship(back_populates="stories")
    delivery_record: Mapped[DeliveryRecord | None] = relationship(back_populates="stories")
    teller: Mapped[User | None] = relationship(foreign_keys=[teller_id])

    __table_args__ = (
        CheckConstraint(
            "(commitment_update_id IS NULL) != (delivery_record_id IS NULL)", name="one_subject"
        ),
        CheckConstraint(
            "(withdrawn_at IS NULL AND text IS NOT NULL) OR "
            "(withdrawn_at IS NOT NULL AND text IS NULL AND teller_name IS NULL)",
            name="erased_when_withdrawn",
        ),
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
