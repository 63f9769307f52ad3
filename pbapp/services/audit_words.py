"""The audit trail in words: who did what to which record, and what changed, with names instead
of internal ids and no raw data structures (the admin's page and its CSV download)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from pbapp.extensions import db
from pbapp.models import (
    PROPOSAL_STATUSES,
    THEMES,
    AuditEvent,
    Budget,
    Neighbourhood,
    Process,
    Proposal,
    User,
)
from pbapp.models.accountability import (
    COMMITMENT_STATUSES,
    DELIVERY_STATUSES,
    Commitment,
    DeliveryRecord,
    Story,
)
from pbapp.models.core_funding import CoreFundingRound, CorrectionRequest, Organisation
from pbapp.models.funding import Contribution, Scenario

ACTIONS: dict[str, LazyString] = {
    "ballot.paper": _l("Entered a paper ballot"),
    "challenge.answer": _l("Answered a challenge"),
    "commitment.create": _l("Added a commitment"),
    "commitment.status": _l("Changed a commitment's status"),
    "commitment.update": _l("Reported progress on a commitment"),
    "contribution.create": _l("Recorded a contribution"),
    "contribution.update": _l("Changed a contribution"),
    "core_funding_round.create": _l("Created a core-funding round"),
    "core_funding_round.publish": _l("Published a core-funding round"),
    "core_funding_round.update": _l("Changed a core-funding round"),
    "correction.raise": _l("Asked for a correction"),
    "correction.decide": _l("Decided a correction request"),
    "delivery.update": _l("Updated delivery"),
    "need.import": _l("Imported need data"),
    "organisation.create": _l("Added a community group"),
    "organisation.eligibility": _l("Checked a group's eligibility"),
    "organisation.keeper": _l("Changed who keeps a group's profile"),
    "organisation.update": _l("Changed a community group"),
    "process.budgets": _l("Set a process's budgets"),
    "process.create": _l("Created a process"),
    "process.update": _l("Changed a process"),
    "proposal.review": _l("Reviewed a proposal"),
    "proposal.submit": _l("Submitted a proposal"),
    "proposal.translate": _l("Translated a proposal's title and summary"),
    "result.publish": _l("Published a result"),
    "scenario.create": _l("Created a scenario"),
    "scenario.publish": _l("Published a scenario"),
    "scenario.update": _l("Changed a scenario"),
    "story.add": _l("Added a story"),
    "story.withdraw": _l("Withdrew a story"),
    "user.password_change": _l("Changed their password"),
    "user.register": _l("Registered"),
    "user.roles": _l("Changed roles"),
    "user.sign_in": _l("Signed in"),
}

# (model, attribute giving its name, words for the kind of record)
RECORDS: dict[str, tuple[type, str, LazyString]] = {
    "user": (User, "name", _l("Person")),
    "process": (Process, "title", _l("Process")),
    "proposal": (Proposal, "title", _l("Proposal")),
    "scenario": (Scenario, "name", _l("Scenario")),
    "contribution": (Contribution, "funder_name", _l("Contribution")),
    "core_funding_round": (CoreFundingRound, "title", _l("Core-funding round")),
    "organisation": (Organisation, "name", _l("Community group")),
    "commitment": (Commitment, "text", _l("Commitment")),
    "correction_request": (CorrectionRequest, "subject", _l("Correction request")),
    "story": (Story, "teller_name", _l("Story told by")),
}
MONEY_KEYS = {
    "amount",
    "spend",
    "pot",
    "budget",
    "total",
    "unallocated",
    "cost",
    "reviewed_cost",
    "cap",
    "income_latest",
    "income_previous",
    "income_earlier",
}
_NUMBERED = re.compile(r"\d+|None")
_CODE = re.compile(r"[a-z]+(?:[_-][a-z]+)+")  # a stored code such as in_progress
# The words the pages use for the codes records store (statuses, themes).
CODES = {**THEMES, **DELIVERY_STATUSES, **COMMITMENT_STATUSES, **PROPOSAL_STATUSES}


def action_words(action: str) -> str:
    known = ACTIONS.get(action)
    return str(known) if known else action.replace("_", " ").replace(".", ": ").capitalize()


def label(key: str) -> str:
    return key.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Described:
    event: AuditEvent
    when: datetime
    who: str
    what: str
    record: str
    details: list[str]


class _Names:
    """Names for the ids an event mentions, read once per table as needed."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type, str], dict] = {}

    def _all(self, model: type, attribute: str, key: str = "id") -> dict:
        found = self._cache.get((model, attribute))
        if found is None:
            rows = db.session.execute(select(getattr(model, key), getattr(model, attribute)))
            found = self._cache[(model, attribute)] = {str(k): v for k, v in rows}
        return found

    def of(self, model: type, attribute: str, value: object, key: str = "id") -> str | None:
        return self._all(model, attribute, key).get(str(value))

    def area(self, value: object) -> str:
        if value in (None, "None", "citywide"):
            return _("City-wide")
        return (
            self.of(Neighbourhood, "name", value)
            or self.of(Neighbourhood, "name", value, key="code")
            or _("a neighbourhood no longer listed")
        )

    def budget(self, value: object) -> str:
        budget = db.session.get(Budget, int(value)) if str(value).isdecimal() else None
        if budget is None:
            return _("a budget no longer listed")
        return _("%(name)s budget of “%(process)s”", name=budget.name, process=budget.process.title)

    def record(self, object_type: str, object_id: str) -> str:
        if object_type == "budget":
            return self.budget(object_id)
        if object_type.startswith("delivery_"):
            kind = object_type.removeprefix("delivery_")
            record = (
                db.session.get(DeliveryRecord, int(object_id)) if object_id.isdecimal() else None
            )
            if record is not None and record.proposal_id is not None:
                title = self.of(Proposal, "title", record.proposal_id)
                return _("Delivery of “%(title)s”", title=title)
            # Translators: the kind is the code of the record, "project" or "award".
            return _("Delivery of a %(kind)s", kind=label(kind).lower())
        known = RECORDS.get(object_type)
        if known is None:
            return label(object_type)
        model, attribute, words = known
        name = self.of(model, attribute, object_id)
        if name and len(name) > 80:
            name = name[:79].rstrip() + "…"
        if name:
            # Translators: a record in the audit trail: its kind ("Proposal", "Person", "Story
            # told by") and its name.
            return _("%(kind)s “%(name)s”", kind=words, name=name)
        return _("%(kind)s (since removed)", kind=words)


def _money(value: Any) -> str:
    try:
        return f"£{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def _value(key: str, value: Any, names: _Names) -> str:
    """One value in words: names for ids, pounds for money, lists and mappings spelled out."""
    if value is None or value == "" or value == []:
        # Translators: an empty value in the audit trail.
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "fingerprint" and isinstance(value, str):
        return f"{value[:12]}…"
    if key == "selected" and isinstance(value, list):
        return "; ".join(names.of(Proposal, "title", v) or _("a removed proposal") for v in value)
    if key in ("neighbourhood_ids", "neighbourhoods") and isinstance(value, list):
        return ", ".join(names.area(v) for v in value)
    if key in ("organisation",):
        return names.of(Organisation, "name", value) or _("a removed group")
    if key in ("process_id", "process"):
        return names.of(Process, "title", value) or _("a removed process")
    if key in ("round",):
        return names.of(CoreFundingRound, "title", value) or _("a removed round")
    if isinstance(value, dict):
        return "; ".join(_pair(key, k, v, names) for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_value(key, v, names) for v in value)
    if key in MONEY_KEYS and isinstance(value, int | float):
        return _money(value)
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, str) and _CODE.fullmatch(value):
        return CODES.get(value) or value.replace("_", " ").replace("-", " ")
    return str(value)


def _pair(parent: str, key: str, value: Any, names: _Names) -> str:
    """An entry of a mapping: numbered keys name rows (neighbourhoods, groups), not numbers."""
    if parent in ("budgets", "amounts") and (
        _NUMBERED.fullmatch(str(key)) or str(key).startswith("E")
    ):
        return f"{names.area(key)}: {_money(value)}"
    if parent == "awards" and _NUMBERED.fullmatch(str(key)):
        group = names.of(Organisation, "name", key) or _("a removed group")
        return f"{group}: {_money(value)}"
    money = parent in MONEY_KEYS or key in MONEY_KEYS
    shown = _money(value) if money else _value(key, value, names)
    return f"{label(str(key))}: {shown}"


def details(event: AuditEvent, names: _Names | None = None) -> list[str]:
    """What changed, one line a field: "Status: not started → on track" or "Amount: £450,000"."""
    names = names or _Names()
    before, after = event.before or {}, event.after or {}
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        if key in before and key in after:
            lines.append(
                _(
                    "%(field)s: %(before)s → %(after)s",
                    field=label(key),
                    before=_value(key, before[key], names),
                    after=_value(key, after[key], names),
                )
            )
        elif key in after:
            lines.append(f"{label(key)}: {_value(key, after[key], names)}")
        else:
            lines.append(
                _(
                    "%(field)s was: %(value)s",
                    field=label(key),
                    value=_value(key, before[key], names),
                )
            )
    return lines


def describe(events: list[AuditEvent]) -> list[Described]:
    names = _Names()
    return [
        Described(
            event=e,
            when=e.at,
            who=names.of(User, "name", e.actor_id) or "—" if e.actor_id else _("The system"),
            what=action_words(e.action),
            record=names.record(e.object_type, e.object_id),
            details=details(e, names),
        )
        for e in events
    ]


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None


def filtered(query_filter: AuditFilter) -> Select:
    """The events matching the filter, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if query_filter.actor_id is not None:
        query = query.where(AuditEvent.actor_id == query_filter.actor_id)
    if query_filter.action:
        query = query.where(AuditEvent.action == query_filter.action)
    if query_filter.since is not None:
        query = query.where(AuditEvent.at >= datetime.combine(query_filter.since, time.min))
    if query_filter.until is not None:
        end = datetime.combine(query_filter.until + timedelta(days=1), time.min)
        query = query.where(AuditEvent.at < end)
    return query


def actors() -> list[tuple[int, str]]:
    """(id, name) of everyone who appears in the trail, by name."""
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.id.in_(select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None))))
        .order_by(User.name, User.id)
    )
    return [(i, n) for i, n in rows]


def actions() -> list[str]:
    return sorted(db.session.scalars(select(AuditEvent.action).distinct()))


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv_rows(described: list[Described]) -> list[list[str]]:
    """The header and one row an event, in the page's words."""
    rows = [["when", "who", "what", "record", "details"]]
    for d in described:
        cells = [d.when.strftime("%Y-%m-%d %H:%M"), d.who, d.what, d.record, " | ".join(d.details)]
        rows.append([_cell(c) for c in cells])
    return rows
