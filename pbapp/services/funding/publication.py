"""Publishing a scenario as a process's neighbourhood budgets: what it will change (shown for
confirmation first), and undoing it while the process's voting has not opened.

The budgets a publication replaced are recorded in the audit trail
(``scenario.process_budgets``), so the undo puts back exactly those amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import AuditEvent, Neighbourhood, Process, User
from pbapp.models.funding import Scenario
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.funding import scenarios
from pbapp.services.participation import processes


@dataclass
class BudgetChange:
    name: str
    current: int | None  # None: no budget now
    new: int


def preview(scenario: Scenario, process: Process) -> list[BudgetChange]:
    """The neighbourhood budgets of ``process`` now and after publishing ``scenario`` there."""
    computation = scenarios.compute(scenarios.settings_of(scenario))
    areas = {a.code: a for a in db.session.scalars(select(Neighbourhood))}
    current = {b.neighbourhood_id: b.amount for b in process.budgets}
    return [
        BudgetChange(areas[r.code].name, current.get(areas[r.code].id), r.amount)
        for r in computation.rows
        if r.code in areas
    ]


def publish_to_process(actor: User, scenario: Scenario, process: Process, today: date) -> None:
    """Publish ``scenario`` as the budgets of ``process``, recording the budgets it replaces."""
    before = {str(b.neighbourhood_id): b.amount for b in process.budgets}
    scenarios.publish_scenario(actor, scenario, process, today)
    audit.record(
        actor,
        "scenario.process_budgets",
        "scenario",
        scenario.id,
        before={"process_id": process.id, "budgets": before},
    )


def why_not_undo(scenario: Scenario, today: date) -> str | None:
    """Why the budgets set by ``scenario`` cannot be put back today, or None when they can."""
    process = scenario.published_to_process
    if process is None:
        return _("This scenario did not set any process's budgets.")
    if process.voting_has_opened(today):
        return _("Voting has opened in this process, so its budgets can no longer change.")
    if _replaced(scenario) is None:
        return _(
            "The budgets this scenario replaced were not recorded, so they cannot be put back."
        )
    return None


def _replaced(scenario: Scenario) -> AuditEvent | None:
    return db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == "scenario.process_budgets",
            AuditEvent.object_type == "scenario",
            AuditEvent.object_id == str(scenario.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def undo(actor: User, scenario: Scenario, today: date) -> Process:
    """Put back the budgets ``scenario`` replaced; the scenario stays published, no longer as
    the process's budgets. Raises ``FieldError`` once voting has opened (nothing changes)."""
    reason = why_not_undo(scenario, today)
    if reason:
        raise FieldError("form", reason)
    process = scenario.published_to_process
    before = (_replaced(scenario).before or {}).get("budgets", {})
    amounts: dict[int | None, int] = {b.neighbourhood_id: 0 for b in process.budgets}
    for key, amount in before.items():
        amounts[None if key == "None" else int(key)] = int(amount)
    processes.set_budgets(actor, process, amounts, today)
    scenario.published_to_process_id = None
    audit.record(
        actor,
        "scenario.undo_budgets",
        "scenario",
        scenario.id,
        before={"process_id": process.id},
        after={"budgets": {str(k): v for k, v in amounts.items() if v}},
    )
    db.session.flush()
    return process
