"""Reading a CSV file into checked values, so every fault names its line and column.

Private: the importers in this package share it; callers see only ``NeedDataError``.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from .errors import NeedDataError

Source = str | os.PathLike[str] | IO[str]


@dataclass(frozen=True)
class Table:
    """A CSV file read whole: its header and its rows, each row with its line number."""

    source: str
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def index(self, column: str) -> int:
        """Position of ``column`` in the header; raises ``NeedDataError`` if absent."""
        try:
            return self.header.index(column)
        except ValueError:
            raise NeedDataError(
                f"there is no column '{column}' (the columns are: {', '.join(self.header)})",
                source=self.source,
                column=column,
            ) from None

    def cells(self, column: str) -> Iterator[tuple[int, str]]:
        """(line number, stripped text) of ``column`` in every row."""
        i = self.index(column)
        for line, row in self.rows:
            yield line, row[i].strip() if i < len(row) else ""

    def error(self, message: str, *, row: int | None = None, column: str | None = None):
        return NeedDataError(message, row=row, column=column, source=self.source)

    def number(self, text: str, *, row: int, column: str, allow_blank: bool = False) -> float:
        """The finite number written in a cell (NaN for a blank cell when ``allow_blank``)."""
        if text == "":
            if allow_blank:
                return math.nan
            raise self.error("the value is missing", row=row, column=column)
        try:
            value = float(text)
        except ValueError:
            raise self.error(f"'{text}' is not a number", row=row, column=column) from None
        if not math.isfinite(value):
            raise self.error(f"'{text}' is not a finite number", row=row, column=column)
        return value

    def rank(
        self, text: str, *, row: int, column: str, areas: int | None, what: str = "rank"
    ) -> int:
        """A rank: a whole number from 1 to ``areas`` (files often write ranks as ``123.0``)."""
        value = self.number(text, row=row, column=column)
        if value != int(value) or value < 1:
            raise self.error(
                f"{what} '{text}' is not a whole number of 1 or more", row=row, column=column
            )
        if areas is not None and value > areas:
            limit = f"the number of areas ({areas:,})" if what == "rank" else str(areas)
            raise self.error(f"{what} {int(value)} is larger than {limit}", row=row, column=column)
        return int(value)


def read_table(source: Source) -> Table:
    """Read a whole CSV file (path or open text file).

    Raises
    ------
    NeedDataError
        The file cannot be opened, is empty, or a row has more cells than the header.
    """
    name = _name_of(source)
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, newline="", encoding="utf-8-sig") as handle:
                text = handle.read()
        else:
            text = source.read()
    except OSError as exc:
        raise NeedDataError(f"cannot read the file ({exc.strerror or exc})", source=name) from None
    except UnicodeDecodeError:
        raise NeedDataError(
            "the file is not UTF-8 text (save it as CSV UTF-8)", source=name
        ) from None
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise NeedDataError("the file is empty", source=name) from None
    except csv.Error as exc:
        raise NeedDataError(f"not a CSV file ({exc})", source=name, row=1) from None
    header = [h.strip() for h in header]
    if not any(header):
        raise NeedDataError("the first line should name the columns", source=name, row=1)
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise NeedDataError(
                "this column name appears twice in the header", source=name, row=1, column=h
            )
        seen.add(h)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # a blank line (often the last one) is not a row
            if len(row) > len(header):
                raise NeedDataError(
                    f"this row has {len(row)} cells but the header names {len(header)} columns",
                    source=name,
                    row=reader.line_num,
                )
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise NeedDataError(
            f"not a valid CSV line ({exc})", source=name, row=reader.line_num
        ) from None
    return Table(name, header, rows)


def _name_of(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        return os.path.basename(os.fspath(source))
    return str(getattr(source, "name", "the file"))
