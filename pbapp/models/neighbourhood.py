"""Neighbourhoods (the city's wards) and the need figures published for them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pbapp.extensions import db


class Neighbourhood(db.Model):
    """A neighbourhood residents live in and vote for: an electoral ward, by ONS code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)  # ONS GSS code, e.g. E05010861
    name: Mapped[str] = mapped_column(String(120), unique=True)
    population: Mapped[int]
    area_group: Mapped[str | None] = mapped_column(String(120))  # e.g. Local Area Committee

    indicators: Mapped[list[NeedIndicator]] = relationship(
        back_populates="neighbourhood",
        cascade="all, delete-orphan",
        order_by="(NeedIndicator.indicator, NeedIndicator.year)",
    )

    __table_args__ = (CheckConstraint("population >= 0", name="population_not_negative"),)

    def indicator(self, name: str, year: int | None = None) -> NeedIndicator | None:
        """Return the latest figure of ``name`` (or the one of ``year``), or None."""
        matches = [i for i in self.indicators if i.indicator == name]
        if year is not None:
            matches = [i for i in matches if i.year == year]
        return max(matches, key=lambda i: i.year, default=None)

    @staticmethod
    def all_by_name() -> list[Neighbourhood]:
        return list(db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.name)))

    def __repr__(self) -> str:
        return f"<Neighbourhood {self.code} {self.name}>"


class NeedIndicator(db.Model):
    """One published figure of need for a neighbourhood: an indicator, its year and source."""

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(80))  # e.g. imd_score
    year: Mapped[int]
    value: Mapped[float]
    source: Mapped[str] = mapped_column(String(200))

    neighbourhood: Mapped[Neighbourhood] = relationship(back_populates="indicators")

    __table_args__ = (UniqueConstraint("neighbourhood_id", "indicator", "year"),)
