"""Reading and writing the pabulib ``.pb`` format (https://pabulib.org/format).

A file has three ``;``-separated sections: META (key;value), PROJECTS (one row per project)
and VOTES (one row per voter). Fields holding ``;`` or ``"`` are quoted with ``"`` and inner
quotes doubled, as the archive does. ``write_pb(read_pb(f))`` keeps every META key, every
project column and every voter column, so a recount of the written file gives the same result.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

from allocation.pb.election import POINTS_VOTE_TYPES, Ballot, Election, Number, Project
from allocation.pb.validate import PbFormatError, check_text, collection_paused, read_text

# META keys the writer recomputes from the election itself rather than copying.
_DERIVED_META = ("num_projects", "num_votes", "budget", "vote_type")


def read_pb(source: str | Path, *, strict: bool = True) -> Election:
    """Read a ``.pb`` file (a path, or the file's text) into an :class:`Election`.

    Raises PbFormatError (a ValueError) listing every fault when the file is malformed:
    nothing of a faulty file is returned. Raises OSError when a path cannot be read.
    With ``strict=False`` the faults that leave the count unambiguous (docs/counting.md,
    "Faults") are counted and listed in the election's ``warnings``.
    """
    text = read_text(source)
    with collection_paused():
        return _election(text, strict)


def _election(text: str, strict: bool = True) -> Election:
    checked, faults = check_text(text, lenient=not strict)
    if checked is None:
        raise PbFormatError(faults)
    projects = [
        Project(id=pid, cost=cost, name=others.pop("name", ""), fields=others)
        for pid, cost, others in checked.projects
    ]
    if checked.vote_type in POINTS_VOTE_TYPES:
        ballots = [
            Ballot(dict(zip(vote, points or (), strict=True)), voter, others)
            for voter, vote, points, others in checked.votes
        ]
    else:
        # Points given with an approval or ordinal vote are kept as a field.
        ballots = [
            Ballot(vote, voter, others)
            if points is None
            else Ballot(vote, voter, {"points": ",".join(map(_number_text, points)), **others})
            for voter, vote, points, others in checked.votes
        ]
    meta = dict(checked.meta)
    meta["vote_type"] = checked.vote_type
    election = Election(
        budget=checked.budget, projects=projects, ballots=[], vote_type=checked.vote_type, meta=meta
    )  # type: ignore[arg-type]
    # The checker has already proved each ballot sound: skip the per-ballot normalisation.
    election.ballots = ballots
    election.warnings = list(checked.warnings)
    return election


def write_pb(election: Election) -> str:
    """Return the election as the text of a ``.pb`` file.

    Numbers are written as integers or exact decimals. Raises ValueError when a cost, the
    budget or a point count is a fraction with no exact decimal form (such as 1/3), or when a
    project id holds a comma (votes list ids separated by commas).
    """
    for p in election.projects:
        if "," in p.id or not p.id.strip():
            raise ValueError(f"project id {p.id!r} cannot be written: ids are non-empty, no comma")
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL
    )
    meta = dict(election.meta)
    meta.update(
        num_projects=str(len(election.projects)),
        num_votes=str(len(election.ballots)),
        budget=_number_text(election.budget),
        vote_type=election.vote_type,
    )
    order = list(election.meta) + [k for k in _DERIVED_META if k not in election.meta]
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key in order:
        writer.writerow([key, meta[key]])

    out.write("PROJECTS\n")
    extra = _columns(p.fields for p in election.projects)
    has_name = any(p.name for p in election.projects) or "name" in extra
    extra = [c for c in extra if c != "name"]
    writer.writerow(["project_id", "cost", *(["name"] if has_name else []), *extra])
    for p in election.projects:
        writer.writerow(
            [
                p.id,
                _number_text(p.cost),
                *([p.name] if has_name else []),
                *(p.fields.get(c, "") for c in extra),
            ]
        )

    out.write("VOTES\n")
    points = election.vote_type in POINTS_VOTE_TYPES
    extra = [c for c in _columns(b.fields for b in election.ballots) if c != "points"]
    kept_points = not points and any("points" in b.fields for b in election.ballots)
    writer.writerow(["voter_id", "vote", *(["points"] if points or kept_points else []), *extra])
    for b in election.ballots:
        if isinstance(b.vote, dict):
            row = [b.voter_id, ",".join(b.vote), ",".join(_number_text(x) for x in b.vote.values())]
        else:
            row = [b.voter_id, ",".join(b.vote)]
            if kept_points:
                row.append(b.fields.get("points", ""))
        writer.writerow([*row, *(b.fields.get(c, "") for c in extra)])
    return out.getvalue()


def _columns(field_dicts) -> list[str]:
    """Return the union of the keys of ``field_dicts``, in first-seen order."""
    seen: dict[str, None] = {}
    for fields in field_dicts:
        for key in fields:
            seen.setdefault(key, None)
    return list(seen)


def _number_text(value: Number) -> str:
    """Write a number exactly: ``12``, ``12.5``; a fraction without exact decimal raises ValueError."""
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return str(int(value))
    value = Fraction(value)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"{value} has no exact decimal form")
    digits = max(twos, fives)
    scaled = abs(value) * 10**digits
    whole, frac = divmod(int(scaled), 10**digits)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{str(frac).rjust(digits, '0').rstrip('0')}"
