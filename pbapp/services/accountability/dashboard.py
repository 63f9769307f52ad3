"""The public fairness dashboard: by neighbourhood, money against need, who voted, who got a
project they voted for, what was proposed and funded, and core funding against need.

Small-number suppression: any count of people below ``SUPPRESS_BELOW`` is published as "fewer
than 5". Hiding a cell is not enough when the table also publishes totals: a hidden cell could
be recovered by subtracting the others from the total. So every table is described by its
additive groups (parts that add up to a total), and ``suppress`` keeps hiding the smallest
visible cell of any group that has exactly one hidden cell, until no group does. A figure
derived from a count (turnout, a share) is published only when the counts it uses are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp.extensions import db
from pbapp.models import THEMES, Ballot, Budget, Process, Proposal, Result
from pbapp.models.core_funding import Award, CoreFundingRound, OrganisationReach
from pbapp.models.funding import Scenario
from pbapp.models.vocabulary import N_
from pbapp.services.neighbourhoods import need_profiles
from pbapp.services.participation import disclosure

SUPPRESS_BELOW = disclosure.PEOPLE_FROM


HIDDEN_TEXT = disclosure.FEW_PEOPLE
# A cell hidden only so that a small number elsewhere cannot be worked out by subtraction: its
# own value may be large, so "fewer than 5" would be untrue.
SECONDARY_TEXT = N_("hidden so that a small number elsewhere cannot be worked out")
# A count below 10 in an area whose budget had fewer than 10 ballots (docs/disclosure.md).
FEW_BALLOTS_TEXT = disclosure.NOT_PUBLISHED
UNKNOWN_HOME = "home-not-known"

Key = Hashable
Group = tuple[Sequence[Key], Key]  # (parts, total): the parts add up to the total


def suppress(
    values: dict[Key, int],
    groups: Iterable[Group],
    *,
    also: Iterable[Key] = (),
    exempt: Iterable[Key] = (),
) -> set[Key]:
    """The keys of ``values`` to hide so that no hidden count can be worked out from the rest.

    Primary: every count below ``SUPPRESS_BELOW``. Secondary, until neither applies:

    - a group with exactly one hidden cell also hides its smallest visible cell (the obvious
      subtraction: total minus the other parts);
    - a hidden cell that the published cells still determine (by combining several groups,
      as in a table with both row and column totals) hides the smallest visible cell of one of
      its groups. "Determined" is exact linear algebra: the cell's unit vector lies in the row
      space of the groups' equations restricted to the hidden cells.

    ``also`` are hidden from the start for another reason (a budget with few ballots);
    ``exempt`` are zeros that public facts already give (no group works in a ward), never
    hidden for being small. Returns the hidden keys; deterministic for the same input.
    """
    groups = [(list(parts), total) for parts, total in groups]
    exempt = set(exempt)
    hidden = {k for k, v in values.items() if v < SUPPRESS_BELOW and k not in exempt}
    hidden |= set(also)

    def smallest(cells: Iterable[Key]) -> Key | None:
        candidates = [c for c in cells if c not in hidden]
        return min(candidates, key=lambda k: (values[k], str(k))) if candidates else None

    while True:
        changed = False
        for parts, total in groups:
            cells = [*parts, total]
            if sum(1 for c in cells if c in hidden) == 1:
                hidden.add(smallest(parts) or total)
                changed = True
        if changed:
            continue
        determined = next(iter(_determined(hidden, groups)), None)
        if determined is None:
            return hidden
        options = [
            smallest([*parts, total]) for parts, total in groups if determined in (*parts, total)
        ]
        options = [o for o in options if o is not None]
        if not options:  # every cell of its groups is hidden already: nothing more can help
            return hidden
        hidden.add(min(options, key=lambda k: (values[k], str(k))))


def _determined(hidden: set[Key], groups: list[tuple[list[Key], Key]]) -> list[Key]:
    """Hidden cells whose value follows from the published ones, in a stable order."""
    order = sorted(hidden, key=str)
    index = {k: i for i, k in enumerate(order)}
    rows = []
    for parts, total in groups:
        row = np.zeros(len(order))
        for c in parts:
            if c in index:
                row[index[c]] += 1
        if total in index:
            row[index[total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for k in order:
        unit = np.zeros(len(order))
        unit[index[k]] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(k)
    return found


@dataclass
class Count:
    """A count of people as published: its value, or ``None`` when suppressed, with the true
    words for why (``label``)."""

    value: int | None
    label: str = HIDDEN_TEXT  # what a hidden count says instead of its value

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        """The count as a page shows it, in the reader's language (``export`` stays English)."""
        return gettext(self.label) if self.value is None else f"{self.value:,}"

    def export(self) -> int | str:
        return self.label if self.value is None else self.value


def _published(
    key: Key, value: int, hidden: set[Key], few_ballots: set[Key] = frozenset()
) -> Count:
    """The published form of one cell, labelled with the true reason when it is hidden."""
    if key not in hidden:
        return Count(value)
    if key in few_ballots:
        return Count(None, FEW_BALLOTS_TEXT)
    if value < SUPPRESS_BELOW:
        return Count(None, HIDDEN_TEXT)
    return Count(None, SECONDARY_TEXT)


def _ratio(numerator: Count, denominator: int | Count) -> float | None:
    """A derived share, only when every count it is made of is published."""
    d = denominator.value if isinstance(denominator, Count) else denominator
    if numerator.value is None or not d:
        return None
    return numerator.value / d


@dataclass
class AreaRow:
    code: str
    name: str
    population: int
    need_score: float | None
    need_rank: int | None
    pb_money: int = 0  # funded projects in the neighbourhood's own budget, whole pounds
    allocation: int | None = None  # a published funders' scenario's amount
    proposals: int = 0
    funded: int = 0
    voters: Count = field(default_factory=lambda: Count(0))
    with_funded: Count = field(default_factory=lambda: Count(0))
    without_funded: Count = field(default_factory=lambda: Count(0))
    in_vote: bool = False

    @property
    def name_in_words(self) -> str:
        """The name as a page shows it (the city's and the unknown home's in the reader's
        language; the open data keeps ``name`` English)."""
        return gettext(self.name) if self.code in ("total", UNKNOWN_HOME) else self.name

    @property
    def pb_per_head(self) -> float | None:
        return self.pb_money / self.population if self.population else None

    @property
    def allocation_per_head(self) -> float | None:
        if self.allocation is None or not self.population:
            return None
        return self.allocation / self.population

    @property
    def turnout(self) -> float | None:
        return _ratio(self.voters, self.population) if self.in_vote else None

    @property
    def share_with_funded(self) -> float | None:
        return _ratio(self.with_funded, self.voters)


@dataclass
class ThemeRow:
    theme: str
    name: str
    proposals: int
    funded: int
    funded_money: int


@dataclass
class VcsRow:
    code: str
    name: str
    population: int
    need_score: float | None
    need_rank: int | None
    groups: int
    reach: Count
    money: int | None  # a year's awards shared by people reached; None when reach is hidden

    @property
    def name_in_words(self) -> str:
        return gettext(self.name) if self.code == "total" else self.name

    @property
    def per_head(self) -> float | None:
        if self.money is None or not self.population:
            return None
        return self.money / self.population


@dataclass
class Dashboard:
    process: Process | None
    processes: list[Process]
    rows: list[AreaRow]
    total: AreaRow | None
    unknown_home: AreaRow | None
    themes: list[ThemeRow]
    scenario: Scenario | None
    funding_round: CoreFundingRound | None
    vcs_rows: list[VcsRow]
    vcs_total: VcsRow | None


def processes_with_results() -> list[Process]:
    """Processes with at least one published result, newest first."""
    ids = set(
        db.session.scalars(select(Budget.process_id).join(Result, Result.budget_id == Budget.id))
    )
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Process)
            .where(Process.id.in_(ids))
            .order_by(Process.voting_start.desc(), Process.id.desc())
        )
    )


def _people_table(
    process: Process, rows: dict[str, AreaRow], area_code: dict[int, str]
) -> tuple[AreaRow | None, AreaRow]:
    """Fill the people counts of ``rows``; return the home-not-known row (when some ballots
    have no home neighbourhood) and the whole-city row."""
    budgets = {b.id: b for b in process.budgets}
    results = {
        r.budget_id: set(r.selected)
        for r in db.session.scalars(select(Result).where(Result.budget_id.in_(budgets)))
    }
    citywide = any(b.neighbourhood_id is None for b in process.budgets)
    in_vote = (
        set(rows)
        if citywide
        else {area_code[b.neighbourhood_id] for b in process.budgets if b.neighbourhood_id}
    )
    voters: dict[int, str] = {}
    got_funded: set[int] = set()
    ballots_in = {
        r.budget_id: r.voters
        for r in db.session.scalars(select(Result).where(Result.budget_id.in_(budgets)))
    }
    if results:
        for ballot in db.session.scalars(
            select(Ballot)
            .where(Ballot.budget_id.in_(results))
            .options(selectinload(Ballot.voter), selectinload(Ballot.items))
        ):
            home = ballot.voter.neighbourhood_id or budgets[ballot.budget_id].neighbourhood_id
            voters[ballot.voter_id] = area_code.get(home, UNKNOWN_HOME) if home else UNKNOWN_HOME
            if any(i.proposal_id in results[ballot.budget_id] for i in ballot.items):
                got_funded.add(ballot.voter_id)
    unknown = None
    if UNKNOWN_HOME in voters.values():
        unknown = AreaRow(UNKNOWN_HOME, N_("Home neighbourhood not known"), 0, None, None)
        rows = rows | {UNKNOWN_HOME: unknown}
        in_vote.add(UNKNOWN_HOME)
    counted = [code for code in rows if code in in_vote]
    raw: dict[Key, int] = {}
    for code in counted + ["total"]:
        for column in ("voters", "with", "without"):
            raw[(code, column)] = 0
    for voter, code in voters.items():
        if code not in in_vote:  # cannot happen: a resident votes at home or city-wide
            continue
        column = "with" if voter in got_funded else "without"
        for c in (code, "total"):
            raw[(c, "voters")] += 1
            raw[(c, column)] += 1
    groups: list[Group] = [
        ([(c, "with"), (c, "without")], (c, "voters")) for c in counted + ["total"]
    ]
    groups += [
        ([(c, col) for c in counted], ("total", col)) for col in ("voters", "with", "without")
    ]
    # Budgets with fewer than DETAIL_FROM ballots publish no counts: a count below that in the
    # area such a budget covers is hidden too (a ward's own budget; every row for city-wide).
    few = {
        b.neighbourhood_id
        for b in process.budgets
        if b.id in results and ballots_in[b.id] < disclosure.DETAIL_FROM
    }
    few_areas = set(counted) | {"total"} if None in few else {area_code[a] for a in few}
    few_ballots = {k for k, v in raw.items() if k[0] in few_areas and v < disclosure.DETAIL_FROM}
    hidden = suppress(raw, groups, also=few_ballots)

    def count(key: Key) -> Count:
        return _published(key, raw[key], hidden, few_ballots)

    total = AreaRow("total", N_("Whole city"), sum(r.population for r in rows.values()), None, None)
    for code, row in list(rows.items()) + [("total", total)]:
        if code != "total" and code not in in_vote:
            continue
        row.in_vote = True
        row.voters = count((code, "voters"))
        row.with_funded = count((code, "with"))
        row.without_funded = count((code, "without"))
    return unknown, total


def _vcs_table(
    area_rows: list[AreaRow],
) -> tuple[CoreFundingRound | None, list[VcsRow], VcsRow | None]:
    funding_round = db.session.scalar(
        select(CoreFundingRound)
        .where(CoreFundingRound.status == "published")
        .order_by(CoreFundingRound.published_at.desc(), CoreFundingRound.id.desc())
    )
    if funding_round is None:
        return None, [], None
    awards = list(db.session.scalars(select(Award).where(Award.round_id == funding_round.id)))
    org_ids = {a.organisation_id for a in awards if a.amount > 0}
    reach_rows = (
        list(
            db.session.scalars(
                select(OrganisationReach)
                .where(OrganisationReach.organisation_id.in_(org_ids))
                .options(selectinload(OrganisationReach.neighbourhood))
            )
        )
        if org_ids
        else []
    )
    by_org: dict[int, list[OrganisationReach]] = defaultdict(list)
    for r in reach_rows:
        by_org[r.organisation_id].append(r)
    money: dict[str, int] = defaultdict(int)
    people: dict[str, int] = defaultdict(int)
    groups_in: dict[str, set[int]] = defaultdict(set)
    for r in reach_rows:
        people[r.neighbourhood.code] += r.people
        groups_in[r.neighbourhood.code].add(r.organisation_id)
    for award in awards:
        reach = by_org.get(award.organisation_id)
        if not reach or award.amount <= 0:
            continue
        for code, share in _largest_remainder(
            award.amount, {r.neighbourhood.code: r.people for r in reach}
        ).items():
            money[code] += share
    codes = [r.code for r in area_rows]
    raw: dict[Key, int] = {(c, "reach"): people.get(c, 0) for c in codes}
    raw[("total", "reach")] = sum(people.get(c, 0) for c in codes)
    # A ward where no group works has nobody reached, as the public "groups working here: 0"
    # already says: £0 and 0, not a hidden small number.
    no_group = {(c, "reach") for c in codes if not groups_in.get(c)}
    hidden = suppress(raw, [([(c, "reach") for c in codes], ("total", "reach"))], exempt=no_group)
    rows = [
        VcsRow(
            code=a.code,
            name=a.name,
            population=a.population,
            need_score=a.need_score,
            need_rank=a.need_rank,
            groups=len(groups_in.get(a.code, ())),
            reach=_published((a.code, "reach"), people.get(a.code, 0), hidden),
            money=None if (a.code, "reach") in hidden else money.get(a.code, 0),
        )
        for a in area_rows
    ]
    total_hidden = ("total", "reach") in hidden
    total = VcsRow(
        "total",
        N_("Whole city"),
        sum(a.population for a in area_rows),
        None,
        None,
        len(org_ids),
        _published(("total", "reach"), raw[("total", "reach")], hidden),
        None if total_hidden else sum(money.values()),
    )
    return funding_round, rows, total


def _largest_remainder(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """Share whole pounds by weight so that the shares add up to ``amount`` exactly."""
    total = sum(weights.values())
    if total <= 0:
        return {}
    exact = {k: amount * w / total for k, w in weights.items()}
    shares = {k: int(v) for k, v in exact.items()}
    left = amount - sum(shares.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[k] += 1
    return shares


def build(process_id: int | None = None) -> Dashboard:
    """The dashboard for one process with published results (the newest by default)."""
    processes = processes_with_results()
    process = next((p for p in processes if p.id == process_id), None) if process_id else None
    if process is None and processes:
        process = processes[0]
    profiles = need_profiles()
    rows = {
        p.neighbourhood.code: AreaRow(
            code=p.neighbourhood.code,
            name=p.neighbourhood.name,
            population=p.neighbourhood.population,
            need_score=p.need_score,
            need_rank=p.need_rank,
        )
        for p in profiles
    }
    area_code = {p.neighbourhood.id: p.neighbourhood.code for p in profiles}
    themes: list[ThemeRow] = []
    scenario = None
    total = unknown = None
    if process is not None:
        budgets = {b.id: b for b in process.budgets}
        selected: set[int] = set()
        for r in db.session.scalars(select(Result).where(Result.budget_id.in_(budgets))):
            selected.update(r.selected)
        by_theme: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for p in db.session.scalars(
            select(Proposal).where(Proposal.budget_id.in_(budgets), Proposal.status != "draft")
        ):
            funded = p.id in selected
            by_theme[p.theme][0] += 1
            by_theme[p.theme][1] += int(funded)
            by_theme[p.theme][2] += p.ballot_cost if funded else 0
            area = budgets[p.budget_id].neighbourhood_id
            if area is not None:
                row = rows[area_code[area]]
                row.proposals += 1
                row.funded += int(funded)
                row.pb_money += p.ballot_cost if funded else 0
        themes = [
            ThemeRow(t, THEMES.get(t, t), *by_theme[t])
            for t in list(THEMES) + sorted(set(by_theme) - THEMES.keys())
            if t in by_theme or t in process.themes
        ]
        unknown, total = _people_table(process, rows, area_code)
        scenario = db.session.scalar(
            select(Scenario)
            .where(Scenario.published_to_process_id == process.id, Scenario.status == "published")
            .order_by(Scenario.published_at.desc(), Scenario.id.desc())
        )
        if scenario is not None:
            for line in scenario.lines or []:
                row = rows.get(str(line.get("id")))
                if row is not None and isinstance(line.get("amount"), int):
                    row.allocation = line["amount"]
    ordered = sorted(rows.values(), key=lambda r: (r.need_rank or 10_000, r.name))
    funding_round, vcs_rows, vcs_total = _vcs_table(ordered)
    if total is not None:
        total.pb_money = sum(r.pb_money for r in ordered)
        total.proposals = sum(t.proposals for t in themes)
        total.funded = sum(t.funded for t in themes)
        if scenario is not None:
            total.allocation = sum(r.allocation or 0 for r in ordered)
    return Dashboard(
        process=process,
        processes=processes,
        rows=ordered,
        total=total,
        unknown_home=unknown,
        themes=themes,
        scenario=scenario,
        funding_round=funding_round,
        vcs_rows=vcs_rows,
        vcs_total=vcs_total,
    )


def fairness_records(board: Dashboard) -> list[dict[str, object]]:
    """The dashboard's neighbourhood table as download rows (suppressed counts as text)."""
    vcs = {r.code: r for r in board.vcs_rows}
    out = []
    rows = list(board.rows)
    if board.unknown_home is not None:
        rows.append(board.unknown_home)
    if board.total is not None:
        rows.append(board.total)
    for r in rows:
        v = vcs.get(r.code)
        if r.code == "total":
            v = board.vcs_total
        out.append(
            {
                "process_id": board.process.id if board.process else None,
                "neighbourhood_code": r.code,
                "neighbourhood": r.name,
                "population": r.population or None,
                "need_score": r.need_score,
                "need_rank": r.need_rank,
                "proposals": r.proposals if board.process else None,
                "funded_projects": r.funded if board.process else None,
                "pb_funded_pounds": r.pb_money if board.process else None,
                "pb_pounds_per_head": _round(r.pb_per_head) if board.process else None,
                "allocation_pounds": r.allocation,
                "voters": r.voters.export() if r.in_vote else None,
                "turnout": _round(r.turnout, 4),
                "voters_with_funded_project": r.with_funded.export() if r.in_vote else None,
                "voters_without_funded_project": r.without_funded.export() if r.in_vote else None,
                "share_with_funded_project": _round(r.share_with_funded, 4),
                "vcs_people_reached": v.reach.export() if v else None,
                "vcs_award_pounds_per_year": v.money if v else None,
                "vcs_pounds_per_head": _round(v.per_head) if v else None,
            }
        )
    return out


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)
