"""The public summary of the audit trail: changes to public records, said in plain words.

Admins read the whole trail (with before and after) at /admin/audit. The public summary shows
only events about public records, never the name of the person who made the change (only their
role in the process), and only the fields listed here, so nothing personal leaks: a story's
words are never in the trail in the first place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import AuditEvent
from pbapp.models.accountability import COMMITMENT_STATUSES, DELIVERY_STATUSES
from pbapp.models.vocabulary import N_

# action -> (plain description, fields of ``after`` that may be shown)
PUBLIC_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "commitment.create": (N_("A commitment was published"), ("text", "owner", "due_date")),
    "commitment.update": (N_("An update was posted on a commitment"), ("figure", "summary")),
    "commitment.status": (N_("A commitment's status changed"), ("status", "status_reason")),
    "challenge.answer": (N_("A challenge was answered"), ("text",)),
    "delivery.update": (
        N_("Delivery was updated"),
        ("status", "spend", "amount", "milestone", "outcome_measure", "outcome_figure"),
    ),
    "story.add": (N_("A story was added with the teller's consent"), ()),
    "story.withdraw": (N_("A story was withdrawn; its words were erased"), ()),
    "result.publish": (N_("A participatory-budgeting result was published"), ()),
    "ballot.void": (N_("A paper ballot was voided by an officer; it is not counted"), ()),
    "scenario.publish": (N_("A funders' allocation scenario was published"), ()),
    "process.budgets": (N_("A process's neighbourhood budgets were set"), ()),
    "process.publish": (
        N_("A participatory-budgeting process was published"),
        ("title", "voting_start", "results_start"),
    ),
    "process.update": (
        N_("A published participatory-budgeting process was changed"),
        (
            "title",
            "themes",
            "ballot_type",
            "max_projects",
            "points_total",
            "rule",
            "proposals_start",
            "review_start",
            "voting_start",
            "results_start",
            "delivery_start",
            "reason",
        ),
    ),
    "proposal.review": (N_("A proposal was reviewed for feasibility and cost"), ()),
    "core_funding_round.publish": (N_("A core-funding round was published"), ()),
}

STATUS_WORDS = COMMITMENT_STATUSES | DELIVERY_STATUSES


@dataclass
class PublicChange:
    at: datetime
    description: str
    record: str
    details: list[tuple[str, str]]
    before: list[tuple[str, str]]

    @property
    def description_in_words(self) -> str:
        """The description in the reader's language (the API keeps ``description`` English)."""
        return gettext(self.description)


def _show(name: str, value: object) -> str:
    if name == "status" and isinstance(value, str):
        return STATUS_WORDS.get(value, value)
    if name in ("spend", "amount") and isinstance(value, int):
        return f"£{value:,}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value is None or value == "" else str(value)


def _pairs(data: dict | None, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    if not data:
        return []
    return [
        (f.replace("_", " "), _show(f, data[f]))
        for f in fields
        if f in data and data[f] is not None
    ]


def public_changes(limit: int = 200) -> list[PublicChange]:
    """The newest ``limit`` changes to public records, newest first."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(PUBLIC_ACTIONS))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    out = []
    for e in events:
        description, fields = PUBLIC_ACTIONS[e.action]
        out.append(
            PublicChange(
                at=e.at,
                description=description,
                record=f"{e.object_type.replace('_', ' ')} {e.object_id}",
                details=_pairs(e.after, fields),
                before=_pairs(e.before, fields),
            )
        )
    return out
