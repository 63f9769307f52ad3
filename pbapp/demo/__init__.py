"""The demo: Sheffield's 28 wards with their need figures, and one account per role.

Loading is idempotent: a second run finds everything in place and adds nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from pbapp.demo.accountability import load_accountability_demo
from pbapp.demo.core_funding import load_core_funding_demo
from pbapp.demo.funding import load_funding_demo
from pbapp.demo.participation import load_pb_demo
from pbapp.demo.verification import load_verification_demo
from pbapp.extensions import db
from pbapp.models import NeedIndicator, Neighbourhood, User, UserRole

WARDS_CSV = Path(__file__).resolve().parent / "sheffield_wards.csv"
IMD_SOURCE = (
    "MHCLG English Indices of Deprivation {year}, population-weighted ward average (OGL v3)"
)
# Sources of the demo's other figures, by indicator.
SOURCES = {
    "income_deprived_people": "MHCLG English Indices of Deprivation {year}, income-deprived "
    "people (File 7 numerators) summed over the ward's LSOAs (OGL v3)",
    "population": "ONS Census {year}, usual residents (OGL v3)",
}

# Demo passwords are printed by `make run`; the demo refuses to load in production.
DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    name: str
    email: str
    ward: str | None


DEMO_ACCOUNTS = (
    DemoAccount("resident", "Rosa Resident", "resident@demo.test", "Burngreave"),
    DemoAccount("officer", "Omar Officer", "officer@demo.test", None),
    DemoAccount("funder", "Fatima Funder", "funder@demo.test", None),
    DemoAccount("vcs", "Victor Community", "vcs@demo.test", None),
    DemoAccount("admin", "Ada Admin", "admin@demo.test", None),
)


@dataclass
class LoadReport:
    neighbourhoods_added: int = 0
    indicators_added: int = 0
    accounts_added: int = 0
    processes_added: int = 0


def load_demo() -> LoadReport:
    """Add whatever of the demo is missing. Does not commit."""
    report = LoadReport()
    existing = {n.code: n for n in db.session.scalars(select(Neighbourhood))}
    with WARDS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            area = existing.get(row["code"])
            if area is None:
                area = Neighbourhood(
                    code=row["code"],
                    name=row["name"],
                    population=int(row["population"]),
                    area_group=row["area_group"] or None,
                )
                db.session.add(area)
                existing[area.code] = area
                report.neighbourhoods_added += 1
            have = {(i.indicator, i.year) for i in area.indicators}
            for indicator, year, column in (
                ("imd_score", 2025, "imd2025_score"),
                ("imd_score", 2019, "imd2019_score"),
                ("most_deprived_decile_share", 2025, "imd2025_share_most_deprived_decile"),
                ("income_deprived_people", 2025, "income_deprived_people_2025"),
                ("population", 2021, "population"),
            ):
                if (indicator, year) not in have and row[column]:
                    area.indicators.append(
                        NeedIndicator(
                            indicator=indicator,
                            year=year,
                            value=float(row[column]),
                            source=SOURCES.get(indicator, IMD_SOURCE).format(year=year),
                        )
                    )
                    report.indicators_added += 1
    db.session.flush()
    by_name = {n.name: n for n in existing.values()}
    for account in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == account.email)) is not None:
            continue
        roles = {account.role} | ({"resident"} if account.ward else set())
        user = User(
            name=account.name,
            email=account.email,
            neighbourhood=by_name[account.ward] if account.ward else None,
            role_rows=[UserRole(role=r) for r in sorted(roles)],
        )
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        report.accounts_added += 1
    db.session.flush()
    officer = db.session.scalar(select(User).where(User.email == "officer@demo.test"))
    resident = db.session.scalar(select(User).where(User.email == "resident@demo.test"))
    report.processes_added = load_pb_demo(officer, resident)
    db.session.flush()
    load_core_funding_demo()
    db.session.flush()
    load_funding_demo()
    db.session.flush()
    load_accountability_demo()  # last: it tracks delivery of what the demos above funded
    db.session.flush()
    load_verification_demo(officer, resident)
    db.session.flush()
    return report
