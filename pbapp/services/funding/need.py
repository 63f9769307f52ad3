"""Need data for funders: importing the Indices of Deprivation and other indicators, and
listing what is stored.

Files are read by ``allocation.needs`` (which checks a whole file before returning anything);
this module maps the results to the city's neighbourhoods and stores them as ``NeedIndicator``
rows. An import is all or nothing: the first fault raises ``FieldError`` naming the file, the
line and the column, and nothing is added to the session.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from allocation.needs import (
    LsoaLookup,
    NeedDataError,
    neighbourhood_need,
    read_deprivation_file,
    read_indicator_file,
    read_lsoa_lookup,
)
from pbapp.extensions import db
from pbapp.formatting import number
from pbapp.models import NeedIndicator, Neighbourhood, User
from pbapp.models.funding import INDICATOR_DIRECTIONS, IndicatorDefinition
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.funding.indicators import (
    EDITION_BOUNDARIES,
    EDITIONS,
    EDITIONS_DIFFER,
    INDICATOR_LABELS,
    IOD_KINDS,
    KIND_CAVEATS,
    PEOPLE_INDICATORS,
    POPULATION,
    MultiplierSource,
    PopulationSource,
    StoredIndicator,
    indicator_label,
    indicator_name,
    multiplier_source,
    population_label,
)
from pbapp.services.text import control_character_problem

# Re-exported: pages and scenarios read what an indicator is through this module too.
__all__ = [
    "EDITIONS",
    "EDITIONS_DIFFER",
    "INDICATOR_LABELS",
    "IOD_KINDS",
    "KIND_CAVEATS",
    "POPULATION",
    "ImportReport",
    "MultiplierSource",
    "PopulationSource",
    "StoredIndicator",
    "decode_upload",
    "default_population_source",
    "definition",
    "import_deprivation",
    "import_indicators",
    "indicator_label",
    "indicator_name",
    "multiplier_source",
    "population_label",
    "population_sources",
    "stored_indicators",
]

# Largest files accepted (bytes). The national File 7 (33,755 LSOAs) is about 15 MB; the
# application's request limit (MAX_CONTENT_LENGTH) applies as well.
DEPRIVATION_MAX_BYTES = 40 * 1024 * 1024
LOOKUP_MAX_BYTES = 5 * 1024 * 1024
INDICATOR_MAX_BYTES = 2 * 1024 * 1024
MAX_INDICATOR_VALUES = 20_000

INDICATOR_NAME = re.compile(r"^[a-z][a-z0-9_]{0,79}$")


@dataclass(frozen=True)
class ImportReport:
    """What an import stored: indicator names, the year, how many values and where."""

    indicators: list[str]
    year: int
    values_added: int
    values_replaced: int
    neighbourhoods: int
    without_figures: list[str] = field(default_factory=list)  # names of neighbourhoods left out
    population: str | None = None  # the population figure stored with it, named


def definition(indicator: str) -> tuple[str, str]:
    """(direction, kind) of an indicator: as defined at import; the deprivation import's own
    for its names; else "higher" (the import form said so before directions were asked)."""
    row = db.session.scalar(
        select(IndicatorDefinition).where(IndicatorDefinition.indicator == indicator)
    )
    if row is not None:
        return row.direction, row.kind
    return "higher", IOD_KINDS.get(indicator, "other")


def _define(indicator: str, direction: str, kind: str, field_name: str) -> None:
    """Record (or confirm) an indicator's direction and kind. An indicator already stored with
    the other direction is refused: its figures of other years would change meaning."""
    row = db.session.scalar(
        select(IndicatorDefinition).where(IndicatorDefinition.indicator == indicator)
    )
    if row is None:
        db.session.add(
            IndicatorDefinition(
                indicator=indicator,
                direction=direction,
                kind=kind,
                transform="below_best" if direction == "lower" else None,
            )
        )
    elif row.direction != direction:
        raise FieldError(
            field_name,
            _(
                "%(indicator)s is already stored as '%(direction)s'. Import it with the same "
                "direction, or give the new figures another name. Nothing was imported.",
                indicator=indicator,
                direction=INDICATOR_DIRECTIONS[row.direction].lower(),
            ),
        )
    else:
        row.kind = kind


def decode_upload(data: bytes, field_name: str, limit: int) -> str:
    """The text of an uploaded CSV file. Raises ``FieldError`` when it is empty, larger than
    ``limit`` bytes, or not UTF-8 text."""
    if not data:
        raise FieldError(field_name, _("The file is empty. Choose a CSV file with a header line."))
    if len(data) > limit:
        raise FieldError(
            field_name,
            _(
                "The file is %(size)s MB; files of up to %(limit)s MB are accepted. Nothing was "
                "imported.",
                size=number(len(data) / 1_048_576, 1),
                limit=limit // 1_048_576,
            ),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldError(
            field_name,
            _(
                "The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8' and try "
                "again. Nothing was imported."
            ),
        ) from None
    control = control_character_problem(text)
    if control is not None:
        line, what = control
        raise FieldError(
            field_name,
            # Translators: %(what)s describes a character, in English (e.g. "a NUL character").
            _(
                "Line %(line)s of the file contains %(what)s, which cannot be saved. Nothing was "
                "imported.",
                line=line,
                what=what,
            ),
        )
    return text


def _named(text: str, name: str) -> io.StringIO:
    buffer = io.StringIO(text, newline="")
    buffer.name = name  # NeedDataError names the file
    return buffer


def _refused(field_name: str, error: NeedDataError) -> FieldError:
    return FieldError(
        field_name,
        # Translators: %(problem)s is the file's fault, in English, from the allocation library.
        _("%(problem)s. Nothing was imported.", problem=str(error)),
    )


def _store(
    actor: User,
    values: dict[tuple[int, str], float],
    *,
    year: int,
    source: str,
    action: str,
) -> tuple[int, int]:
    """Add or replace ``{(neighbourhood id, indicator): value}`` for ``year``; returns
    (added, replaced) and records one audit event."""
    existing = {
        (i.neighbourhood_id, i.indicator): i
        for i in db.session.scalars(
            select(NeedIndicator).where(
                NeedIndicator.year == year,
                NeedIndicator.indicator.in_({name for _area, name in values}),
            )
        )
    }
    added = replaced = 0
    before: dict[str, float] = {}
    for (area_id, indicator), value in sorted(values.items()):
        row = existing.get((area_id, indicator))
        if row is None:
            db.session.add(
                NeedIndicator(
                    neighbourhood_id=area_id,
                    indicator=indicator,
                    year=year,
                    value=value,
                    source=source,
                )
            )
            added += 1
        else:
            before[f"{area_id}/{indicator}"] = row.value
            row.value = value
            row.source = source
            replaced += 1
    db.session.flush()
    audit.record(
        actor,
        action,
        "need_indicator",
        year,
        before={"values": before} if before else None,
        after={
            "year": year,
            "source": source,
            "values": {f"{a}/{i}": v for (a, i), v in sorted(values.items())},
        },
    )
    return added, replaced


def _check_source(source: str) -> str:
    source = (source or "").strip()
    if not source:
        raise FieldError("source", _("Say where the figures come from, e.g. 'MHCLG, IoD2025'."))
    if len(source) > 200:
        raise FieldError("source", _("Use at most 200 characters for the source."))
    return source


def import_deprivation(
    actor: User,
    deprivation: tuple[str, str],
    lookup: tuple[str, str],
    *,
    year: int,
    source: str,
) -> ImportReport:
    """Import an Indices of Deprivation LSOA file and an LSOA-to-ward lookup.

    ``deprivation`` and ``lookup`` are (file name, text). Each neighbourhood of the city that
    the lookup lists gets the population-weighted average of every domain score
    (``imd_score``, ``income_score``, ...) and ``most_deprived_decile_share``, for ``year``;
    figures already stored for that year are replaced. Wards of the lookup that are not
    neighbourhoods here are left out (so a national lookup can be used).

    Raises ``FieldError`` (``deprivation_file``, ``lookup_file``, ``year`` or ``source``)
    naming the line and column at fault; then nothing is stored.
    """
    if year not in EDITIONS:
        raise FieldError("year", _("Choose the edition of the Indices of Deprivation."))
    source = _check_source(source)
    try:
        lsoas = read_deprivation_file(_named(deprivation[1], deprivation[0]), areas=EDITIONS[year])
    except NeedDataError as error:
        raise _refused("deprivation_file", error) from None
    boundaries = lsoas[0].boundaries
    if boundaries is not None and boundaries != EDITION_BOUNDARIES[year]:
        other = next(y for y, b in EDITION_BOUNDARIES.items() if b == boundaries)
        raise FieldError(
            "deprivation_file",
            _(
                "%(file)s is on %(boundaries)s LSOAs, so it is the %(other)s edition, not "
                "%(year)s. %(editions)s. Choose the %(other)s edition. Nothing was imported.",
                file=deprivation[0],
                boundaries=boundaries,
                other=other,
                year=year,
                editions=EDITIONS_DIFFER,
            ),
        )
    try:
        table = read_lsoa_lookup(_named(lookup[1], lookup[0]))
    except NeedDataError as error:
        raise _refused("lookup_file", error) from None
    areas = {a.code: a for a in db.session.scalars(select(Neighbourhood))}
    ours = {lsoa: ward for lsoa, ward in table.neighbourhood_of.items() if ward in areas}
    if not ours:
        first = next(iter(table.neighbourhood_of.values()))
        raise FieldError(
            "lookup_file",
            _(
                "%(file)s: none of its wards is a neighbourhood of this platform (the first is "
                "%(first)s). Use the lookup of this city's wards. Nothing was imported.",
                file=lookup[0],
                first=first,
            ),
        )
    try:
        wards = neighbourhood_need(
            lsoas,
            LsoaLookup(
                ours, dict(table.names), {k: v for k, v in table.lines.items() if k in ours}
            ),
        )
    except NeedDataError as error:
        field_name = "deprivation_file" if error.column == "population" else "lookup_file"
        name = deprivation[0] if field_name == "deprivation_file" else lookup[0]
        raise FieldError(
            field_name,
            # Translators: %(problem)s is the file's fault, in English, from the allocation library.
            _("%(file)s: %(problem)s. Nothing was imported.", file=name, problem=str(error)),
        ) from None
    values: dict[tuple[int, str], float] = {}
    population: dict[tuple[int, str], float] = {}
    for ward in wards:
        area = areas[ward.code]
        for domain, score in ward.scores.items():
            values[(area.id, f"{domain}_score")] = round(float(score), 6)
        if ward.share_most_deprived_decile is not None:
            values[(area.id, "most_deprived_decile_share")] = round(
                float(ward.share_most_deprived_decile), 6
            )
        for key, count in ward.people.items():
            values[(area.id, PEOPLE_INDICATORS[key])] = round(float(count), 6)
        population[(area.id, POPULATION)] = float(ward.population)
    for name in {name for _area, name in values} | {POPULATION}:
        _define(name, "higher", IOD_KINDS.get(name, "score"), "deprivation_file")
    recomputed = " (IMD score recomputed from the domain ranks)" if lsoas[0].recomputed else ""
    added, replaced = _store(
        actor, values, year=year, source=source + recomputed, action="need.import_iod"
    )
    population_year, population_label = _population_of(lsoas[0].population_column, year)
    more, again = _store(
        actor,
        population,
        year=population_year,
        source=f"{population_label} ({deprivation[0]})"[:200],
        action="need.import_population",
    )
    covered = {w.code for w in wards}
    return ImportReport(
        indicators=sorted({name for _area, name in values} | {POPULATION}),
        year=year,
        values_added=added + more,
        values_replaced=replaced + again,
        neighbourhoods=len(covered),
        without_figures=sorted(a.name for code, a in areas.items() if code not in covered),
        population=f"{population_label}, {population_year}",
    )


def _population_of(column: str | None, edition: int) -> tuple[int, str]:
    """(year, plain name) of the population column a deprivation file was weighted by."""
    name = (column or "").lower()
    found = re.search(r"(?:19|20)\d\d", name)
    year = int(found.group()) if found else edition
    if "census" in name:
        return year, f"ONS Census {year}, usual residents"
    if found:
        return year, f"ONS mid-{year} population estimate"
    return year, f"population column '{column}'" if column else "population"


def _line_of(text: str, code: str) -> int | None:
    """The line (header = 1) where ``code`` first appears in the first column of a CSV."""
    for line_number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if row and row[0].strip() == code:
            return line_number
    return None


def import_indicators(
    actor: User,
    upload: tuple[str, str],
    *,
    year: int | None,
    source: str,
    direction: str | None = None,
    kind: str = "other",
) -> ImportReport:
    """Import a plain CSV of ``neighbourhood code, indicator, value`` for ``year``.

    ``direction`` ("higher" or "lower": which way means more need) is required; ``kind`` is
    "people" (a count of people in need), "rate", "score" or "other".

    Raises ``FieldError`` (``indicator_file``, ``year``, ``source``, ``direction`` or ``kind``)
    for a malformed file, an unknown neighbourhood code, an indicator name that is not
    lower-case words joined by underscores, or an indicator stored before with the other
    direction; then nothing is stored. Figures already stored for the same neighbourhood,
    indicator and year are replaced.
    """
    if year is None or not 1990 <= year <= 2100:
        raise FieldError("year", _("Enter the year the figures are for, like 2024."))
    if direction not in INDICATOR_DIRECTIONS:
        raise FieldError(
            "direction",
            _(
                "Say whether a higher value means more need (like a poverty rate) or less need "
                "(like life expectancy)."
            ),
        )
    if kind not in ("people", "rate", "score", "other"):
        raise FieldError("kind", _("Choose what the figures measure."))
    source = _check_source(source)
    name, text = upload
    try:
        rows = read_indicator_file(_named(text, name))
    except NeedDataError as error:
        raise _refused("indicator_file", error) from None
    if len(rows) > MAX_INDICATOR_VALUES:
        raise FieldError(
            "indicator_file",
            _(
                "%(file)s: %(count)s values; at most %(limit)s are accepted in one file. Nothing "
                "was imported.",
                file=name,
                count=number(len(rows)),
                limit=number(MAX_INDICATOR_VALUES),
            ),
        )
    areas = {a.code: a for a in db.session.scalars(select(Neighbourhood))}
    values: dict[tuple[int, str], float] = {}
    for row in rows:
        area = areas.get(row.neighbourhood)
        if area is None:
            line = _line_of(text, row.neighbourhood)
            example = next(iter(areas), "E05010861")
            if line:
                message = _(
                    "%(file)s, line %(line)s, column 'neighbourhood code': %(code)s is not a "
                    "neighbourhood of this platform (use the ward's ONS code, like %(example)s). "
                    "Nothing was imported.",
                    file=name,
                    line=line,
                    code=row.neighbourhood,
                    example=example,
                )
            else:
                message = _(
                    "%(file)s, column 'neighbourhood code': %(code)s is not a neighbourhood of "
                    "this platform (use the ward's ONS code, like %(example)s). Nothing was "
                    "imported.",
                    file=name,
                    code=row.neighbourhood,
                    example=example,
                )
            raise FieldError("indicator_file", message)
        if not INDICATOR_NAME.match(row.indicator):
            raise FieldError(
                "indicator_file",
                _(
                    "%(file)s, column 'indicator': '%(indicator)s' is not a usable name: use "
                    "lower-case letters, digits and underscores, starting with a letter, like "
                    "child_poverty_rate. Nothing was imported.",
                    file=name,
                    indicator=row.indicator[:40],
                ),
            )
        if row.indicator in IOD_KINDS:
            raise FieldError(
                "indicator_file",
                _(
                    "%(file)s, column 'indicator': %(indicator)s is a name the Indices of "
                    "Deprivation import uses; give your figures another name. Nothing was "
                    "imported.",
                    file=name,
                    indicator=row.indicator,
                ),
            )
        if kind == "people" and row.value < 0:
            raise FieldError(
                "indicator_file",
                _(
                    "%(file)s: a count of people cannot be negative (%(code)s, %(indicator)s). "
                    "Nothing was imported.",
                    file=name,
                    code=row.neighbourhood,
                    indicator=row.indicator,
                ),
            )
        values[(area.id, row.indicator)] = float(row.value)
    for indicator in sorted({i for _area, i in values}):
        _define(indicator, direction, kind, "direction")
    added, replaced = _store(
        actor, values, year=year, source=source, action="need.import_indicators"
    )
    covered = {area_id for area_id, _name in values}
    return ImportReport(
        indicators=sorted({i for _area, i in values}),
        year=year,
        values_added=added,
        values_replaced=replaced,
        neighbourhoods=len(covered),
        without_figures=sorted(a.name for a in areas.values() if a.id not in covered),
    )


def stored_indicators() -> list[StoredIndicator]:
    """Every indicator and year stored, with how many neighbourhoods have it (one query)."""
    rows = db.session.execute(
        select(
            NeedIndicator.indicator,
            NeedIndicator.year,
            func.count(NeedIndicator.id),
            func.min(NeedIndicator.source),
            func.max(NeedIndicator.source),
        )
        .group_by(NeedIndicator.indicator, NeedIndicator.year)
        .order_by(NeedIndicator.indicator, NeedIndicator.year.desc())
    ).all()
    defined = {
        d.indicator: (d.direction, d.kind) for d in db.session.scalars(select(IndicatorDefinition))
    }
    return [
        StoredIndicator(
            name,
            year,
            count,
            low if low == high else f"{low}; {high}",
            *defined.get(name, ("higher", IOD_KINDS.get(name, "other"))),
        )
        for name, year, count, low, high in rows
    ]


def population_sources() -> list[PopulationSource]:
    """The populations a scenario may count residents by: each imported population figure
    (latest first), then the population recorded with each neighbourhood."""
    areas = db.session.scalar(select(func.count(Neighbourhood.id))) or 0
    result = [
        PopulationSource(
            f"{POPULATION}:{s.year}", population_label(s.sources, s.year), s.neighbourhoods
        )
        for s in stored_indicators()
        if s.indicator == POPULATION
    ]
    result.sort(key=lambda p: p.key, reverse=True)
    result.append(PopulationSource("", _("The population recorded with each neighbourhood"), areas))
    return result


def default_population_source() -> str:
    """Census 2021 when it has been imported, else the latest population imported, else ""."""
    keys = [p.key for p in population_sources()]
    if f"{POPULATION}:2021" in keys:
        return f"{POPULATION}:2021"
    return keys[0]
