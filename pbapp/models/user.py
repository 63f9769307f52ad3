"""People who sign in, and the roles that decide what they may do."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, func
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from pbapp.extensions import db
from pbapp.models.neighbourhood import Neighbourhood
from pbapp.models.vocabulary import N_

# In the users' words, with what each may do; the order is the order pages list them in.
ROLES: dict[str, str] = {
    "resident": N_("Propose projects and vote in your neighbourhood's budgets"),
    "officer": N_("Review proposals, run processes, enter paper ballots, publish results"),
    "funder": N_("Record contributions and model needs-weighted allocations"),
    "vcs": N_("Keep a community group's profile and read its core-funding award"),
    "admin": N_("Give and take roles; read the audit trail"),
    "verifier": N_("Verify residents in person at events, after seeing proof of address"),
}

_ROLE_LIST = ", ".join(f"'{r}'" for r in ROLES)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Stored lower-cased, so the unique constraint refuses the same address in any letter case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Funders: the funding organisation the account acts for (its contributions, its scenarios).
    funding_organisation: Mapped[str | None] = mapped_column(String(200))
    # Raised by sign-out, a password change or reset: every session made before is refused.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the owner last proved the address is theirs (a link sent to it); None: never.
    email_checked_at: Mapped[datetime | None]
    # Registered but the address not yet checked: signing in waits for the link, so a
    # registration reveals nothing about whether the address already had an account.
    awaiting_email_check: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The interface language the person chose with the picker (a code of pbapp.i18n.REGISTRY,
    # checked by services/accounts/language.py); None: not chosen, the browser's is used.
    language: Mapped[str | None] = mapped_column(String(10))

    neighbourhood: Mapped[Neighbourhood | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a random salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """What the session cookie holds: the id and the session version, so a cookie made
        before the version was raised no longer signs anyone in."""
        return f"{self.id}.{self.session_version}"

    def end_all_sessions(self) -> None:
        self.session_version += 1

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to sign in inactive accounts
        return self.is_active_account

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    """One role held by one user; a user may hold several."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(server_default=func.now())

    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="role_known"),)
