"""Reading neighbourhoods with their need figures, ranked within the city."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp.extensions import db
from pbapp.models import Neighbourhood

# The indicator that ranks neighbourhoods by need until a funder publishes a need index.
PRIMARY_NEED = "imd_score"


@dataclass(frozen=True)
class NeedProfile:
    neighbourhood: Neighbourhood
    need_score: float | None
    need_year: int | None
    need_rank: int | None  # 1 = the most deprived neighbourhood of the city
    most_deprived_share: float | None  # share of residents in England's most deprived 10%
    previous_score: float | None
    previous_year: int | None


def need_profiles() -> list[NeedProfile]:
    """Every neighbourhood with its latest need score and its rank in the city, most deprived first.

    One query for all neighbourhoods and their indicators (no query per row).
    """
    areas = db.session.scalars(
        select(Neighbourhood)
        .options(selectinload(Neighbourhood.indicators))
        .order_by(Neighbourhood.name)
    ).all()
    scored = sorted(
        (a for a in areas if a.indicator(PRIMARY_NEED) is not None),
        key=lambda a: (-a.indicator(PRIMARY_NEED).value, a.name),
    )
    rank = {a.id: i for i, a in enumerate(scored, start=1)}
    profiles = []
    for area in scored + [a for a in areas if a.id not in rank]:
        latest = area.indicator(PRIMARY_NEED)
        earlier = None
        if latest is not None:
            earlier = max(
                (
                    i
                    for i in area.indicators
                    if i.indicator == PRIMARY_NEED and i.year < latest.year
                ),
                key=lambda i: i.year,
                default=None,
            )
        share = area.indicator("most_deprived_decile_share")
        profiles.append(
            NeedProfile(
                neighbourhood=area,
                need_score=latest.value if latest else None,
                need_year=latest.year if latest else None,
                need_rank=rank.get(area.id),
                most_deprived_share=share.value if share else None,
                previous_score=earlier.value if earlier else None,
                previous_year=earlier.year if earlier else None,
            )
        )
    return profiles
