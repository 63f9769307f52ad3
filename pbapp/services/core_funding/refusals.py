"""Plain words for a round the formula refuses, chosen by the error's code and its figures.

The words never come from the engine's message: rewording a message in ``allocation`` cannot
change what officers read here (issue 15).
"""

from __future__ import annotations

import math
from typing import Any

from allocation.core_funding import CoreFundingError
from pbapp.services.core_funding.document import RoundProblem

# Codes of inputs the service builds itself: reaching one means the data or the settings hold a
# figure the formula cannot use, which the officer can correct in the settings or the profile.
_INPUT_WORDS = {
    "negative": "a figure that must not be negative is negative",
    "wrong_type": "a figure is not a number",
    "not_finite": "a figure is not a finite number",
    "out_of_range": "a setting is outside its allowed range",
    "duplicate": "a group or neighbourhood is listed twice",
    "unknown_neighbourhood": "a group reaches people in a neighbourhood with no need figure",
    "income_years": "a group has more than three years of income",
    "above_bands": "a group's income is above every size band",
    "no_bands": "the round has no size band",
    "bands_order": "each band's top income must be above the one before",
    "base_too_steep": "a band's base changes by more than £1 for each £1 of income, which a "
    "tapered base does not allow",
    "need_all_zero": "every neighbourhood has need 0, so need cannot weight reach",
    "not_whole_pounds": "the pot is not a whole number of pounds",
}


def explain_refusal(error: CoreFundingError, document: dict[str, Any]) -> RoundProblem:
    """Turn the formula's refusal into plain words with the figures that show why."""
    n = error.numbers
    pot = n.get("pot")
    if error.code == "floors_exceed_pot":
        floors = n["floors_total"]
        return RoundProblem(
            f"The stability floors alone come to £{floors:,} a year, £{floors - pot:,} more than "
            f"the pot of £{pot:,}. Each group that had an award in the last round is promised at "
            f"least its old award less the stability band. Raise the pot to at least £{floors:,}, "
            "or widen the stability band.",
            n,
        )
    if error.code == "bases_exceed_pot":
        bases = math.ceil(n["base_total"])
        # The equality share counts here only when some group claims it (else it is not set aside).
        claimed = any(g.get("equality_reach") for g in document.get("groups", []))
        if document.get("equality_share") and claimed:
            what, lower = "The base amounts and the equality share", "the base amounts or the share"
        else:
            what, lower = "The base amounts", "the base amounts"
        return RoundProblem(
            f"{what} alone come to £{bases:,} a year, more than the pot of £{pot:,}, leaving "
            f"nothing to share by the people groups reach. Lower {lower}, or raise the pot "
            f"above £{bases:,}.",
            n,
        )
    if error.code == "caps_below_pot":
        ceiling = math.floor(n["ceiling_total"])
        return RoundProblem(
            f"The caps let the groups receive at most £{ceiling:,} a year in total, "
            f"£{pot - ceiling:,} less than the pot of £{pot:,}. Raise the cap or the income "
            f"limit, or lower the pot to £{ceiling:,} or less.",
            n,
        )
    name = _group_name(error.group, document)
    if error.code == "subsidy_limit":
        return RoundProblem(
            f"{name} trades, so its award is a subsidy. Its award over the round, "
            f"£{n['award_total']:,}, with £{_pounds(n['received'])} of Minimal Financial "
            f"Assistance it has had in this and the two previous financial years, comes to "
            f"£{_pounds(n['total'])}: over the threshold of £{_pounds(n['threshold'])}. Lower "
            "the cap, or check the group's declaration with it.",
            n,
        )
    words = _INPUT_WORDS.get(error.code, "one of its figures cannot be used")
    where = f" ({name})" if name else ""
    return RoundProblem(f"The round cannot be computed: {words}{where}.", n)


def _group_name(group: str | None, document: dict[str, Any]) -> str:
    if group is None:
        return ""
    return document.get("about", {}).get("groups", {}).get(group, {}).get("name", group)


def _pounds(value: Any) -> str:
    return f"{math.ceil(value):,}"
