"""Delivery of what was funded: funded participatory-budgeting projects and core-funding awards.

Tracking starts on the first update (the amount awarded is copied then). Each update is a row of
its own (status, spend, milestone, outcome figure), never edited; the record keeps the latest
status and spend. Updates come one at a time from a form or in bulk from a CSV file, which is
checked whole first: one bad row refuses the file and nothing changes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp.extensions import db
from pbapp.formatting import money
from pbapp.formatting import number as figure
from pbapp.models import Proposal, Result, User
from pbapp.models.accountability import (
    DELIVERY_KINDS,
    DELIVERY_STATUSES,
    DeliveryRecord,
    DeliveryUpdate,
)
from pbapp.models.core_funding import Award, CoreFundingRound
from pbapp.services import audit
from pbapp.services.accountability.commitments import (
    FIGURE_MAX,
    StoryInput,
    audit_story_added,
    build_story,
)
from pbapp.services.bounds import whole_number
from pbapp.services.errors import FieldError
from pbapp.services.notifications import notices
from pbapp.services.text import control_character_problem

CSV_MAX_BYTES = 1_000_000
CSV_MAX_ROWS = 5_000
CSV_REQUIRED = ("kind", "id", "status", "spend")
CSV_OPTIONAL = ("milestone", "outcome_measure", "outcome_figure", "note")
CSV_IGNORED = ("title", "amount")  # in the downloadable template, for reading only
TEXT_LIMITS = {"milestone": 300, "outcome_measure": 200, "note": 2000}


@dataclass
class DeliveryInput:
    status: str
    spend: int | None
    milestone: str = ""
    outcome_measure: str = ""
    outcome_figure: int | None = None
    note: str = ""


@dataclass
class Subject:
    """Something funded that can be tracked: a project or an award, with the amount awarded."""

    kind: str
    id: int
    title: str
    amount: int
    record: DeliveryRecord | None
    neighbourhood: str = ""
    award_of: tuple[str, str] | None = None  # an award's (organisation, round title)

    @property
    def title_in_words(self) -> str:
        """The title as a page shows it: an award's in the reader's language (``title`` stays
        English for the API and the spreadsheet template)."""
        if self.award_of is None:
            return self.title
        organisation, round_title = self.award_of
        return _(
            "Core funding: %(organisation)s (%(round)s)",
            organisation=organisation,
            round=round_title,
        )


@dataclass
class ImportProblem:
    row: int  # 1 = the header line
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            # Translators: where a problem is in an uploaded spreadsheet; the column is its
            # (English) heading.
            return _(
                "Row %(row)s, column %(column)s: %(message)s",
                row=self.row,
                column=self.column,
                message=self.message,
            )
        return _("Row %(row)s: %(message)s", row=self.row, message=self.message)


class ImportRefused(Exception):
    """A CSV file that was refused whole, with every problem found."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass
class ImportReport:
    updated: int = 0
    started: int = 0
    lines: list[str] = field(default_factory=list)


def funded_proposal_ids() -> set[int]:
    """Ids of every proposal selected by a published result."""
    ids: set[int] = set()
    for selected in db.session.scalars(select(Result.selected)):
        ids.update(int(i) for i in selected or [])
    return ids


def funded_subjects() -> list[Subject]:
    """Every funded project and published award, with its delivery record where tracked."""
    records = {
        (r.kind, r.subject_id): r
        for r in db.session.scalars(
            select(DeliveryRecord).options(selectinload(DeliveryRecord.updates))
        )
    }
    subjects = []
    ids = funded_proposal_ids()
    if ids:
        for p in db.session.scalars(
            select(Proposal).where(Proposal.id.in_(ids)).order_by(Proposal.id)
        ):
            subjects.append(
                Subject(
                    "project",
                    p.id,
                    p.title,
                    p.ballot_cost,
                    records.get(("project", p.id)),
                    p.budget.name,
                )
            )
    for a in db.session.scalars(
        select(Award)
        .join(CoreFundingRound)
        .where(CoreFundingRound.status == "published")
        .order_by(Award.id)
    ):
        subjects.append(
            Subject(
                "award",
                a.id,
                f"Core funding: {a.organisation.name} ({a.funding_round.title})",
                a.round_total,
                records.get(("award", a.id)),
                award_of=(a.organisation.name, a.funding_round.title),
            )
        )
    return subjects


def subject(kind: str, subject_id: int) -> Subject | None:
    """The funded project or published award ``subject_id`` of ``kind``, or None."""
    if kind == "project":
        proposal = db.session.get(Proposal, subject_id)
        if proposal is None or subject_id not in funded_proposal_ids():
            return None
        record = db.session.scalar(
            select(DeliveryRecord).where(DeliveryRecord.proposal_id == subject_id)
        )
        return Subject(
            "project",
            proposal.id,
            proposal.title,
            proposal.ballot_cost,
            record,
            proposal.budget.name,
        )
    if kind == "award":
        award = db.session.get(Award, subject_id)
        if award is None or not award.funding_round.is_published:
            return None
        record = db.session.scalar(
            select(DeliveryRecord).where(DeliveryRecord.award_id == subject_id)
        )
        return Subject(
            "award",
            award.id,
            f"Core funding: {award.organisation.name} ({award.funding_round.title})",
            award.round_total,
            record,
            award_of=(award.organisation.name, award.funding_round.title),
        )
    return None


def _check(data: DeliveryInput, amount: int) -> list[tuple[str, str]]:
    """Problems with an update as (field, message), in the order of the form."""
    problems = []
    if data.status not in DELIVERY_STATUSES:
        problems.append(
            ("status", _("Choose a status: %(statuses)s.", statuses=", ".join(DELIVERY_STATUSES)))
        )
    if data.spend is None:
        problems.append(("spend", _("Enter the money spent so far, in whole pounds.")))
    elif data.spend < 0:
        problems.append(("spend", _("Spend cannot be negative.")))
    elif data.spend > amount:
        problems.append(
            (
                "spend",
                _(
                    "Spend of %(spend)s is more than the %(amount)s awarded.",
                    spend=money(data.spend),
                    amount=money(amount),
                ),
            )
        )
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(data, name).strip()) > limit:
            problems.append((name, _("Use at most %(count)s characters.", count=limit)))
    measure = data.outcome_measure.strip()
    if data.outcome_figure is not None and not measure:
        problems.append(("outcome_measure", _("Say what the outcome figure counts.")))
    if measure and data.outcome_figure is None:
        problems.append(("outcome_figure", _("Enter the outcome figure for this measure.")))
    if data.outcome_figure is not None and data.outcome_figure < 0:
        problems.append(("outcome_figure", _("The outcome figure cannot be negative.")))
    if data.outcome_figure is not None and data.outcome_figure > FIGURE_MAX:
        problems.append(
            (
                "outcome_figure",
                _("The outcome figure can be at most %(most)s.", most=figure(FIGURE_MAX)),
            )
        )
    return problems


def _apply(actor: User, target: Subject, data: DeliveryInput, source: str) -> DeliveryRecord:
    record = target.record
    before = None
    if record is None:
        record = DeliveryRecord(
            kind=target.kind,
            proposal_id=target.id if target.kind == "project" else None,
            award_id=target.id if target.kind == "award" else None,
            amount=target.amount,
        )
        db.session.add(record)
    else:
        before = {"status": record.status, "spend": record.spend}
    record.status = data.status
    record.spend = data.spend or 0
    update = DeliveryUpdate(
        record=record,
        author_id=actor.id,
        source=source,
        status=data.status,
        spend=data.spend or 0,
        milestone=data.milestone.strip() or None,
        outcome_measure=data.outcome_measure.strip() or None,
        outcome_figure=data.outcome_figure,
        note=data.note.strip() or None,
    )
    db.session.add(update)
    db.session.flush()
    audit.record(
        actor,
        "delivery.update",
        f"delivery_{target.kind}",
        target.id,
        before=before,
        after={
            "status": record.status,
            "spend": record.spend,
            "amount": record.amount,
            "milestone": update.milestone,
            "outcome_measure": update.outcome_measure,
            "outcome_figure": update.outcome_figure,
            "source": source,
        },
    )
    target.record = record
    if target.kind == "project":
        # In this transaction: the update and its notices are committed together, or neither.
        notices.delivery_updated(db.session.get(Proposal, target.id), update)
    return record


def update_delivery(
    actor: User, target: Subject, data: DeliveryInput, story: StoryInput | None = None
) -> DeliveryRecord:
    """Record one update (and optionally a story told with consent). Raises ``FieldError``."""
    problems = _check(data, target.amount)
    if problems:
        raise FieldError(*problems[0])
    built = None
    if story is not None and story.text.strip():
        built = build_story(actor, story)  # checked before anything is added
    record = _apply(actor, target, data, "form")
    if built is not None:
        built.delivery_record = record
        db.session.add(built)
        db.session.flush()
        audit_story_added(actor, built)
    return record


def _whole(text: str) -> int | None:
    """A whole number as typed in a spreadsheet ("2,500", "£2500"); raises ValueError."""
    cleaned = text.strip().replace(",", "").replace("£", "")
    if not cleaned:
        return None
    return whole_number(cleaned)  # bounded to what the columns hold


def import_csv(actor: User, raw: bytes) -> ImportReport:
    """Apply a CSV of delivery updates, all or nothing.

    Columns: ``kind`` (project or award), ``id``, ``status``, ``spend`` (whole pounds so far), and
    optionally ``milestone``, ``outcome_measure``, ``outcome_figure``, ``note``. Raises
    ``ImportRefused`` listing every problem by row and column; then nothing has changed.
    """
    if not raw or not raw.strip():
        raise ImportRefused([ImportProblem(1, "", _("The file is empty."))])
    if len(raw) > CSV_MAX_BYTES:
        raise ImportRefused(
            [
                ImportProblem(
                    1,
                    "",
                    _(
                        "The file is larger than %(size)s kB. Split it.",
                        size=figure(CSV_MAX_BYTES // 1000),
                    ),
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportRefused(
            [
                ImportProblem(
                    line,
                    "",
                    _("The file is not UTF-8 text. Save it as 'CSV UTF-8' from your spreadsheet."),
                )
            ]
        ) from None
    control = control_character_problem(text)
    if control is not None:
        line, what = control
        raise ImportRefused(
            [
                ImportProblem(
                    line,
                    "",
                    _(
                        "Line %(line)s contains %(what)s, which cannot be saved.",
                        line=line,
                        what=what,
                    ),
                )
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ImportRefused(
            [
                ImportProblem(
                    reader.line_num, "", _("Not a readable CSV file (%(error)s).", error=str(error))
                )
            ]
        ) from None
    if not rows:  # only a byte-order mark
        raise ImportRefused([ImportProblem(1, "", _("The file is empty."))])
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [h for h in header if h not in CSV_REQUIRED + CSV_OPTIONAL + CSV_IGNORED]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if missing:
        problems.append(
            ImportProblem(1, "", _("Missing columns: %(columns)s.", columns=", ".join(missing)))
        )
    if unknown:
        problems.append(
            ImportProblem(
                1,
                "",
                _(
                    "Unknown columns: %(columns)s. Allowed: %(allowed)s.",
                    columns=", ".join(unknown),
                    allowed=", ".join(CSV_REQUIRED + CSV_OPTIONAL),
                ),
            )
        )
    if duplicated:
        problems.append(
            ImportProblem(
                1, "", _("Columns named twice: %(columns)s.", columns=", ".join(duplicated))
            )
        )
    if problems:
        raise ImportRefused(problems)
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        raise ImportRefused([ImportProblem(1, "", _("The file has a header but no rows."))])
    if len(body) > CSV_MAX_ROWS:
        raise ImportRefused(
            [
                ImportProblem(
                    1, "", _("At most %(count)s rows per file.", count=figure(CSV_MAX_ROWS))
                )
            ]
        )

    subjects = {(s.kind, s.id): s for s in funded_subjects()}
    seen: dict[tuple[str, int], int] = {}
    planned: list[tuple[Subject, DeliveryInput]] = []
    for number, cells in body:
        if len(cells) != len(header):
            problems.append(
                ImportProblem(
                    number,
                    "",
                    _(
                        "Has %(cells)s cells; the header has %(columns)s columns.",
                        cells=len(cells),
                        columns=len(header),
                    ),
                )
            )
            continue
        row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        kind = row["kind"].lower()
        if kind not in DELIVERY_KINDS:
            problems.append(ImportProblem(number, "kind", _("Write 'project' or 'award'.")))
            continue
        try:
            subject_id = _whole(row["id"])
        except ValueError:
            subject_id = None
        if subject_id is None:
            problems.append(
                ImportProblem(number, "id", _("'%(value)s' is not an id number.", value=row["id"]))
            )
            continue
        target = subjects.get((kind, subject_id))
        if target is None:
            problems.append(
                ImportProblem(
                    number,
                    "id",
                    _("There is no funded project with id %(id)s.", id=subject_id)
                    if kind == "project"
                    else _(
                        "There is no published core-funding award with id %(id)s.", id=subject_id
                    ),
                )
            )
            continue
        if (kind, subject_id) in seen:
            problems.append(
                ImportProblem(
                    number,
                    "id",
                    _(
                        "%(kind)s %(id)s is already on row %(row)s.",
                        kind=kind,
                        id=subject_id,
                        row=seen[(kind, subject_id)],
                    ),
                )
            )
            continue
        seen[(kind, subject_id)] = number
        numbers: dict[str, int | None] = {}
        bad = False
        for column in ("spend", "outcome_figure"):
            try:
                numbers[column] = _whole(row.get(column, ""))
            except ValueError:
                problems.append(
                    ImportProblem(
                        number, column, _("'%(value)s' is not a whole number.", value=row[column])
                    )
                )
                bad = True
        if bad:
            continue
        data = DeliveryInput(
            status=row["status"].lower().replace(" ", "_"),
            spend=numbers["spend"],
            milestone=row.get("milestone", ""),
            outcome_measure=row.get("outcome_measure", ""),
            outcome_figure=numbers["outcome_figure"],
            note=row.get("note", ""),
        )
        for column, message in _check(data, target.amount):
            problems.append(ImportProblem(number, column, message))
        planned.append((target, data))
    if problems:
        raise ImportRefused(problems)
    report = ImportReport()
    for target, data in planned:
        if target.record is None:
            report.started += 1
        _apply(actor, target, data, "csv")
        report.updated += 1
        report.lines.append(
            f"{target.title}: {DELIVERY_STATUSES[data.status]}, £{data.spend:,} spent"
        )
    return report
