"""Checks a ``.pb`` file the way the pabulib archive's own checker does.

Every fault names the line it is on (1-based, as an editor shows it) and says what is wrong
in words an officer can act on. :func:`check_pb` returns them all; the reader refuses a file
with any fault, so nothing half-read is ever counted.
"""

from __future__ import annotations

import csv
import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from allocation.pb.election import (
    POINTS_VOTE_TYPES,
    VOTE_TYPES,
    Number,
    NumberError,
    as_number,
)

SECTIONS = ("meta", "projects", "votes")
# A points total at most this far (as a share of the limit) outside META min_sum_points /
# max_sum_points is counted as given, with a warning (98 or 99 points where 100 are asked).
SLIGHTLY = Fraction(5, 100)
REPEATED = "repeated"  # _ballot_fault's code for a project named twice


@dataclass(frozen=True)
class Fault:
    """One thing wrong with a file: where (line number, 0 when it is the file as a whole) and what."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message

    def to_dict(self) -> dict[str, object]:
        """Return the fault as JSON-ready data."""
        return {"line": self.line, "message": self.message}


class PbFormatError(ValueError):
    """Raised when a ``.pb`` file has faults; ``faults`` lists them all, the message names the first."""

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        more = f" (and {len(faults) - 1} more faults)" if len(faults) > 1 else ""
        super().__init__(f"{faults[0]}{more}")


# A data row of a section: its line number and its fields (a plain pair: a city-wide file
# has 65,000 of them).
Row = tuple[int, list[str]]


@dataclass
class RawSection:
    """A section as read: its header line and rows, not yet checked."""

    line: int = 0
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


@dataclass
class CheckedFile:
    """What a file holds once checked: everything the reader needs to build an Election."""

    meta: dict[str, str]
    project_header: list[str]
    projects: list[tuple[str, Number, dict[str, str]]]
    vote_header: list[str]
    votes: list[tuple[str, tuple[str, ...], tuple[Number, ...] | None, dict[str, str]]]
    budget: Number
    vote_type: str
    warnings: list[Fault] = field(default_factory=list)  # faults counted anyway (lenient)


def read_text(source: str | Path) -> str:
    """Return the text of a file given by path, or ``source`` itself when it already holds text.

    Raises OSError when a path cannot be read, PbFormatError when its bytes are not text
    (UTF-8, or UTF-16 with its byte-order mark).
    """
    if isinstance(source, Path) or _names_a_file(source):
        return decode(Path(source).read_bytes())
    return source


def _names_a_file(source: str) -> bool:
    """Whether ``source`` is a path (one line ending in .pb, or an existing file) not text."""
    if "\n" in source or "\r" in source:
        return False
    try:
        return source.endswith(".pb") or Path(source).is_file()
    except (OSError, ValueError):  # too long for a file name, a NUL byte
        return False


def decode(data: bytes) -> str:
    """The text of a file's bytes: UTF-8 (a byte-order mark is dropped), or UTF-16 when it
    starts with one of its byte-order marks. Raises PbFormatError naming the line of the
    first byte that is not text."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise PbFormatError(
                [Fault(0, "the file starts as UTF-16 but is not UTF-16 text")]
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PbFormatError(
            [
                Fault(
                    line,
                    f"byte 0x{data[error.start]:02x} is not UTF-8 text; save the file as UTF-8",
                )
            ]
        ) from None


def split_sections(text: str) -> tuple[dict[str, RawSection], list[Fault]]:
    """Split the text into META / PROJECTS / VOTES sections; return them and the faults found."""
    faults: list[Fault] = []
    sections: dict[str, RawSection] = {}
    # Line ends: LF, CRLF or a bare CR (old Mac files); one line is one row in the archive.
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    reader = csv.reader(lines, delimiter=";")
    try:
        _split_rows(reader, sections, faults)
    except csv.Error as error:  # a field past csv's size limit, and the like
        faults.append(Fault(reader.line_num, f"cannot be read as ;-separated fields ({error})"))
    for name in SECTIONS:
        if name not in sections:
            faults.append(Fault(0, f"the {name.upper()} section is missing"))
        elif not sections[name].header:
            faults.append(Fault(sections[name].line, f"the {name.upper()} section has no header"))
    return sections, faults


def _split_rows(reader, sections: dict[str, RawSection], faults: list[Fault]) -> None:
    """Read the rows into ``sections`` (csv handles the archive's quoting: "" inside "...")."""
    current: RawSection | None = None
    for number, row in enumerate(reader, 1):
        # Cheap test first: this loop sees every line of a 65,000-voter file. Blank lines and
        # section names have at most two fields, the second one blank.
        if len(row) <= 2 and (len(row) < 2 or not row[1].strip()):
            first = row[0].strip() if row else ""
            if not first:
                continue  # blank line
            name = first.lower()
            if name in SECTIONS:
                if name in sections:
                    faults.append(Fault(number, f"section {name.upper()} appears twice"))
                current = sections[name] = RawSection(line=number)
                continue
        if current is None:
            faults.append(Fault(number, "text before the META section"))
            continue
        if not current.header:
            current.header = [h.strip() for h in row]
            continue
        current.rows.append((number, row))


def check_pb(source: str | Path) -> list[Fault]:
    """Return every fault of a ``.pb`` file (empty when it is sound).

    Raises OSError when a path cannot be read.
    """
    try:
        text = read_text(source)
    except PbFormatError as error:
        return error.faults
    return check_text(text)[1]


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (restored as it was after).

    Reading a city-wide file makes some 400,000 small tuples, lists and dicts, none in a
    cycle; the collector's passes over them were half the time of reading (0.22 of 0.46 s
    CPU on a 62,000-voter file). Reference counting still frees everything at once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_text(text: str, *, lenient: bool = False) -> tuple[CheckedFile | None, list[Fault]]:
    """Check the text of a ``.pb`` file; return its checked content (None when faulty) and faults.

    ``lenient``: faults that leave the count unambiguous (a project named twice on an approval
    ballot, counted once; a points total slightly outside META min_sum_points / max_sum_points,
    counted as given) do not refuse the file: they are in the content's ``warnings``.
    """
    with collection_paused():
        return _check_text(text, lenient)


def _check_text(text: str, lenient: bool = False) -> tuple[CheckedFile | None, list[Fault]]:
    sections, faults = split_sections(text)
    if faults:
        return None, faults
    meta = _check_meta(sections["meta"], faults)
    budget = _meta_number(meta, "budget", sections["meta"], faults, required=True)
    vote_type = meta.get("vote_type", "approval").strip().lower()
    if vote_type not in VOTE_TYPES:
        faults.append(
            Fault(
                _meta_line(sections["meta"], "vote_type"),
                f"vote_type {vote_type!r} is not one of {', '.join(VOTE_TYPES)}",
            )
        )
    projects, project_header = _check_projects(sections["projects"], faults)
    # Ids of faulty project rows count as known: one bad cost must not fault every ballot.
    id_col = project_header.index("project_id") if "project_id" in project_header else 0
    project_ids = {
        fields[id_col].strip() for _, fields in sections["projects"].rows if len(fields) > id_col
    }
    tolerable: list[Fault] = []
    votes, vote_header = _check_votes(
        sections["votes"], meta, vote_type, project_ids, faults, tolerable
    )
    # Rows, not sound rows: one faulty ballot must not also read as a miscount.
    for key, actual in (
        ("num_projects", len(sections["projects"].rows)),
        ("num_votes", len(sections["votes"].rows)),
    ):
        declared = _meta_number(meta, key, sections["meta"], faults, required=False)
        if declared is not None and declared != actual:
            faults.append(
                Fault(
                    _meta_line(sections["meta"], key),
                    f"META {key} says {declared} but the {section_name(key)} section has {actual}",
                )
            )
    if not lenient:
        faults = sorted(faults + tolerable, key=lambda f: f.line)
        tolerable = []
    if faults or budget is None:
        return None, faults
    checked = CheckedFile(meta, project_header, projects, vote_header, votes, budget, vote_type)
    checked.warnings = tolerable
    return checked, []


def section_name(key: str) -> str:
    """Return the section a META count refers to."""
    return "PROJECTS" if key == "num_projects" else "VOTES"


def _meta_line(section: RawSection, key: str) -> int:
    for line, fields in section.rows:
        if fields and fields[0].strip() == key:
            return line
    return section.line


def _check_meta(section: RawSection, faults: list[Fault]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line, fields in section.rows:
        if len(fields) != 2:
            faults.append(Fault(line, f"META rows are key;value, found {len(fields)} fields"))
            continue
        key, value = fields[0].strip(), fields[1]
        if key in meta:
            faults.append(Fault(line, f"META key {key!r} appears twice"))
        meta[key] = value
    return meta


def _meta_number(
    meta: dict[str, str], key: str, section: RawSection, faults: list[Fault], *, required: bool
) -> Number | None:
    if key not in meta:
        if required:
            faults.append(Fault(section.line, f"META has no {key}"))
        return None
    try:
        value = as_number(meta[key])
    except NumberError as error:
        faults.append(Fault(_meta_line(section, key), f"META {key} {meta[key]!r} {error.reason}"))
        return None
    if value < 0:
        faults.append(Fault(_meta_line(section, key), f"META {key} is negative"))
        return None
    return value


def _check_projects(
    section: RawSection, faults: list[Fault]
) -> tuple[list[tuple[str, Number, dict[str, str]]], list[str]]:
    header = section.header
    missing = [c for c in ("project_id", "cost") if c not in header]
    for column in missing:
        faults.append(Fault(section.line + 1, f"PROJECTS header has no {column} column"))
    if missing:
        return [], header
    id_col, cost_col = header.index("project_id"), header.index("cost")
    seen: set[str] = set()
    projects = []
    for line, fields in section.rows:
        if len(fields) != len(header):
            faults.append(
                Fault(
                    line,
                    f"project row has {len(fields)} fields, the header names {len(header)}",
                )
            )
            continue
        pid = fields[id_col].strip()
        if pid in seen:
            faults.append(Fault(line, f"project {pid} appears twice"))
            continue
        seen.add(pid)
        try:
            cost = as_number(fields[cost_col])
        except NumberError as error:
            faults.append(Fault(line, f"project {pid}: cost {fields[cost_col]!r} {error.reason}"))
            continue
        if cost < 0:
            faults.append(Fault(line, f"project {pid}: cost is negative"))
            continue
        others = {
            h: v for h, v in zip(header, fields, strict=True) if h not in ("project_id", "cost")
        }
        projects.append((pid, cost, others))
    return projects, header


def _check_votes(
    section: RawSection,
    meta: dict[str, str],
    vote_type: str,
    project_ids: set[str],
    faults: list[Fault],
    tolerable: list[Fault],
):
    header = section.header
    missing = [c for c in ("voter_id", "vote") if c not in header]
    points_needed = vote_type in POINTS_VOTE_TYPES
    if points_needed and "points" not in header:
        missing.append("points")
    for column in missing:
        faults.append(Fault(section.line + 1, f"VOTES header has no {column} column"))
    if missing:
        return [], header
    limits = {}
    for key in (
        "min_length",
        "max_length",
        "min_sum_points",
        "max_sum_points",
        "min_points",
        "max_points",
    ):
        if key in meta:
            try:
                limits[key] = as_number(meta[key])
            except NumberError as error:
                faults.append(Fault(0, f"META {key} {meta[key]!r} {error.reason}"))
    if vote_type == "choose-1":
        limits["max_length"] = min(limits.get("max_length", 1), 1)
    shortest = limits.get("min_length", 0)
    longest = limits.get("max_length", math.inf)
    voter_col, vote_col = header.index("voter_id"), header.index("vote")
    points_col = header.index("points") if "points" in header else None
    # The other columns (age, sex, neighbourhood...) as (name, position).
    extra = [(h, i) for i, h in enumerate(header) if h not in ("voter_id", "vote", "points")]
    width = len(header)
    seen: set[str] = set()
    votes = []
    # This loop runs once per voter (65,000 on a city-wide file): keep it plain.
    for line, f in section.rows:
        if len(f) != width:
            faults.append(Fault(line, f"vote row has {len(f)} fields, the header names {width}"))
            continue
        voter = f[voter_col].strip()
        known = len(seen)
        seen.add(voter)
        if len(seen) == known:
            faults.append(Fault(line, f"voter {voter} appears twice"))
            continue
        text = f[vote_col]
        vote = (
            tuple(x.strip() for x in text.split(","))
            if " " in text
            else tuple(text.split(","))
            if text
            else ()
        )
        # The common case (known projects, none twice, no length limits) costs two set
        # operations; anything else gets the full check and its message.
        if (
            shortest <= len(vote) <= longest
            and project_ids.issuperset(vote)
            and len(set(vote)) == len(vote)
        ):
            fault = None
        else:
            fault = _ballot_fault(voter, vote, project_ids, limits)
            if fault == REPEATED and vote_type in ("approval", "choose-1"):
                # A repeated approval is one approval: the count is not in doubt.
                once = tuple(dict.fromkeys(vote))
                if _ballot_fault(voter, once, project_ids, limits) is None:
                    tolerable.append(Fault(line, f"voter {voter} names a project twice"))
                    vote, fault = once, None
        points: tuple[Number, ...] | None = None
        if fault is None and points_col is not None and (points_needed or f[points_col].strip()):
            points, fault, off = _ballot_points(voter, vote, f[points_col], limits)
            if off:
                tolerable.append(Fault(line, off))
        if fault:
            faults.append(
                Fault(line, fault if fault != REPEATED else f"voter {voter} names a project twice")
            )
            continue
        others = {h: f[i] for h, i in extra} if extra else {}
        votes.append((voter, vote, points, others))
    return votes, header


def _ballot_fault(
    voter: str, vote: tuple[str, ...], project_ids: set[str], limits: dict[str, Number]
) -> str | None:
    if not project_ids.issuperset(vote):
        unknown = next(p for p in vote if p not in project_ids)
        return f"voter {voter} votes for unknown project {unknown!r}"
    if len(set(vote)) != len(vote):
        return REPEATED
    if "min_length" in limits and len(vote) < limits["min_length"]:
        return (
            f"voter {voter} chose {len(vote)} projects, fewer than min_length "
            f"{limits['min_length']}"
        )
    if "max_length" in limits and len(vote) > limits["max_length"]:
        return (
            f"voter {voter} chose {len(vote)} projects, more than max_length {limits['max_length']}"
        )
    return None


def _ballot_points(
    voter: str, vote: tuple[str, ...], text: str, limits: dict[str, Number]
) -> tuple[tuple[Number, ...] | None, str | None, str | None]:
    """(points, fault that refuses the ballot, fault that lets it be counted as given)."""
    try:
        points = tuple(as_number(x) for x in text.split(",")) if text.strip() else ()
    except NumberError as error:
        return None, f"voter {voter}: points {text!r}: {error}", None
    if len(points) != len(vote):
        return (
            None,
            f"voter {voter} names {len(vote)} projects but gives {len(points)} points",
            None,
        )
    if "max_points" in limits and any(p > limits["max_points"] for p in points):
        return (
            None,
            f"voter {voter} gives a project more than max_points {limits['max_points']}",
            None,
        )
    if "min_points" in limits and any(p < limits["min_points"] for p in points):
        return (
            None,
            f"voter {voter} gives a project fewer than min_points {limits['min_points']}",
            None,
        )
    total = sum(points)
    off = None
    if "max_sum_points" in limits and total > limits["max_sum_points"]:
        limit = limits["max_sum_points"]
        off = f"voter {voter} gives {total} points in all, more than max_sum_points {limit}"
    elif "min_sum_points" in limits and total < limits["min_sum_points"]:
        limit = limits["min_sum_points"]
        off = f"voter {voter} gives {total} points in all, fewer than min_sum_points {limit}"
    if off is None:
        return points, None, None
    if abs(total - limit) <= SLIGHTLY * limit:  # slightly off: counted as given
        return points, None, off
    return None, off, None
