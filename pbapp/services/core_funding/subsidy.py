"""Subsidy control: a trading group's Minimal Financial Assistance over three financial years.

The Subsidy Control Act 2022 lets a public authority give an organisation Minimal Financial
Assistance (MFA) up to a threshold (£315,000 since 2022) over the current financial year and the
two before it. The platform keeps its own part of that total: the awards of published core-funding
rounds made while the group traded (an award counts in full, amount × years, on the day it is
published), added to what the group declares from other public bodies.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

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
    since = datetime.combine(window_start(day), datetime.min.time())
    awards = db.session.scalars(
        select(Award)
        .join(CoreFundingRound)
        .where(
            Award.organisation_id == org.id,
            Award.trades.is_(True),
            CoreFundingRound.status == "published",
            CoreFundingRound.published_at >= since,
        )
    )
    return sum(award.round_total for award in awards)


def mfa_received(org: Organisation, day: date) -> int:
    """All MFA the group has had in the window: the platform's awards plus its declaration."""
    return platform_mfa(org, day) + (org.mfa_declared or 0)
