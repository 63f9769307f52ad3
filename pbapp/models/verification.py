"""Verified residents: one verification per person (a keyed hash of who they are), the letter
codes an officer prints for a neighbourhood, and dates of birth residents declare when a process
has a minimum age.

See docs/verification.md for what is stored, for how long and why.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pbapp.extensions import db
from pbapp.models.neighbourhood import Neighbourhood
from pbapp.models.user import User
from pbapp.models.vocabulary import N_

VERIFICATION_METHODS: dict[str, str] = {
    "letter": N_("Letter code sent to their home"),
    "in_person": N_("Seen in person with proof of address"),
    "register": N_("Matched against the residents' register"),
}

_METHOD_LIST = ", ".join(f"'{m}'" for m in VERIFICATION_METHODS)


class Verification(db.Model):
    """A resident verified as a person living in a neighbourhood.

    ``identity_hash`` is an HMAC (server-side key) of the normalised name, date of birth and
    postcode: the same person gives the same hash, and a unique index over the verifications
    still in force lets one person hold one verified account, however many they register.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    identity_hash: Mapped[str] = mapped_column(String(64))
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="RESTRICT")
    )
    date_of_birth: Mapped[date]  # for minimum ages; kept while the verification is
    method: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(200), default="")  # e.g. the proof seen
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    neighbourhood: Mapped[Neighbourhood] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    __table_args__ = (
        CheckConstraint(f"method IN ({_METHOD_LIST})", name="method_known"),
        CheckConstraint(
            "(revoked_at IS NULL) = (revoke_reason IS NULL)", name="reason_when_revoked"
        ),
        # One person, one verified account; one verification in force per account.
        Index(
            "uq_verification_identity_in_force",
            "identity_hash",
            unique=True,
            sqlite_where=db.text("revoked_at IS NULL"),
            postgresql_where=db.text("revoked_at IS NULL"),
        ),
        Index(
            "uq_verification_user_in_force",
            "user_id",
            unique=True,
            sqlite_where=db.text("revoked_at IS NULL"),
            postgresql_where=db.text("revoked_at IS NULL"),
        ),
    )

    @property
    def method_name(self) -> str:
        return VERIFICATION_METHODS.get(self.method, self.method)


class DeclaredBirthDate(db.Model):
    """A date of birth a resident gave because a process they vote in has a minimum age."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    date_of_birth: Mapped[date]
    declared_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LetterBatch(db.Model):
    """Codes an officer made for one neighbourhood, to post to its households."""

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="RESTRICT"), index=True
    )
    size: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]

    neighbourhood: Mapped[Neighbourhood] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)


class LetterCode(db.Model):
    """One single-use code; only its keyed hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("letter_batch.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    spent_at: Mapped[datetime | None]
    spent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    batch: Mapped[LetterBatch] = relationship()


class RegisterUpload(db.Model):
    """The residents' register extract in force: who uploaded it, when, how many rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rows: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now())

    uploaded_by: Mapped[User | None] = relationship()


class RegisterEntry(db.Model):
    """One person of the register extract: the keyed hash of their identity and their
    neighbourhood, nothing else (the extract itself is never kept)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("register_upload.id", ondelete="CASCADE"), index=True
    )
    identity_hash: Mapped[str] = mapped_column(String(64), unique=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="RESTRICT")
    )
