"""Deleting verification data no process needs any more (``flask verification tidy``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from pbapp.extensions import db
from pbapp.models import Process
from pbapp.models.verification import DeclaredBirthDate, LetterBatch, LetterCode
from pbapp.services import audit


@dataclass
class Tidied:
    birth_dates: int = 0
    unused_codes: int = 0


def tidy(today: date) -> Tidied:
    """Delete what is no longer needed; audited. Does not commit.

    - Dates of birth residents typed on a ballot: once no process with a minimum age is before
      its results day (they are asked again if a later process has one).
    - Unused codes of withdrawn letter batches: they can never be used (spent codes stay, for
      the batch's count of used codes).
    """
    done = Tidied()
    needed = db.session.scalar(
        select(Process.id).where(Process.min_age.is_not(None), Process.results_start > today)
    )
    if needed is None:
        done.birth_dates = db.session.execute(delete(DeclaredBirthDate)).rowcount or 0
    withdrawn = select(LetterBatch.id).where(LetterBatch.revoked_at.is_not(None))
    done.unused_codes = (
        db.session.execute(
            delete(LetterCode).where(
                LetterCode.batch_id.in_(withdrawn), LetterCode.spent_at.is_(None)
            )
        ).rowcount
        or 0
    )
    if done.birth_dates or done.unused_codes:
        audit.record(
            None,
            "verification.tidy",
            "verification",
            "-",
            after={"birth_dates": done.birth_dates, "unused_codes": done.unused_codes},
        )
    return done
