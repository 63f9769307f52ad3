"""Running participatory-budgeting processes: create, change settings, set budgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.formatting import in_words, money, number
from pbapp.models import (
    BALLOT_TYPES,
    COUNTING_RULES,
    THEMES,
    AuditEvent,
    Budget,
    Neighbourhood,
    Process,
    Result,
    User,
)
from pbapp.models.funding import MAX_POUNDS
from pbapp.models.process import ELIGIBILITY, MIN_AGE_LIMITS
from pbapp.services import audit
from pbapp.services.errors import FieldError

# Settings that change what a ballot means: frozen once voting opens.
BALLOT_SETTINGS = (
    "ballot_type",
    "max_projects",
    "points_total",
    "rule",
    "voting_start",
    "eligibility",
    "min_age",
    "checked_email_only",
)


@dataclass
class ProcessSettings:
    title: str
    description: str
    themes: list[str]
    ballot_type: str
    max_projects: int | None
    points_total: int | None
    rule: str
    proposals_start: date
    review_start: date
    voting_start: date
    results_start: date
    delivery_start: date
    eligibility: str = "signed_in"  # who may vote: ELIGIBILITY
    min_age: int | None = None  # voters' minimum age on the day they vote
    checked_email_only: bool = False  # voters must have checked their email address


def _check(settings: ProcessSettings) -> None:
    if not settings.title.strip():
        raise FieldError("title", _("Give the process a title."))
    if not settings.themes or set(settings.themes) - THEMES.keys():
        raise FieldError("themes", _("Choose at least one of the prevention themes."))
    if settings.ballot_type not in BALLOT_TYPES:
        raise FieldError("ballot_type", _("Choose a ballot type."))
    if settings.rule not in COUNTING_RULES:
        raise FieldError("rule", _("Choose a counting rule."))
    if settings.eligibility not in ELIGIBILITY:
        raise FieldError("eligibility", _("Choose who may vote."))
    low, high = MIN_AGE_LIMITS
    if settings.min_age is not None and not low <= settings.min_age <= high:
        raise FieldError(
            "min_age",
            _(
                "Enter a minimum age from %(low)s to %(high)s, or leave it empty for none.",
                low=low,
                high=high,
            ),
        )
    if settings.ballot_type == "points" and not settings.points_total:
        raise FieldError("points_total", _("Say how many points each voter spreads."))
    if settings.ballot_type != "points":
        settings.points_total = None
    if settings.ballot_type != "approval":
        settings.max_projects = None
    order = [
        ("review_start", _("Review must start on or after the day proposals open.")),
        ("voting_start", _("Voting must start on or after the day review starts.")),
        ("results_start", _("Results must come after voting starts.")),
        ("delivery_start", _("Delivery must start on or after the day results are published.")),
    ]
    previous = settings.proposals_start
    for name, message in order:
        value = getattr(settings, name)
        if value < previous or (name == "results_start" and value == previous):
            raise FieldError(name, message)
        previous = value


def create_process(actor: User, settings: ProcessSettings) -> Process:
    """Create a process as a draft, seen by officers only until ``publish_process``.

    Raises ``FieldError`` naming the setting at fault."""
    _check(settings)
    process = Process(**vars(settings), created_by_id=actor.id, is_draft=True)
    db.session.add(process)
    db.session.flush()
    audit.record(actor, "process.create", "process", process.id, after={"title": process.title})
    return process


def publish_process(actor: User, process: Process) -> None:
    """Show a draft process to everyone. Raises ``FieldError`` when it is published already."""
    if not process.is_draft:
        raise FieldError("form", _("This process is published already."))
    process.is_draft = False
    audit.record(
        actor,
        "process.publish",
        "process",
        process.id,
        after={"title": process.title, **{k: _plain(getattr(process, k)) for k in DATES}},
    )


DATES = ("proposals_start", "review_start", "voting_start", "results_start", "delivery_start")
# Dates that are history once voting has opened (with the ballot settings, frozen then).
PAST_ONCE_VOTING = ("proposals_start", "review_start")
REASON_MAX = 2000


def has_published_result(process: Process) -> bool:
    return (
        db.session.scalar(
            select(Result.id)
            .join(Budget, Result.budget_id == Budget.id)
            .where(Budget.process_id == process.id)
        )
        is not None
    )


def _check_change(process: Process, settings: ProcessSettings, today: date) -> None:
    """The rules for changing a published process under residents' feet (drafts are free)."""
    if process.is_draft or not process.voting_has_opened(today):
        return
    for name in BALLOT_SETTINGS + PAST_ONCE_VOTING:
        if getattr(process, name) != getattr(settings, name):
            raise FieldError(
                name,
                _(
                    "Voting has opened, so this can no longer change: ballots already cast "
                    "depend on it."
                ),
            )
    new_close, old_close = settings.results_start, process.results_start
    if new_close == old_close:
        return
    if has_published_result(process):
        raise FieldError(
            "results_start",
            _(
                "A result of this process is published, so voting cannot reopen: the results "
                "date can no longer change."
            ),
        )
    if new_close < old_close:
        raise FieldError(
            "results_start",
            _(
                "Voting has opened, so its close can be extended, never brought forward: "
                "residents were told they could vote until %(day)s.",
                day=_day(old_close - timedelta(days=1)),
            ),
        )


def update_process(
    actor: User, process: Process, settings: ProcessSettings, today: date, reason: str = ""
) -> None:
    """Change a process's settings.

    A draft changes freely. A published process needs a ``reason`` for any change (shown on the
    public change log and the process page); once voting has opened its ballot settings and
    past dates are frozen, voting can be extended but never closed early, and once any budget
    has a published result the close of voting cannot move at all. Raises ``FieldError``
    naming the setting at fault; nothing changes then.
    """
    _check(settings)
    _check_change(process, settings, today)
    before = {k: _plain(getattr(process, k)) for k in vars(settings)}
    after = {k: _plain(v) for k, v in vars(settings).items()}
    if before == after:
        return
    reason = (reason or "").strip()
    if not process.is_draft:
        if not reason:
            raise FieldError(
                "reason",
                _(
                    "Say why the process changes: the reason is shown to residents on the "
                    "process page and the public change log."
                ),
            )
        if len(reason) > REASON_MAX:
            raise FieldError(
                "reason",
                _("Keep the reason under %(count)s characters.", count=number(REASON_MAX)),
            )
    for key, value in vars(settings).items():
        setattr(process, key, value)
    changed = sorted(k for k in before if before[k] != after[k])
    action = "process.draft_update" if process.is_draft else "process.update"
    audit.record(
        actor,
        action,
        "process",
        process.id,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed} | ({"reason": reason} if reason else {}),
    )


@dataclass
class ProcessChange:
    """A change to a published process, as residents read it on the process page."""

    at: object
    changes: list[tuple[str, str, str]]  # (what, before, after)
    reason: str


SETTING_NAMES = {
    "title": _l("Title"),
    "description": _l("Description"),
    "themes": _l("Themes"),
    "ballot_type": _l("Ballot type"),
    "max_projects": _l("Most projects a voter may choose"),
    "points_total": _l("Points each voter spreads"),
    "rule": _l("Counting rule"),
    "proposals_start": _l("Proposals open"),
    "review_start": _l("Review starts"),
    "voting_start": _l("Voting opens"),
    "results_start": _l("Results from (the last day of voting is the day before)"),
    "delivery_start": _l("Delivery starts"),
}


def changes_after_publication(process: Process) -> list[ProcessChange]:
    """Every change made to ``process`` since it was published, newest first, with reasons."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "process.update",
            AuditEvent.object_type == "process",
            AuditEvent.object_id == str(process.id),
        )
        .order_by(AuditEvent.id.desc())
    )
    out = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        out.append(
            ProcessChange(
                at=event.at,
                changes=[
                    (
                        str(SETTING_NAMES.get(k, k)),
                        _words(k, before.get(k)),
                        _words(k, after.get(k)),
                    )
                    for k in sorted(after)
                    if k != "reason" and k in SETTING_NAMES
                ],
                reason=str(after.get("reason", "")),
            )
        )
    return out


def _words(name: str, value: object) -> str:
    if value is None:
        # Translators: a setting that had no value, as in "changed from none to 5".
        return _("none")
    if name in DATES and isinstance(value, str):
        return _day(date.fromisoformat(value))
    if name == "themes" and isinstance(value, list):
        return ", ".join(THEMES.get(t, t) for t in value)
    if name == "ballot_type":
        return BALLOT_TYPES.get(str(value), str(value))
    if name == "rule":
        return COUNTING_RULES.get(str(value), str(value))
    return str(value)


def _day(day: date) -> str:
    return in_words(day, "long_date")


def last_voting_day_in_words(process: Process) -> str:
    """The last day one can vote in ``process``, in words ("Monday 28 December"): the one way
    pages and emails name the close of voting ("You can vote until Monday 28 December"; the
    template filter ``last_voting_day``)."""
    return in_words(process.last_voting_day, "weekday_date")


def set_budgets(actor: User, process: Process, amounts: dict[int | None, int], today: date) -> None:
    """Set the budget of each neighbourhood (key None: city-wide) in whole pounds; 0 removes it.

    Raises ``FieldError`` once voting has opened, or for a negative amount or unknown neighbourhood.
    """
    if process.voting_has_opened(today):
        raise FieldError("budgets", _("Voting has opened, so the budgets can no longer change."))
    known = set(db.session.scalars(select(Neighbourhood.id)))
    for key, amount in amounts.items():
        if key is not None and key not in known:
            raise FieldError("budgets", _("One of the neighbourhoods is not known."))
        if amount < 0:
            raise FieldError("budgets", _("A budget cannot be negative."))
        if amount > MAX_POUNDS:
            raise FieldError(
                "budgets", _("A budget can be at most %(amount)s.", amount=money(MAX_POUNDS))
            )
    current = {b.neighbourhood_id: b for b in process.budgets}
    before = {str(k): b.amount for k, b in current.items()}
    for key, amount in amounts.items():
        budget = current.get(key)
        if amount == 0 and budget is not None:
            if budget.proposals:
                raise FieldError(
                    "budgets",
                    _(
                        "The %(name)s budget already has proposals, so it cannot be removed.",
                        name=budget.name,
                    ),
                )
            process.budgets.remove(budget)
        elif amount > 0 and budget is None:
            process.budgets.append(Budget(neighbourhood_id=key, amount=amount))
        elif amount > 0:
            budget.amount = amount
    db.session.flush()
    after = {str(b.neighbourhood_id): b.amount for b in process.budgets}
    if before != after:
        action = "process.draft_budgets" if process.is_draft else "process.budgets"
        audit.record(actor, action, "process", process.id, before=before, after=after)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class OfficerStep:
    """Something an officer does in a process, when it is possible, and whether it is now."""

    what: str
    when: str
    now: bool


def officer_steps(process: Process, today: date) -> list[OfficerStep]:
    """What becomes possible when, for the officer's part of the process page."""
    phase = process.phase_on(today)
    opened = process.voting_has_opened(today)
    published_result = has_published_result(process)
    close = last_voting_day_in_words(process)
    steps = [
        OfficerStep(
            _("Publish the process, so that residents can see it"),
            _("while it is a draft"),
            process.is_draft,
        ),
        OfficerStep(
            _("Set the budgets"),
            _("until voting opens on %(day)s", day=_day(process.voting_start)),
            not opened,
        ),
        OfficerStep(
            _("Change the ballot type, limits, counting rule and dates"),
            _(
                "until voting opens on %(day)s; after that only the words, the delivery date, "
                "and the close of voting (later, never earlier, and not at all now that a "
                "result is published)",
                day=_day(process.voting_start),
            )
            if published_result
            else _(
                "until voting opens on %(day)s; after that only the words, the delivery date, "
                "and the close of voting (later, never earlier)",
                day=_day(process.voting_start),
            ),
            not opened,
        ),
        OfficerStep(
            _("Review proposals for feasibility and cost"),
            _(
                "from %(start)s until voting opens on %(end)s",
                start=_day(process.review_start),
                end=_day(process.voting_start),
            ),
            phase == "review",
        ),
        OfficerStep(
            _("Enter paper ballots"),
            _(
                "from %(day)s until each budget's result is published",
                day=_day(process.voting_start),
            ),
            phase in ("voting", "results") and not process.is_draft,
        ),
        OfficerStep(
            _("Count and publish each budget's result"),
            _(
                "from %(day)s, once voting has closed (people can vote until %(close)s)",
                day=_day(process.results_start),
                close=close,
            ),
            phase in ("results", "delivery") and not process.is_draft,
        ),
    ]
    return steps
