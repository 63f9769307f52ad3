"""The one disclosure policy for what a published result says about people (docs/disclosure.md).

Every public output of a result (results page, JSON API, open-data CSV and JSON, the ``.pb``
ballots file, the fairness dashboard) asks this module what it may show, so that no output
says more than another.

- ``DETAIL_FROM = 10``: a budget with fewer ballots publishes which projects were funded and
  the money spent, but no count of ballots or votes, no shares of the budget, no percentages of
  voters and no ballots file: with a handful of ballots, anyone who knows how some of the
  voters voted can work out how the others did.
- ``PEOPLE_FROM = 5``: a count of people below 5 (zero included) is never published; the
  ballots file, whose totals are counts of people, is published only when every project on the
  ballot has at least 5 supporters.
- A percentage of voters is published only when the counts of people it is made of (those with
  and those without a funded project) are both published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from pbapp.models.vocabulary import N_

DETAIL_FROM = 10
PEOPLE_FROM = 5
# Written out (not f-strings) so the translators' catalogue has them: pages show them in the
# reader's language; the API, open data and files keep these English words.
FEW_BALLOTS = N_("fewer than 10")
FEW_PEOPLE = N_("fewer than 5")
NOT_PUBLISHED = N_("not published (fewer than 10 ballots)")
if (
    f"fewer than {DETAIL_FROM}",
    f"fewer than {PEOPLE_FROM}",
    f"not published (fewer than {DETAIL_FROM} ballots)",
) != (FEW_BALLOTS, FEW_PEOPLE, NOT_PUBLISHED):
    raise RuntimeError("the disclosure words no longer say the thresholds: write them again")

WHY_FEW_BALLOTS = (
    f"This budget had fewer than {DETAIL_FROM} ballots, so only which projects were funded is "
    "published: with so few ballots, counts, shares or the ballots themselves could show how "
    "one person voted."
)
WHY_NO_FILE = (
    f"The anonymised ballots are not published: at least one project had fewer than "
    f"{PEOPLE_FROM} supporters, and the ballots would show how many, and could show who."
)


@dataclass(frozen=True)
class Disclosure:
    """What may be published about one budget's result."""

    ballots: int
    supporters: dict[str, int]  # proposal id (as text) -> supporters, from the explanation

    @property
    def detailed(self) -> bool:
        return self.ballots >= DETAIL_FROM

    @property
    def ballots_file(self) -> bool:
        return self.detailed and all(n >= PEOPLE_FROM for n in self.supporters.values())

    @property
    def voters(self) -> int | None:
        """The number of ballots, when it may be published."""
        return self.ballots if self.detailed else None

    @property
    def voters_text(self) -> str:
        return f"{self.ballots:,}" if self.detailed else FEW_BALLOTS

    def people(self, count: int | float | None) -> int | None:
        """A count of people (supporters of a project), when it may be published."""
        if count is None or not self.detailed or count < PEOPLE_FROM:
            return None
        return int(count)

    def share_of_voters(self, share: float | None) -> float | None:
        """A share of the voters (0..1), when both of the counts behind it may be published."""
        if share is None or not self.detailed:
            return None
        with_ = round(share * self.ballots)
        if with_ < PEOPLE_FROM or self.ballots - with_ < PEOPLE_FROM:
            return None
        return share

    @property
    def reason(self) -> str | None:
        """Why something is withheld, in plain words (None when nothing is)."""
        if not self.detailed:
            return WHY_FEW_BALLOTS
        if not self.ballots_file:
            return WHY_NO_FILE
        return None

    @property
    def reason_in_words(self) -> str | None:
        """``reason`` in the reader's language, for pages (the API and downloads keep
        ``reason``, in English, as their published contract)."""
        if not self.detailed:
            return _(
                "This budget had fewer than %(count)s ballots, so only which projects were "
                "funded is published: with so few ballots, counts, shares or the ballots "
                "themselves could show how one person voted.",
                count=DETAIL_FROM,
            )
        if not self.ballots_file:
            return _(
                "The anonymised ballots are not published: at least one project had fewer "
                "than %(count)s supporters, and the ballots would show how many, and could "
                "show who.",
                count=PEOPLE_FROM,
            )
        return None


def for_result(result: Any) -> Disclosure:
    """The disclosure of a stored ``Result`` (its ballot count and explanation)."""
    lines = (result.explanation or {}).get("projects", [])
    return Disclosure(
        ballots=int(result.voters),
        supporters={
            str(line.get("id")): int(line.get("supporters") or 0)
            for line in lines
            if line.get("id") is not None
        },
    )
