"""Importing the English Indices of Deprivation and an LSOA lookup, and aggregating to
neighbourhoods.

Two layouts of the LSOA file are recognised by their column names:

* the official IoD "File 7" (*All ranks, deciles and scores for the indices of deprivation, and
  population denominators*): ``LSOA code (2021)``, ``Income Score (rate)``,
  ``Income Rank (where 1 is most deprived)``, ``Income Decile (where 1 is most deprived 10% of
  LSOAs)``, ... ``Total population: mid 2022 (excluding prisoners)``;
* the same figures with short names, as in ``shared/data/sheffield``: ``lsoa21_code``,
  ``income_score``, ``income_rank``, ``income_decile``, ... ``pop_census2021_usual_residents``.

A file is checked whole before anything is returned: the first fault raises ``NeedDataError``
naming its line and column, and the caller gets nothing.

**People in need** (ratio-scale counts, the natural basis for money; IMD scores only order
areas): income-deprived people, employment-deprived people, children in income-deprived
families (IDACI) and older people in income deprivation (IDAOPI), each from the file's
numerator column (``income_numerator``, ...) or else its rate times its own denominator (total
population; working-age population; children aged 0–15; people aged 60 and over). A blank
numerator is a count MHCLG suppressed (fewer than 10 people) and counts as 0.

**Editions**: ``boundaries`` says whether the LSOA codes are 2011 (IoD2019) or 2021 (IoD2025)
areas, from the code column's name. A file without an IMD score column but with all seven domain
ranks (the shared 2019 file has only exponentially transformed ``_exp`` columns) gets its IMD
score recomputed from the ranks by the IMD's own method (``recomputed`` says so).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ._table import Source, read_table
from .errors import NeedDataError
from .index import IMD_WEIGHTS, IOD2025_AREAS, need_index

#: Domain key -> how the official File 7 starts the column names of that domain.
DOMAIN_LABELS: Mapping[str, str] = {
    "imd": "index of multiple deprivation (imd)",
    "income": "income",
    "employment": "employment",
    "education": "education, skills and training",
    "health": "health deprivation and disability",
    "crime": "crime",
    "barriers": "barriers to housing and services",
    "living_env": "living environment",
    "idaci": "income deprivation affecting children index (idaci)",
    "idaopi": "income deprivation affecting older people (idaopi)",
    "children_and_young_people": "children and young people sub-domain",
    "adult_skills": "adult skills sub-domain",
    "geographical_barriers": "geographical barriers sub-domain",
    "wider_barriers": "wider barriers sub-domain",
    "indoors": "indoors sub-domain",
    "outdoors": "outdoors sub-domain",
}
_KINDS = ("score", "rank", "decile")

_LSOA_CODE = re.compile(r"^lsoa\s*(\d{2})?\s*(code|_code|cd)\b")
_LSOA_NAME = re.compile(r"^lsoa\s*(\d{2})?\s*(name|_name|nm)\b")
# Population denominators, most preferred first.
_POPULATION = (
    re.compile(r"^total population"),
    re.compile(r"usual_residents"),
    re.compile(r"all_ages"),
    re.compile(r"^pop(ulation)?_total"),
    re.compile(r"^population$"),
)


#: People-in-need measures: key -> (numerator column (short name), rate domain, denominator).
PEOPLE_MEASURES: Mapping[str, tuple[str, str, str]] = {
    "income": ("income_numerator", "income", "total"),
    "employment": ("employment_numerator", "employment", "working_age"),
    "idaci": ("idaci_numerator", "idaci", "children"),
    "idaopi": ("idaopi_numerator", "idaopi", "older"),
}
# Denominators other than the total population, most preferred first (File 7's own names, then
# short names).
_DENOMINATORS: Mapping[str, tuple[re.Pattern[str], ...]] = {
    # The IoD's own total (mid-year estimate the rates were computed on), not a census count.
    "total": (re.compile(r"^total population"), re.compile(r"^pop_total")),
    "working_age": (re.compile(r"^working age population"), re.compile(r"working_age")),
    "children": (re.compile(r"^dependent children aged 0-15"), re.compile(r"^pop_0_15")),
    "older": (re.compile(r"^older population aged 60"), re.compile(r"^pop_60plus")),
}


@dataclass(frozen=True)
class LsoaDeprivation:
    """One LSOA's deprivation figures.

    ``scores``, ``ranks`` and ``deciles`` are keyed by domain (``"imd"``, ``"income"``, ...,
    see ``DOMAIN_LABELS``); rank 1 and decile 1 are the most deprived.
    """

    code: str
    name: str = ""
    population: float | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    ranks: Mapping[str, int] = field(default_factory=dict)
    deciles: Mapping[str, int] = field(default_factory=dict)
    line: int | None = field(default=None, compare=False)
    people: Mapping[str, float] = field(default_factory=dict)
    denominators: Mapping[str, float] = field(default_factory=dict)
    boundaries: int | None = field(default=None, compare=False)
    recomputed: tuple[str, ...] = field(default=(), compare=False)
    population_column: str | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "population": self.population,
            "scores": dict(self.scores),
            "ranks": dict(self.ranks),
            "deciles": dict(self.deciles),
            "people": dict(self.people),
            "denominators": dict(self.denominators),
        }


@dataclass(frozen=True)
class LsoaLookup:
    """Which neighbourhood (ward) each LSOA belongs to, and the neighbourhoods' names."""

    neighbourhood_of: Mapping[str, str]
    names: Mapping[str, str] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return {"neighbourhood_of": dict(self.neighbourhood_of), "names": dict(self.names)}


@dataclass(frozen=True)
class NeighbourhoodNeed:
    """A neighbourhood's deprivation: population-weighted averages of its LSOAs' scores.

    ``share_most_deprived_decile`` is the share of its residents living in LSOAs in the
    national most-deprived 10% on the IMD (``None`` when the file has no IMD decile): it describes
    a place but is a cliff (an area just outside the 10% counts 0), so it is no basis for money.
    ``people`` sums the LSOAs' people in need (``PEOPLE_MEASURES``) and ``denominators`` their
    own denominators (``total``: the IoD's mid-year total; ``working_age``, ``children``,
    ``older``), where the file has them; ``rates`` is each count over its own denominator.
    """

    code: str
    name: str
    population: float
    lsoas: int
    scores: Mapping[str, float]
    share_most_deprived_decile: float | None = None
    people: Mapping[str, float] = field(default_factory=dict)
    denominators: Mapping[str, float] = field(default_factory=dict)

    @property
    def rates(self) -> dict[str, float]:
        """People in need over their own denominator (e.g. IDACI children / children 0–15)."""
        result = {}
        for key, count in self.people.items():
            base = self.denominators.get(PEOPLE_MEASURES[key][2])
            if base:
                result[key] = count / base
        return result

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "population": self.population,
            "lsoas": self.lsoas,
            "scores": dict(self.scores),
            "share_most_deprived_decile": self.share_most_deprived_decile,
            "people": dict(self.people),
            "denominators": dict(self.denominators),
        }


def _normalise(header: str) -> str:
    return " ".join(header.lower().split())


def _domain_columns(header: Sequence[str]) -> dict[tuple[str, str], str]:
    """(domain, kind) -> column name, for every recognised domain column."""
    found: dict[tuple[str, str], str] = {}
    for column in header:
        h = _normalise(column)
        for domain, label in DOMAIN_LABELS.items():
            for kind in _KINDS:
                official = h.startswith(f"{label} {kind}")
                short = h == f"{domain}_{kind}"
                if (official or short) and (domain, kind) not in found:
                    found[(domain, kind)] = column
    return found


def _find(header: Sequence[str], pattern: re.Pattern[str]) -> str | None:
    return next((c for c in header if pattern.search(_normalise(c))), None)


def read_deprivation_file(
    source: Source,
    *,
    areas: int = IOD2025_AREAS,
    population_column: str | None = None,
) -> list[LsoaDeprivation]:
    """Read an Indices of Deprivation LSOA file (File 7 layout, or the short-name layout).

    Parameters
    ----------
    source:
        Path or open text file.
    areas:
        The number of LSOAs ranks are out of; a rank above it is refused.
    population_column:
        The population denominator column; by default the first of ``Total population: ...``,
        ``*usual_residents``, ``*all_ages``, ``pop_total*``, ``population``.

    Returns
    -------
    One ``LsoaDeprivation`` per data row, in file order.

    Raises
    ------
    NeedDataError
        No LSOA code column, no domain column, a duplicated LSOA code, a score that is not a
        number, a rank not a whole number in 1..areas, a decile not in 1..10, or a negative
        population; the message names the line and column.
    """
    table = read_table(source)
    code_col = _find(table.header, _LSOA_CODE)
    if code_col is None:
        raise table.error("no LSOA code column (e.g. 'LSOA code (2021)' or 'lsoa21_code')", row=1)
    name_col = _find(table.header, _LSOA_NAME)
    domains = _domain_columns(table.header)
    if not domains:
        raise table.error(
            "no deprivation domain columns (e.g. 'Income Rank (where 1 is most "
            "deprived)' or 'income_rank')",
            row=1,
        )
    if population_column is not None:
        table.index(population_column)
        pop_col: str | None = population_column
    else:
        pop_col = next(
            (c for p in _POPULATION for c in table.header if p.search(_normalise(c))), None
        )

    numerators = {
        key: column
        for key, (short, _, _) in PEOPLE_MEASURES.items()
        for column in table.header
        if _normalise(column) == short
    }
    denominator_cols = {
        key: column
        for key, patterns in _DENOMINATORS.items()
        if (
            column := next(
                (c for p in patterns for c in table.header if p.search(_normalise(c))), None
            )
        )
    }
    boundaries = _boundaries(code_col)
    positions = {
        c: table.index(c)
        for c in [code_col, *domains.values(), *numerators.values(), *denominator_cols.values()]
        + ([name_col] if name_col else [])
        + ([pop_col] if pop_col else [])
    }

    def cell(row: list[str], column: str) -> str:
        i = positions[column]
        return row[i].strip() if i < len(row) else ""

    result: list[LsoaDeprivation] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        code = cell(row, code_col)
        if not code:
            raise table.error("the LSOA code is missing", row=line, column=code_col)
        if code in seen:
            raise table.error(
                f"LSOA {code} already appeared on line {seen[code]}", row=line, column=code_col
            )
        seen[code] = line
        scores: dict[str, float] = {}
        ranks: dict[str, int] = {}
        deciles: dict[str, int] = {}
        for (domain, kind), column in domains.items():
            text = cell(row, column)
            if kind == "score":
                scores[domain] = table.number(text, row=line, column=column)
            elif kind == "rank":
                ranks[domain] = table.rank(text, row=line, column=column, areas=areas)
            else:
                decile = table.rank(text, row=line, column=column, areas=10, what="decile")
                deciles[domain] = decile
        population = None
        if pop_col is not None:
            population = table.number(cell(row, pop_col), row=line, column=pop_col)
            if population < 0:
                raise table.error("a population cannot be negative", row=line, column=pop_col)
        denominators: dict[str, float] = {}
        for key, column in denominator_cols.items():
            denominators[key] = _count(table, cell(row, column), line, column, blank=False)
        people: dict[str, float] = {}
        for key, (_, domain, base) in PEOPLE_MEASURES.items():
            if key in numerators:
                people[key] = _count(table, cell(row, numerators[key]), line, numerators[key])
            elif domain in scores and base in denominators:
                people[key] = scores[domain] * denominators[base]
        result.append(
            LsoaDeprivation(
                code=code,
                name=cell(row, name_col) if name_col else "",
                population=population,
                scores=scores,
                ranks=ranks,
                deciles=deciles,
                line=line,
                people=people,
                denominators=denominators,
                boundaries=boundaries,
                population_column=pop_col,
            )
        )
    if not result:
        raise table.error("the file has a header but no LSOAs")
    if not any(d == "imd" for d, kind in domains if kind == "score") and all(
        (d, "rank") in domains for d in IMD_WEIGHTS
    ):
        # No IMD score in the file (the shared 2019 file has only ranks and ``_exp`` columns):
        # recompute it from the seven domain ranks by the IMD's own method.
        imd = lsoa_need_index(result, IMD_WEIGHTS, areas=areas)
        result = [
            replace(lsoa, scores={**lsoa.scores, "imd": imd[lsoa.code]}, recomputed=("imd",))
            for lsoa in result
        ]
    return result


def _count(table, text: str, line: int, column: str, *, blank: bool = True) -> float:
    """A count of people: a blank numerator is a count MHCLG suppressed (fewer than 10): 0."""
    if text == "" and blank:
        return 0.0
    value = table.number(text, row=line, column=column)
    if value < 0:
        raise table.error("a count of people cannot be negative", row=line, column=column)
    return value


def _boundaries(code_column: str) -> int | None:
    """2011 or 2021 LSOAs, from the code column's name (``lsoa11_code``, ``LSOA code (2021)``)."""
    h = _normalise(code_column)
    if "2011" in h or re.match(r"^lsoa\s*11", h):
        return 2011
    if "2021" in h or re.match(r"^lsoa\s*21", h):
        return 2021
    return None


def read_lsoa_lookup(
    source: Source,
    *,
    lsoa_column: str | None = None,
    neighbourhood_column: str | None = None,
    name_column: str | None = None,
) -> LsoaLookup:
    """Read an LSOA-to-neighbourhood (e.g. ward) best-fit lookup.

    By default the LSOA column is the first named like ``lsoa21_code``/``LSOA21CD``, the
    neighbourhood column the first named like ``ward24_code``/``WD24CD`` (or ``neighbourhood
    code``), and its name column the matching ``..._name``/``...NM``.

    Returns
    -------
    ``LsoaLookup`` mapping each LSOA code to its neighbourhood code.

    Raises
    ------
    NeedDataError
        A column cannot be found, a code is blank, or an LSOA is listed twice.
    """
    table = read_table(source)
    lsoa_col = lsoa_column or _find(table.header, _LSOA_CODE)
    if lsoa_col is None:
        raise table.error("no LSOA code column (e.g. 'lsoa21_code' or 'LSOA21CD')", row=1)
    area = re.compile(r"^(ward|wd|neighbourhood)\s*(\d{2})?\s*(code|_code|cd)\b")
    hood_col = neighbourhood_column or _find(table.header, area)
    if hood_col is None:
        raise table.error("no neighbourhood column (e.g. 'ward24_code' or 'WD24CD')", row=1)
    if name_column is None and neighbourhood_column is None:
        name_col = _find(
            table.header,
            re.compile(
                r"^(ward|wd|neighbourhood)\s*(\d{2})?\s*"
                r"(name|_name|nm)\b"
            ),
        )
    else:
        name_col = name_column
    li, hi = table.index(lsoa_col), table.index(hood_col)
    ni = table.index(name_col) if name_col else None
    neighbourhood_of: dict[str, str] = {}
    names: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, row in table.rows:
        lsoa = row[li].strip() if li < len(row) else ""
        hood = row[hi].strip() if hi < len(row) else ""
        if not lsoa:
            raise table.error("the LSOA code is missing", row=line, column=lsoa_col)
        if not hood:
            raise table.error("the neighbourhood code is missing", row=line, column=hood_col)
        if lsoa in neighbourhood_of:
            raise table.error(
                f"LSOA {lsoa} already appeared on line {lines[lsoa]}", row=line, column=lsoa_col
            )
        neighbourhood_of[lsoa] = hood
        lines[lsoa] = line
        if ni is not None and ni < len(row) and row[ni].strip():
            names.setdefault(hood, row[ni].strip())
    if not neighbourhood_of:
        raise table.error("the file has a header but no LSOAs")
    return LsoaLookup(neighbourhood_of, names, lines)


def neighbourhood_need(
    lsoas: Iterable[LsoaDeprivation],
    lookup: LsoaLookup | Mapping[str, str],
) -> list[NeighbourhoodNeed]:
    """Aggregate LSOA scores to neighbourhoods as population-weighted averages.

    A neighbourhood's score in a domain is ``sum(P_l * s_l) / sum(P_l)`` over its LSOAs ``l``.
    LSOAs of the deprivation file that the lookup does not list are left out (so the national
    file can be used with one city's lookup); an LSOA the lookup lists must be in the file.

    Returns
    -------
    One ``NeighbourhoodNeed`` per neighbourhood in the lookup, sorted by code.

    Raises
    ------
    NeedDataError
        An LSOA of the lookup is missing from the deprivation file, or has no population, or a
        neighbourhood's population is zero.
    """
    if isinstance(lookup, LsoaLookup):
        neighbourhood_of, names, lines = lookup.neighbourhood_of, lookup.names, lookup.lines
    else:
        neighbourhood_of, names, lines = lookup, {}, {}
    by_code = {lsoa.code: lsoa for lsoa in lsoas}
    members: dict[str, list[LsoaDeprivation]] = {}
    for lsoa_code, hood in neighbourhood_of.items():
        lsoa = by_code.get(lsoa_code)
        if lsoa is None:
            raise NeedDataError(
                f"LSOA {lsoa_code} of the lookup is not in the deprivation file",
                row=lines.get(lsoa_code),
            )
        if lsoa.population is None:
            raise NeedDataError(
                f"LSOA {lsoa_code} has no population to weight by",
                row=lsoa.line,
                column="population",
            )
        members.setdefault(hood, []).append(lsoa)
    result = []
    for hood in sorted(members):
        group = members[hood]
        population = math.fsum(lsoa.population or 0.0 for lsoa in group)
        if population <= 0:
            raise NeedDataError(f"neighbourhood {hood} has no population", column="population")
        domains = set.intersection(*(set(lsoa.scores) for lsoa in group))
        scores = {
            d: math.fsum((lsoa.population or 0.0) * lsoa.scores[d] for lsoa in group) / population
            for d in sorted(domains, key=list(DOMAIN_LABELS).index)
        }
        share = None
        if all("imd" in lsoa.deciles for lsoa in group):
            share = (
                math.fsum(lsoa.population or 0.0 for lsoa in group if lsoa.deciles["imd"] == 1)
                / population
            )
        people = {
            key: math.fsum(lsoa.people[key] for lsoa in group)
            for key in PEOPLE_MEASURES
            if all(key in lsoa.people for lsoa in group)
        }
        denominators = {
            key: math.fsum(lsoa.denominators[key] for lsoa in group)
            for key in _DENOMINATORS
            if all(key in lsoa.denominators for lsoa in group)
        }
        result.append(
            NeighbourhoodNeed(
                hood,
                names.get(hood, ""),
                population,
                len(group),
                scores,
                share,
                people,
                denominators,
            )
        )
    return result


def lsoa_need_index(
    lsoas: Sequence[LsoaDeprivation],
    weights: Mapping[str, float] = IMD_WEIGHTS,
    *,
    areas: int = IOD2025_AREAS,
) -> dict[str, float]:
    """The need index (see ``need_index``) of each LSOA from its domain ranks.

    With the default weights and an IoD2025 file this reproduces the published IMD score.

    Returns
    -------
    LSOA code -> score.

    Raises
    ------
    NeedDataError
        An LSOA lacks the rank of a weighted domain (the message names its line), or a weight
        is invalid.
    """
    for lsoa in lsoas:
        for domain in weights:
            if domain not in lsoa.ranks:
                raise NeedDataError(
                    f"LSOA {lsoa.code} has no rank for '{domain}'",
                    row=lsoa.line,
                    column=f"{domain}_rank",
                )
    ranks = {d: [lsoa.ranks[d] for lsoa in lsoas] for d in weights}
    scores = need_index(ranks, weights, areas=areas)
    return {lsoa.code: float(s) for lsoa, s in zip(lsoas, scores, strict=True)}
