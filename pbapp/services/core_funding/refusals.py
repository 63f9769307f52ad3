"""Plain words for a round the formula refuses, chosen by the error's code and its figures.

The words never come from the engine's message: rewording a message in ``allocation`` cannot
change what officers read here (issue 15).
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from allocation.core_funding import CoreFundingError
from pbapp.services.core_funding.common import pounds_text
from pbapp.services.core_funding.document import RoundProblem

# Codes of inputs the service builds itself: reaching one means the data or the settings hold a
# figure the formula cannot use, which the officer can correct in the settings or the profile.
# Each completes "The round cannot be computed: …".
_INPUT_WORDS = {
    "negative": _l("a figure that must not be negative is negative"),
    "wrong_type": _l("a figure is not a number"),
    "not_finite": _l("a figure is not a finite number"),
    "out_of_range": _l("a setting is outside its allowed range"),
    "duplicate": _l("a group or neighbourhood is listed twice"),
    "unknown_neighbourhood": _l("a group reaches people in a neighbourhood with no need figure"),
    "income_years": _l("a group has more than three years of income"),
    "above_bands": _l("a group's income is above every size band"),
    "no_bands": _l("the round has no size band"),
    "bands_order": _l("each band's top income must be above the one before"),
    "base_too_steep": _l(
        "a band's base changes by more than £1 for each £1 of income, which a "
        "tapered base does not allow"
    ),
    "need_all_zero": _l("every neighbourhood has need 0, so need cannot weight reach"),
    "not_whole_pounds": _l("the pot is not a whole number of pounds"),
}


def explain_refusal(error: CoreFundingError, document: dict[str, Any]) -> RoundProblem:
    """Turn the formula's refusal into plain words with the figures that show why."""
    n = error.numbers
    pot = n.get("pot")
    if error.code == "floors_exceed_pot":
        floors = n["floors_total"]
        return RoundProblem(
            _(
                "The stability floors alone come to %(floors)s a year, %(over)s more than the "
                "pot of %(pot)s. Each group that had an award in the last round is promised at "
                "least its old award less the stability band. Raise the pot to at least "
                "%(floors)s, or widen the stability band.",
                floors=pounds_text(floors),
                over=pounds_text(floors - pot),
                pot=pounds_text(pot),
            ),
            n,
        )
    if error.code == "bases_exceed_pot":
        bases = math.ceil(n["base_total"])
        # The equality share counts here only when some group claims it (else it is not set aside).
        claimed = any(g.get("equality_reach") for g in document.get("groups", []))
        if document.get("equality_share") and claimed:
            message = _(
                "The base amounts and the equality share alone come to %(bases)s a year, more "
                "than the pot of %(pot)s, leaving nothing to share by the people groups reach. "
                "Lower the base amounts or the share, or raise the pot above %(bases)s.",
                bases=pounds_text(bases),
                pot=pounds_text(pot),
            )
        else:
            message = _(
                "The base amounts alone come to %(bases)s a year, more than the pot of "
                "%(pot)s, leaving nothing to share by the people groups reach. Lower the base "
                "amounts, or raise the pot above %(bases)s.",
                bases=pounds_text(bases),
                pot=pounds_text(pot),
            )
        return RoundProblem(message, n)
    if error.code == "caps_below_pot":
        ceiling = math.floor(n["ceiling_total"])
        return RoundProblem(
            _(
                "The caps let the groups receive at most %(ceiling)s a year in total, %(short)s "
                "less than the pot of %(pot)s. Raise the cap or the income limit, or lower the "
                "pot to %(ceiling)s or less.",
                ceiling=pounds_text(ceiling),
                short=pounds_text(pot - ceiling),
                pot=pounds_text(pot),
            ),
            n,
        )
    name = _group_name(error.group, document)
    if error.code == "subsidy_limit":
        return RoundProblem(
            _(
                "%(group)s trades, so its award is a subsidy. Its award over the round, "
                "%(award)s, with %(received)s of Minimal Financial Assistance it has had in this "
                "and the two previous financial years, comes to %(total)s: over the threshold of "
                "%(threshold)s. Lower the cap, or check the group's declaration with it.",
                group=name,
                award=pounds_text(n["award_total"]),
                received=_pounds(n["received"]),
                total=_pounds(n["total"]),
                threshold=_pounds(n["threshold"]),
            ),
            n,
        )
    words = _INPUT_WORDS.get(error.code) or _("one of its figures cannot be used")
    if name:
        return RoundProblem(
            # Translators: problem is a phrase such as "a figure is not a number"; group, a name.
            _("The round cannot be computed: %(problem)s (%(group)s).", problem=words, group=name),
            n,
        )
    # Translators: problem is a phrase such as "a figure is not a number".
    return RoundProblem(_("The round cannot be computed: %(problem)s.", problem=words), n)


def _group_name(group: str | None, document: dict[str, Any]) -> str:
    if group is None:
        return ""
    return document.get("about", {}).get("groups", {}).get(group, {}).get("name", group)


def _pounds(value: Any) -> str:
    return pounds_text(math.ceil(value))
