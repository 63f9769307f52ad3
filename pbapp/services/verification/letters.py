"""Letter codes: an officer makes a batch of single-use codes for a neighbourhood and posts one
to each household; a resident who types theirs (with their name, date of birth and postcode)
becomes a verified resident of that neighbourhood.

Only a keyed hash of each code is stored, so the codes can be shown once (when the batch is
made) and never again. A code is 12 characters from a 32-character alphabet: 60 bits, about
1.15 x 10^18 codes. Attempts are limited per account and per address (config
``LETTER_CODE_LIMIT_PER_ACCOUNT`` / ``_PER_ADDRESS``; docs/verification.md gives the odds).
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from pbapp.extensions import db
from pbapp.formatting import number as figure
from pbapp.models import Neighbourhood, User
from pbapp.models.verification import LetterBatch, LetterCode, Verification
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.verification.identity import Identity, keyed_hash, record_verification

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 12
BATCH_MAX = 5_000

WRONG_CODE = _l(
    "This code is not right, or it has been used or withdrawn. Check it against your letter "
    "(it is 12 letters and numbers, like ABCD-EFGH-JKLM)."
)


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    """Upper case, without spaces or dashes; the letters people confuse with digits read as
    the characters the alphabet has (O as 0 is not in it, so O stays O and fails)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return keyed_hash("letter-code:" + normalise_code(code))


def make_batch(
    officer: User, neighbourhood: Neighbourhood, size: int | None
) -> tuple[LetterBatch, list[str]]:
    """Make ``size`` codes for ``neighbourhood``; returns the batch and the codes (shown once)."""
    if size is None or not 1 <= size <= BATCH_MAX:
        raise FieldError(
            "size", _("Make from 1 to %(max)s codes at a time.", max=figure(BATCH_MAX))
        )
    batch = LetterBatch(neighbourhood_id=neighbourhood.id, size=size, created_by_id=officer.id)
    db.session.add(batch)
    db.session.flush()
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < size:  # 60-bit codes: a repeat is all but impossible, but never kept
        code = new_code()
        digest = code_hash(code)
        if digest in seen:
            continue
        seen.add(digest)
        codes.append(code)
    db.session.add_all(LetterCode(batch_id=batch.id, code_hash=code_hash(c)) for c in codes)
    db.session.flush()
    audit.record(
        officer,
        "letter_batch.create",
        "letter_batch",
        batch.id,
        after={"neighbourhood": neighbourhood.id, "size": size},
    )
    return batch, codes


def codes_of_batch(batch: LetterBatch, codes: list[str]) -> list[str]:
    """The codes, checked to be this batch's and not yet spent (for the CSV download, which
    is made from the codes the sheet posts back: the server cannot make them again).
    Raises ``FieldError`` when any is not."""
    cleaned = [c.strip() for c in codes if c.strip()]
    if not cleaned:
        raise FieldError("codes", _("There are no codes to download."))
    if len(cleaned) > BATCH_MAX:
        raise FieldError("codes", _("A batch has at most %(max)s codes.", max=figure(BATCH_MAX)))
    hashes = {code_hash(c) for c in cleaned}
    found = set(
        db.session.scalars(
            select(LetterCode.code_hash).where(
                LetterCode.batch_id == batch.id,
                LetterCode.code_hash.in_(hashes),
                LetterCode.spent_at.is_(None),
            )
        )
    )
    if found != hashes or len(hashes) != len(cleaned):
        raise FieldError("codes", _("These codes are not all unused codes of this batch."))
    return cleaned


def csv_of(batch: LetterBatch, codes: list[str], verify_url: str) -> str:
    """A CSV for a mail merge: one row per letter."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["letter", "neighbourhood", "code", "where to enter it"])
    for number, code in enumerate(codes, start=1):
        writer.writerow([number, batch.neighbourhood.name, code, verify_url])
    return out.getvalue()


def redeem(user: User, code: str, identity: Identity, now: datetime) -> Verification:
    """Spend ``code`` to verify ``user`` as ``identity`` living in the code's neighbourhood.

    A wrong, spent or withdrawn code does nothing but say so; a code is spent only when the
    verification is made (in the same transaction), and two accounts racing for one code
    cannot both have it: the update that spends it counts the rows it changed.
    """
    if not 8 <= len(normalise_code(code)) <= 40:
        raise FieldError("code", WRONG_CODE)
    row = db.session.scalar(
        select(LetterCode)
        .join(LetterBatch)
        .where(
            LetterCode.code_hash == code_hash(code),
            LetterCode.spent_at.is_(None),
            LetterBatch.revoked_at.is_(None),
        )
    )
    if row is None:
        raise FieldError("code", WRONG_CODE)
    spent = db.session.execute(
        update(LetterCode)
        .where(LetterCode.id == row.id, LetterCode.spent_at.is_(None))
        .values(spent_at=now, spent_by_id=user.id)
    )
    if spent.rowcount != 1:
        raise FieldError("code", WRONG_CODE)
    batch = row.batch
    return record_verification(
        user,
        identity,
        batch.neighbourhood,
        method="letter",
        verified_by=None,
        detail=f"letter batch {batch.id}",
        field="code",
    )


def revoke_batch(officer: User, batch: LetterBatch, now: datetime) -> int:
    """Withdraw a batch: its unused codes stop working. Returns how many were unused."""
    if batch.revoked_at is not None:
        raise FieldError("batch", _("This batch was withdrawn already."))
    unused = (
        db.session.scalar(
            select(db.func.count())
            .select_from(LetterCode)
            .where(LetterCode.batch_id == batch.id, LetterCode.spent_at.is_(None))
        )
        or 0
    )
    batch.revoked_at = now
    db.session.flush()
    audit.record(officer, "letter_batch.revoke", "letter_batch", batch.id, after={"unused": unused})
    return unused


def batch_counts(batch_ids: list[int]) -> dict[int, int]:
    """How many codes of each batch have been used."""
    if not batch_ids:
        return {}
    rows = db.session.execute(
        select(LetterCode.batch_id, db.func.count())
        .where(LetterCode.batch_id.in_(batch_ids), LetterCode.spent_at.is_not(None))
        .group_by(LetterCode.batch_id)
    )
    return {batch_id: count for batch_id, count in rows}
