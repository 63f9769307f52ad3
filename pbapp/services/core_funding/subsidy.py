"""Subsidy control: a trading group's Minimal Financial Assistance over three financial years.

The Subsidy Control Act 2022 lets a public authority give an organisation Minimal Financial
Assistance (MFA) up to a threshold (£315,000 since 2022) over the current financial year and the
two before it. The platform keeps its own part of that total: the awards of published core-funding
rounds made while the group traded (an award counts in full, amount × years, on the day it is
published), added to what the group declares from other public bodies.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models.core_funding import Award, CoreFundingRound, Organisation


def financial_year_start(day: date) -> date:
    """1 April of the UK financial year ``day`` falls in."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def window_start(day: date) -> date:
    """The first day of the three financial years ending with the one ``day`` falls in."""
    start = financial_year_start(day)
    return date(start.year - 2, 4, 1)


def platform_mfa(org: Organisation, day: date) -> int:
    """Core-funding awards to ``org`` counted as MFA in the three financial years to ``day``."""
    return _platform_mfa(day, [org.id]).get(org.id, 0)


def _platform_mfa(day: date, org_ids: list[int]) -> dict[int, int]:
    """Each group's awards counted as MFA (amount × years), in one query for every group."""
    if not org_ids:
        return {}
    since = datetime.combine(window_start(day), datetime.min.time())
    rows = db.session.execute(
        select(Award.organisation_id, func.sum(Award.amount * CoreFundingRound.years))
        .join(CoreFundingRound)
        .where(
            Award.organisation_id.in_(org_ids),
            Award.trades.is_(True),
            CoreFundingRound.status == "published",
            CoreFundingRound.published_at >= since,
        )
        .group_by(Award.organisation_id)
    )
    return {org_id: int(total) for org_id, total in rows}


def mfa_received(org: Organisation, day: date) -> int:
    """All MFA the group has had in the window: the platform's awards plus its declaration."""
    return mfa_received_by_group([org], day)[org.id]


def mfa_received_by_group(orgs: list[Organisation], day: date) -> dict[int, int]:
    """``mfa_received`` of each of ``orgs`` by id, in one query however many there are."""
    platform = _platform_mfa(day, [org.id for org in orgs])
    return {org.id: platform.get(org.id, 0) + (org.mfa_declared or 0) for org in orgs}
