"""What each need indicator is: plain names, kinds, directions, IoD editions, population
sources, and where a need multiplier comes from. Read by the need import, scenarios and pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from allocation.needs import IOD2019_AREAS, IOD2025_AREAS
from pbapp.models.funding import INDICATOR_DIRECTIONS, INDICATOR_KINDS
from pbapp.models.vocabulary import N_

# The editions of the English Indices of Deprivation the importer knows: year -> LSOAs ranked,
# and the LSOA boundaries each is published on.
EDITIONS = {2025: IOD2025_AREAS, 2019: IOD2019_AREAS}
EDITION_BOUNDARIES = {2025: 2021, 2019: 2011}
# Why two editions must not be mixed or compared as if alike (issue 23).
EDITIONS_DIFFER = _l(
    "The 2019 and 2025 Indices of Deprivation are not comparable: IoD2025 measures income after "
    "housing costs, combines 55 indicators against 39, and is published on 2021 LSOAs, not 2011"
)

# Counts of people in need the deprivation import stores (from the File 7 numerators).
PEOPLE_INDICATORS = {
    "income": "income_deprived_people",
    "employment": "employment_deprived_people",
    "idaci": "idaci_children",
    "idaopi": "idaopi_older_people",
}
POPULATION = "population"


# Plain names of the indicators the deprivation import stores.
INDICATOR_LABELS = {
    "imd_score": N_("Index of Multiple Deprivation score"),
    "income_score": N_("Income deprivation (share of residents)"),
    "employment_score": N_("Employment deprivation (share of working-age residents)"),
    "education_score": N_("Education, skills and training score"),
    "health_score": N_("Health deprivation and disability score"),
    "crime_score": N_("Crime score"),
    "barriers_score": N_("Barriers to housing and services score"),
    "living_env_score": N_("Living environment score"),
    "idaci_score": N_("Income deprivation affecting children (share)"),
    "idaopi_score": N_("Income deprivation affecting older people (share)"),
    "most_deprived_decile_share": N_("Share of residents in England's most deprived 10%"),
    "income_deprived_people": N_("Income-deprived people"),
    "employment_deprived_people": N_("Employment-deprived people"),
    "idaci_children": N_("Children in income-deprived families (IDACI)"),
    "idaopi_older_people": N_("Older people in income deprivation (IDAOPI)"),
    "population": N_("Residents"),
}

# What the deprivation import's indicators are (all point the same way: higher is more need).
IOD_KINDS = {
    "imd_score": "score",
    "income_score": "rate",
    "employment_score": "rate",
    "idaci_score": "rate",
    "idaopi_score": "rate",
    "most_deprived_decile_share": "places",
    POPULATION: "population",
    **dict.fromkeys(PEOPLE_INDICATORS.values(), "people"),
}
# Caveats shown wherever an indicator of a kind is chosen.
KIND_CAVEATS = {
    "score": N_(
        "IMD and domain scores order places; they are not ratios (a score twice as high "
        "is not twice the need). Counts of people in need are the fairer basis for money."
    ),
    "places": N_(
        "A cliff: a neighbourhood just outside England's most deprived tenth scores 0 "
        "however many deprived people live there. It describes places and is not offered as a "
        "basis for money."
    ),
}


@dataclass(frozen=True)
class StoredIndicator:
    """One indicator and year held for some neighbourhoods, with its direction and kind."""

    indicator: str
    year: int
    neighbourhoods: int
    sources: str
    direction: str = "higher"
    kind: str = "other"

    @property
    def key(self) -> str:
        return f"{self.indicator}:{self.year}"

    @property
    def label(self) -> str:
        return indicator_name(self.indicator)

    @property
    def direction_label(self) -> str:
        return INDICATOR_DIRECTIONS[self.direction]

    @property
    def kind_label(self) -> str:
        return INDICATOR_KINDS[self.kind]

    @property
    def caveat(self) -> str | None:
        caveat = KIND_CAVEATS.get(self.kind)
        return gettext(caveat) if caveat else None

    @property
    def for_money(self) -> bool:
        """Whether scenarios may weight money on it (not place descriptions or populations)."""
        return self.kind not in ("places", "population")

    @property
    def iod_edition(self) -> int | None:
        """The Indices of Deprivation edition it comes from, if it is one of theirs."""
        return self.year if self.indicator in IOD_KINDS and self.year in EDITIONS else None


@dataclass(frozen=True)
class PopulationSource:
    """A population figure scenarios may count residents by (``key`` is "population:<year>",
    or "" for the population recorded with each neighbourhood)."""

    key: str
    label: str
    neighbourhoods: int


def indicator_label(indicator: str) -> str:
    """A plain name for an indicator: the known label, or its name with spaces (in English, as
    downloads and published documents name it)."""
    return INDICATOR_LABELS.get(indicator, indicator.replace("_", " ").capitalize())


def indicator_name(indicator: str) -> str:
    """The plain name of an indicator in the reader's language, for pages and messages."""
    return gettext(indicator_label(indicator))


# How a need multiplier's average is taken: scenarios weight each neighbourhood by its
# residents; core funding takes the plain average of the neighbourhoods.
AVERAGES = {
    "population": "the city's average, each neighbourhood counted by its residents",
    "neighbourhoods": "the plain average of the neighbourhoods",
}


@dataclass(frozen=True)
class MultiplierSource:
    """Where a need multiplier ``(need ÷ average)^α`` comes from, for any page that shows one.

    The same neighbourhood has different multipliers wherever the indicator, its year, the
    average or ``α`` differ (Burngreave: 2.229 on IMD 2025 against the population-weighted
    average at α = 1; 2.314 against the plain average of the 28 wards), so a page names all four.
    """

    indicator: str
    year: int | None
    alpha: str
    average: str = "population"

    @property
    def indicator_label(self) -> str:
        label = indicator_label(self.indicator)
        return f"{label} {self.year}" if self.year is not None else label

    @property
    def words(self) -> str:
        """E.g. 'Need multiplier = (Index of Multiple Deprivation score 2025 ÷ the plain
        average of the neighbourhoods) to the power α = 0.5'."""
        return (
            f"Need multiplier = ({self.indicator_label} ÷ {AVERAGES[self.average]}) to the "
            f"power α = {self.alpha}"
        )

    def to_dict(self) -> dict:
        return {
            "indicator": self.indicator,
            "indicator_label": self.indicator_label,
            "year": self.year,
            "alpha": self.alpha,
            "average": self.average,
            "words": self.words,
        }


def multiplier_source(
    indicator: str, year: int | None, alpha: object, *, average: str = "population"
) -> MultiplierSource:
    """The named source of a need multiplier (``alpha`` as typed: Decimal, str or number).

    Raises ``ValueError`` for an ``average`` other than "population" or "neighbourhoods".
    """
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {', '.join(AVERAGES)}")
    text = (
        format(alpha.normalize(), "f")
        if hasattr(alpha, "normalize")
        else f"{alpha:g}"
        if isinstance(alpha, float)
        else str(alpha)
    )
    return MultiplierSource(indicator, year, text, average)


def population_label(source: str, year: int) -> str:
    """A population figure's name: its source, with its year unless the source says it."""
    return source if str(year) in source else f"{source} ({year})"
