"""The residents' register (as CONSUL's census check): an officer uploads an extract the council
holds (CSV: name, date of birth, postcode, neighbourhood); the platform keeps only the keyed
hash of each identity with its neighbourhood. A resident who types details matching an entry
is verified at once. A new upload replaces the old one whole; a bad file is refused whole,
naming the row and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select

from pbapp.extensions import db
from pbapp.formatting import number
from pbapp.models import Neighbourhood, User
from pbapp.models.verification import RegisterEntry, RegisterUpload, Verification
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.verification.identity import Identity, identity_of, record_verification

COLUMNS = ("name", "date_of_birth", "postcode", "neighbourhood")
MAX_ROWS = 1_000_000
NOT_FOUND = _l(
    "These details do not match the residents' register. Check them against a letter from "
    "the council (the name as the council writes it, the postcode of your home), or use "
    "another way to get verified."
)


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for parse in (
        date.fromisoformat,
        lambda t: datetime.strptime(t, "%d/%m/%Y").date(),
    ):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


@dataclass
class LoadedRegister:
    upload: RegisterUpload
    rows: int


def load_register(officer: User, data: bytes, today: date) -> LoadedRegister:
    """Replace the register with the extract in ``data``. Raises ``FieldError`` on ``file``
    naming the first bad row and column; nothing changes then."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldError("file", _("The file is not UTF-8 text: save it as CSV UTF-8.")) from None
    if "\x00" in text:
        raise FieldError("file", _("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise FieldError(
            "file", _("Row 1: this is not readable CSV (%(error)s).", error=str(error))
        ) from None
    if not header:
        raise FieldError("file", _("The file is empty."))
    names = [h.strip().lower().replace(" ", "_") for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise FieldError(
            "file",
            ngettext(
                "Row 1 (the header) has no column %(missing)s: the columns are %(columns)s.",
                "Row 1 (the header) has no columns %(missing)s: the columns are %(columns)s.",
                len(missing),
                missing=", ".join(missing),
                columns=", ".join(COLUMNS),
            ),
        )
    index = {c: names.index(c) for c in COLUMNS}
    areas: dict[str, int] = {}
    for area in db.session.scalars(select(Neighbourhood)):
        areas[area.name.strip().lower()] = area.id
        areas[area.code.strip().lower()] = area.id
    entries: dict[str, tuple[int, int]] = {}  # hash: (neighbourhood id, row number)
    row_number = 1
    try:
        for row_number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise FieldError(
                    "file",
                    ngettext(
                        "Row %(row)s has %(num)s cell; the header has %(header)s.",
                        "Row %(row)s has %(num)s cells; the header has %(header)s.",
                        len(row),
                        row=row_number,
                        header=len(header),
                    ),
                )
            cell = {c: row[i] for c, i in index.items()}
            born = _parse_date(cell["date_of_birth"])
            if born is None:
                raise FieldError(
                    "file",
                    _(
                        "Row %(row)s, column date_of_birth: “%(value)s” is not a date (use "
                        "1980-12-31 or 31/12/1980).",
                        row=row_number,
                        value=cell["date_of_birth"][:40],
                    ),
                )
            try:
                person = identity_of(cell["name"], born, cell["postcode"], today)
            except FieldError as error:
                column = {"name": "name", "date_of_birth": "date_of_birth"}.get(
                    error.field, "postcode"
                )
                raise FieldError(
                    "file",
                    # Translators: column is a column name of the CSV file (name, date_of_birth,
                    # postcode), problem a sentence saying what is wrong with it
                    _(
                        "Row %(row)s, column %(column)s: %(problem)s",
                        row=row_number,
                        column=column,
                        problem=error.message,
                    ),
                ) from None
            area_id = areas.get(cell["neighbourhood"].strip().lower())
            if area_id is None:
                raise FieldError(
                    "file",
                    _(
                        "Row %(row)s, column neighbourhood: “%(value)s” is not a neighbourhood's "
                        "name or ONS code.",
                        row=row_number,
                        value=cell["neighbourhood"][:60],
                    ),
                )
            digest = person.hash
            if digest in entries:
                raise FieldError(
                    "file",
                    _(
                        "Row %(row)s is the same person as row %(other)s (same name, date of "
                        "birth and postcode).",
                        row=row_number,
                        other=entries[digest][1],
                    ),
                )
            entries[digest] = (area_id, row_number)
            if len(entries) > MAX_ROWS:
                raise FieldError(
                    "file",
                    _("The extract has more than %(max)s people.", max=number(MAX_ROWS)),
                )
    except csv.Error as error:
        raise FieldError(
            "file",
            _(
                "Row %(row)s: this is not readable CSV (%(error)s).",
                row=row_number + 1,
                error=str(error),
            ),
        ) from None
    if not entries:
        raise FieldError("file", _("The file has a header but no people."))
    replaced = db.session.scalar(select(func.count()).select_from(RegisterEntry)) or 0
    db.session.execute(delete(RegisterEntry))
    db.session.execute(delete(RegisterUpload))
    upload = RegisterUpload(rows=len(entries), uploaded_by_id=officer.id)
    db.session.add(upload)
    db.session.flush()
    db.session.execute(
        insert(RegisterEntry),
        [
            {"upload_id": upload.id, "identity_hash": h, "neighbourhood_id": a}
            for h, (a, _) in entries.items()
        ],
    )
    audit.record(
        officer,
        "register.upload",
        "register_upload",
        upload.id,
        before={"rows": replaced},
        after={"rows": len(entries)},
    )
    return LoadedRegister(upload=upload, rows=len(entries))


def current_upload() -> RegisterUpload | None:
    return db.session.scalar(select(RegisterUpload).order_by(RegisterUpload.id.desc()))


def match(user: User, person: Identity) -> Verification:
    """Verify ``user`` when ``person`` is on the register. Raises ``FieldError`` otherwise."""
    entry = db.session.scalar(
        select(RegisterEntry).where(RegisterEntry.identity_hash == person.hash)
    )
    if entry is None:
        raise FieldError("name", NOT_FOUND)
    area = db.session.get(Neighbourhood, entry.neighbourhood_id)
    return record_verification(
        user,
        person,
        area,
        method="register",
        verified_by=None,
        detail=f"register upload {entry.upload_id}",
    )
