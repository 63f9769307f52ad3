"""Demo verification: a batch of letter codes for Burngreave, one of them spent by the demo
resident (so Rosa is a verified resident and can vote in the open process, which needs one),
the others printed in the README for a newcomer to try; and a residents' register extract of
ten made-up people (register_extract.csv). Idempotent.

The codes are fixed here so that a newcomer can find them: demo only (the demo refuses to load
outside development and the tests). Real codes are random and shown once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Neighbourhood, User
from pbapp.models.verification import LetterBatch, LetterCode
from pbapp.services import audit
from pbapp.services.verification import identity, letters, register

REGISTER_CSV = Path(__file__).with_name("register_extract.csv")

DEMO_WARD = "Burngreave"
DEMO_CODES = (  # drawn once from letters.ALPHABET; the first is spent by the demo resident
    "MH6X-RN99-M8U7",
    "SNSH-WMRL-RNZN",
    "9PVS-AX3Q-3YTT",
    "VHU8-K9LN-P5J4",
    "8GNS-X8F9-K8K9",
    "FRFY-P3AJ-F833",
    "M24J-T3ZK-XXVJ",
    "5B5K-L5A7-GAS5",
    "3884-KQMM-ZV9D",
    "FYMK-PSEL-QJVG",
)
# The demo resident's identity as they typed it when they entered their code.
ROSA = ("Rosa Resident", date(1988, 4, 12), "S4 7AB")


def load_verification_demo(officer: User, resident: User) -> int:
    """Add the demo batch and register and verify the demo resident if missing; returns the
    letter codes added."""
    if officer is not None:
        load_register_demo(officer)
    ward = db.session.scalar(select(Neighbourhood).where(Neighbourhood.name == DEMO_WARD))
    if ward is None or officer is None or resident is None:
        return 0
    hashes = [letters.code_hash(c) for c in DEMO_CODES]
    if db.session.scalar(select(LetterCode.id).where(LetterCode.code_hash == hashes[0])):
        return 0
    batch = LetterBatch(neighbourhood_id=ward.id, size=len(DEMO_CODES), created_by_id=officer.id)
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(LetterCode(batch_id=batch.id, code_hash=h) for h in hashes)
    db.session.flush()
    audit.record(
        officer,
        "letter_batch.create",
        "letter_batch",
        batch.id,
        after={"neighbourhood": ward.id, "size": len(DEMO_CODES)},
    )
    if identity.current_verification(resident) is None:
        name, born, postcode = ROSA
        person = identity.identity_of(name, born, postcode, date.today())
        letters.redeem(resident, DEMO_CODES[0], person, datetime.now(UTC).replace(tzinfo=None))
    return len(DEMO_CODES)


def load_register_demo(officer: User) -> int:
    """Load the made-up register extract unless a register is loaded; returns its people."""
    if register.current_upload() is not None:
        return 0
    return register.load_register(officer, REGISTER_CSV.read_bytes(), date.today()).rows
