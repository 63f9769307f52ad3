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

from sqlalchemy import func, select

from allocation.needs import (
    IOD2019_AREAS,
    IOD2025_AREAS,
    LsoaLookup,
    NeedDataError,
    neighbourhood_need,
    read_deprivation_file,
    read_indicator_file,
    read_lsoa_lookup,
)
from pbapp.extensions import db
from pbapp.models import NeedIndicator, Neighbourhood, User
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.text import control_character_problem

# Largest files accepted (bytes). The national File 7 (33,755 LSOAs) is about 15 MB; the
# application's request limit (MAX_CONTENT_LENGTH) applies as well.
DEPRIVATION_MAX_BYTES = 40 * 1024 * 1024
LOOKUP_MAX_BYTES = 5 * 1024 * 1024
INDICATOR_MAX_BYTES = 2 * 1024 * 1024
MAX_INDICATOR_VALUES = 20_000

# The editions of the English Indices of Deprivation the importer knows: year -> LSOAs ranked.
EDITIONS = {2025: IOD2025_AREAS, 2019: IOD2019_AREAS}

INDICATOR_NAME = re.compile(r"^[a-z][a-z0-9_]{0,79}$")

# Plain names of the indicators the deprivation import stores.
INDICATOR_LABELS = {
    "imd_score": "Index of Multiple Deprivation score",
    "income_score": "Income deprivation (share of residents)",
    "employment_score": "Employment deprivation (share of working-age residents)",
    "education_score": "Education, skills and training score",
    "health_score": "Health deprivation and disability score",
    "crime_score": "Crime score",
    "barriers_score": "Barriers to housing and services score",
    "living_env_score": "Living environment score",
    "idaci_score": "Income deprivation affecting children (share)",
    "idaopi_score": "Income deprivation affecting older people (share)",
    "most_deprived_decile_share": "Share of residents in England's most deprived 10%",
}


@dataclass(frozen=True)
class ImportReport:
    """What an import stored: indicator names, the year, how many values and where."""

    indicators: list[str]
    year: int
    values_added: int
    values_replaced: int
    neighbourhoods: int
    without_figures: list[str] = field(default_factory=list)  # names of neighbourhoods left out


@dataclass(frozen=True)
class StoredIndicator:
    """One indicator and year held for some neighbourhoods."""

    indicator: str
    year: int
    neighbourhoods: int
    sources: str

    @property
    def key(self) -> str:
        return f"{self.indicator}:{self.year}"

    @property
    def label(self) -> str:
        return indicator_label(self.indicator)


def indicator_label(indicator: str) -> str:
    """A plain name for an indicator: the known label, or its name with spaces."""
    return INDICATOR_LABELS.get(indicator, indicator.replace("_", " ").capitalize())


def decode_upload(data: bytes, field_name: str, limit: int) -> str:
    """The text of an uploaded CSV file. Raises ``FieldError`` when it is empty, larger than
    ``limit`` bytes, or not UTF-8 text."""
    if not data:
        raise FieldError(field_name, "The file is empty. Choose a CSV file with a header line.")
    if len(data) > limit:
        raise FieldError(
            field_name,
            f"The file is {len(data) / 1_048_576:.1f} MB; files of up to "
            f"{limit // 1_048_576} MB are accepted. Nothing was imported.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldError(
            field_name,
            "The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8' and try "
            "again. Nothing was imported.",
        ) from None
    control = control_character_problem(text)
    if control is not None:
        line, what = control
        raise FieldError(
            field_name,
            f"Line {line} of the file contains {what}, which cannot be saved. Nothing was "
            "imported.",
        )
    return text


def _named(text: str, name: str) -> io.StringIO:
    buffer = io.StringIO(text, newline="")
    buffer.name = name  # NeedDataError names the file
    return buffer


def _refused(field_name: str, error: NeedDataError) -> FieldError:
    return FieldError(field_name, f"{error}. Nothing was imported.")


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
                NeedIndicator.indicator.in_({name for _, name in values}),
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
        raise FieldError("source", "Say where the figures come from, e.g. 'MHCLG, IoD2025'.")
    if len(source) > 200:
        raise FieldError("source", "Use at most 200 characters for the source.")
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
        raise FieldError("year", "Choose the edition of the Indices of Deprivation.")
    source = _check_source(source)
    try:
        lsoas = read_deprivation_file(_named(deprivation[1], deprivation[0]), areas=EDITIONS[year])
    except NeedDataError as error:
        raise _refused("deprivation_file", error) from None
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
            f"{lookup[0]}: none of its wards is a neighbourhood of this platform (the first is "
            f"{first}). Use the lookup of this city's wards. Nothing was imported.",
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
        raise FieldError(field_name, f"{name}: {error}. Nothing was imported.") from None
    values: dict[tuple[int, str], float] = {}
    for ward in wards:
        area = areas[ward.code]
        for domain, score in ward.scores.items():
            values[(area.id, f"{domain}_score")] = round(float(score), 6)
        if ward.share_most_deprived_decile is not None:
            values[(area.id, "most_deprived_decile_share")] = round(
                float(ward.share_most_deprived_decile), 6
            )
    added, replaced = _store(actor, values, year=year, source=source, action="need.import_iod")
    covered = {w.code for w in wards}
    return ImportReport(
        indicators=sorted({name for _, name in values}),
        year=year,
        values_added=added,
        values_replaced=replaced,
        neighbourhoods=len(covered),
        without_figures=sorted(a.name for code, a in areas.items() if code not in covered),
    )


def _line_of(text: str, code: str) -> int | None:
    """The line (header = 1) where ``code`` first appears in the first column of a CSV."""
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if row and row[0].strip() == code:
            return number
    return None


def import_indicators(
    actor: User, upload: tuple[str, str], *, year: int | None, source: str
) -> ImportReport:
    """Import a plain CSV of ``neighbourhood code, indicator, value`` for ``year``.

    Raises ``FieldError`` (``indicator_file``, ``year`` or ``source``) for a malformed file, an
    unknown neighbourhood code or an indicator name that is not lower-case words joined by
    underscores; then nothing is stored. Figures already stored for the same neighbourhood,
    indicator and year are replaced.
    """
    if year is None or not 1990 <= year <= 2100:
        raise FieldError("year", "Enter the year the figures are for, like 2024.")
    source = _check_source(source)
    name, text = upload
    try:
        rows = read_indicator_file(_named(text, name))
    except NeedDataError as error:
        raise _refused("indicator_file", error) from None
    if len(rows) > MAX_INDICATOR_VALUES:
        raise FieldError(
            "indicator_file",
            f"{name}: {len(rows):,} values; at most {MAX_INDICATOR_VALUES:,} are accepted in "
            "one file. Nothing was imported.",
        )
    areas = {a.code: a for a in db.session.scalars(select(Neighbourhood))}
    values: dict[tuple[int, str], float] = {}
    for row in rows:
        area = areas.get(row.neighbourhood)
        if area is None:
            line = _line_of(text, row.neighbourhood)
            where = f", line {line}" if line else ""
            raise FieldError(
                "indicator_file",
                f"{name}{where}, column 'neighbourhood code': {row.neighbourhood} is not a "
                "neighbourhood of this platform (use the ward's ONS code, like "
                f"{next(iter(areas), 'E05010861')}). Nothing was imported.",
            )
        if not INDICATOR_NAME.match(row.indicator):
            raise FieldError(
                "indicator_file",
                f"{name}, column 'indicator': '{row.indicator[:40]}' is not a usable name: use "
                "lower-case letters, digits and underscores, starting with a letter, like "
                "child_poverty_rate. Nothing was imported.",
            )
        values[(area.id, row.indicator)] = float(row.value)
    added, replaced = _store(
        actor, values, year=year, source=source, action="need.import_indicators"
    )
    covered = {area_id for area_id, _ in values}
    return ImportReport(
        indicators=sorted({i for _, i in values}),
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
    return [
        StoredIndicator(name, year, count, low if low == high else f"{low}; {high}")
        for name, year, count, low, high in rows
    ]
