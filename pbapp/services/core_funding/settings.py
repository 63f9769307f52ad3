"""A round's settings as an officer sets them, checked, and stored as the formula's parameters."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from allocation.core_funding import DEFAULT_MFA_THRESHOLD
from pbapp.models.core_funding import CoreFundingRound
from pbapp.services.core_funding.common import pounds_text, too_long
from pbapp.services.core_funding.profiles import MAX_INCOME
from pbapp.services.errors import FieldError

MAX_BANDS = 4
DEFAULT_INTENSIVE_DEFINITION = "Ten hours or more of contact with the person in the period"
MAX_POT = 100_000_000


@dataclass
class RoundSettings:
    """A round as an officer sets it. Percentages as typed (50 means 50%)."""

    title: str
    pot: int | None
    years: int | None
    first_year: int | None
    bands: list[tuple[int | None, int | None]]  # (top income or None for the last, base)
    alpha: Decimal | None
    cap: int | None
    cap_income_percent: Decimal | None
    delta_percent: Decimal | None
    # The fair formula (issue 24). The defaults are the values recommended for a new round;
    # a round saved before these settings existed reads as the first formula (FIRST_FORMULA).
    base_taper: bool = True
    reach_exponent: Decimal | None = Decimal("0.5")
    intensive_weight: Decimal | None = Decimal(4)
    unchecked_reach_cap: int | None = 500
    equality_percent: Decimal | None = Decimal(10)
    cap_income_allowance: int | None = 2_000
    mfa_threshold: int | None = DEFAULT_MFA_THRESHOLD
    intensive_definition: str = DEFAULT_INTENSIVE_DEFINITION


DEFINITION_MAX = 300

#: The settings of the first formula, which a round saved before the fair formula keeps.
FIRST_FORMULA: dict[str, Any] = {
    "base_taper": False,
    "reach_exponent": Decimal(1),
    "intensive_weight": Decimal(1),
    "unchecked_reach_cap": None,
    "equality_percent": Decimal(0),
    "cap_income_allowance": 0,
    "mfa_threshold": DEFAULT_MFA_THRESHOLD,
    "intensive_definition": "",
}


DEFAULT_SETTINGS = RoundSettings(
    title="",
    pot=None,
    years=3,
    first_year=None,
    bands=[(10_000, 1_000), (100_000, 3_000), (1_000_000, 5_000), (None, 8_000)],
    alpha=Decimal(1),
    cap=25_000,
    cap_income_percent=Decimal(50),
    delta_percent=Decimal(10),
)


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def check_settings(settings: RoundSettings) -> None:
    """Raise ``FieldError`` naming the first setting that is missing or out of range."""
    settings.title = settings.title.strip()
    if not settings.title:
        raise FieldError("title", _("Give the round a title."))
    if len(settings.title) > 200:
        raise FieldError("title", too_long(200))
    if settings.pot is None or settings.pot <= 0:
        raise FieldError("pot", _("Enter the pot per year in whole pounds, more than £0."))
    if settings.pot > MAX_POT:
        raise FieldError(
            "pot", _("Enter a pot of at most %(amount)s a year.", amount=pounds_text(MAX_POT))
        )
    if settings.years is None or not 1 <= settings.years <= 10:
        raise FieldError("years", _("Enter between 1 and 10 years."))
    if settings.first_year is None or not 2000 <= settings.first_year <= 2100:
        raise FieldError("first_year", _("Enter the year the round starts, like 2027."))
    bands = settings.bands
    if not bands or len(bands) > MAX_BANDS:
        raise FieldError("band1_base", _("Set between 1 and 4 size bands."))
    previous_top = -1
    for i, (top, base) in enumerate(bands, start=1):
        last = i == len(bands)
        if not last and top is None and base is None:
            continue  # an unused band
        if base is None or base < 0:
            raise FieldError(
                f"band{i}_base", _("Enter the base amount in whole pounds, £0 or more.")
            )
        if base > MAX_POT:
            raise FieldError(
                f"band{i}_base",
                _("Enter a base amount of at most %(amount)s.", amount=pounds_text(MAX_POT)),
            )
        if last:
            continue
        if top is None:
            raise FieldError(f"band{i}_max", _("Enter the top income of this band."))
        if top > MAX_INCOME:
            raise FieldError(
                f"band{i}_max",
                _("Enter a top income of at most %(amount)s.", amount=pounds_text(MAX_INCOME)),
            )
        if top <= previous_top:
            raise FieldError(
                f"band{i}_max", _("Each band's top income must be above the one before.")
            )
        previous_top = top
    if settings.alpha is None or not Decimal(0) <= settings.alpha <= Decimal(3):
        raise FieldError("alpha", _("Enter a need weighting between 0 and 3, like 1 or 0.5."))
    if settings.cap is not None and not 0 < settings.cap <= MAX_POT:
        raise FieldError("cap", _("Enter a cap above £0, or leave it empty for no cap."))
    if settings.cap_income_percent is not None and not (
        Decimal(0) < settings.cap_income_percent <= Decimal(1000)
    ):
        raise FieldError(
            "cap_income_percent",
            _("Enter a percentage above 0 and at most 1000, or leave it empty for no limit."),
        )
    if settings.delta_percent is None or not Decimal(0) <= settings.delta_percent <= Decimal(100):
        raise FieldError("delta_percent", _("Enter a stability band between 0% and 100%."))
    _check_fair_settings(settings)


def _check_fair_settings(settings: RoundSettings) -> None:
    settings.intensive_definition = (settings.intensive_definition or "").strip()
    if len(settings.intensive_definition) > DEFINITION_MAX:
        raise FieldError("intensive_definition", too_long(DEFINITION_MAX))
    if settings.intensive_weight not in (None, Decimal(1)) and not settings.intensive_definition:
        raise FieldError(
            "intensive_definition",
            _("Say what counts as intensive support, for example ten hours of contact or more."),
        )
    beta = settings.reach_exponent
    if beta is None or not Decimal(0) < beta <= Decimal(1):
        raise FieldError(
            "reach_exponent",
            _(
                "Enter a reach exponent above 0 and at most 1: 0.5 is a square root, 1 counts every "
                "person the same however many there are."
            ),
        )
    if settings.intensive_weight is None or not Decimal(1) <= settings.intensive_weight <= 20:
        raise FieldError(
            "intensive_weight", _("Enter a weight for intensive support from 1 to 20.")
        )
    if settings.unchecked_reach_cap is not None and not 0 < settings.unchecked_reach_cap <= (
        MAX_INCOME
    ):
        raise FieldError(
            "unchecked_reach_cap",
            _("Enter 1 or more people, or leave it empty to count unchecked figures in full."),
        )
    share = settings.equality_percent
    if share is None or not Decimal(0) <= share <= Decimal(50):
        raise FieldError("equality_percent", _("Enter an equality share between 0% and 50%."))
    allowance = settings.cap_income_allowance
    if allowance is None or not 0 <= allowance <= MAX_POT:
        raise FieldError(
            "cap_income_allowance", _("Enter the allowance in whole pounds, £0 or more.")
        )
    if settings.mfa_threshold is None or not 0 < settings.mfa_threshold <= MAX_INCOME:
        raise FieldError(
            "mfa_threshold",
            _(
                "Enter the threshold in force in whole pounds (%(amount)s since 2022).",
                amount=pounds_text(DEFAULT_MFA_THRESHOLD),
            ),
        )
    if settings.base_taper:
        used = [
            (i, top, base)
            for i, (top, base) in enumerate(settings.bands, start=1)
            if base is not None
        ]
        low = 0
        for (_i, top, base), (j, _top, next_base) in zip(used, used[1:], strict=False):
            if top is not None and abs(next_base - base) > top - low:
                raise FieldError(
                    f"band{j}_base",
                    _(
                        "With a tapered base, a base may change by at most £1 for each £1 of "
                        "income across the band before it. Lower the step or widen that band."
                    ),
                )
            low = top or low


def parameters_of(settings: RoundSettings) -> dict[str, Any]:
    """The formula's parameters as stored on a round (fractions as exact decimal strings)."""
    used = [
        (top, base)
        for i, (top, base) in enumerate(settings.bands)
        if i == len(settings.bands) - 1 or top is not None or base is not None
    ]
    bands = [
        {"max_income": top if i < len(used) - 1 else None, "base": base}
        for i, (top, base) in enumerate(used)
    ]
    return {
        "bands": bands,
        "alpha": _decimal_text(settings.alpha),  # type: ignore[arg-type]
        "cap": settings.cap,
        "cap_income_fraction": (
            None
            if settings.cap_income_percent is None
            else _decimal_text(settings.cap_income_percent / 100)
        ),
        "delta": _decimal_text(settings.delta_percent / 100),  # type: ignore[operator]
        "base_taper": settings.base_taper,
        "reach_exponent": _decimal_text(settings.reach_exponent),  # type: ignore[arg-type]
        "intensive_weight": _decimal_text(settings.intensive_weight),  # type: ignore[arg-type]
        "unchecked_reach_cap": settings.unchecked_reach_cap,
        "equality_share": _decimal_text(settings.equality_percent / 100),  # type: ignore[operator]
        "cap_income_allowance": settings.cap_income_allowance,
        "mfa_threshold": settings.mfa_threshold,
        "intensive_definition": settings.intensive_definition,
    }


def settings_of(funding_round: CoreFundingRound) -> RoundSettings:
    """The settings a round was saved with, ready to fill a form or compute."""
    p = funding_round.parameters
    fraction = p.get("cap_income_fraction")
    return RoundSettings(
        title=funding_round.title,
        pot=funding_round.pot,
        years=funding_round.years,
        first_year=funding_round.first_year,
        bands=_form_bands(p["bands"]),
        alpha=Decimal(p["alpha"]),
        cap=p.get("cap"),
        cap_income_percent=None if fraction is None else Decimal(fraction) * 100,
        delta_percent=Decimal(p["delta"]) * 100,
        base_taper=p.get("base_taper", FIRST_FORMULA["base_taper"]),
        reach_exponent=Decimal(p.get("reach_exponent", FIRST_FORMULA["reach_exponent"])),
        intensive_weight=Decimal(p.get("intensive_weight", FIRST_FORMULA["intensive_weight"])),
        unchecked_reach_cap=p.get("unchecked_reach_cap", FIRST_FORMULA["unchecked_reach_cap"]),
        equality_percent=Decimal(p.get("equality_share", 0)) * 100,
        cap_income_allowance=p.get("cap_income_allowance", FIRST_FORMULA["cap_income_allowance"]),
        mfa_threshold=p.get("mfa_threshold", FIRST_FORMULA["mfa_threshold"]),
        intensive_definition=p.get("intensive_definition", FIRST_FORMULA["intensive_definition"]),
    )


def _form_bands(bands: list[dict[str, Any]]) -> list[tuple[int | None, int | None]]:
    """Stored bands as the form's four rows: unused rows empty, the open-ended band last."""
    rows: list[tuple[int | None, int | None]] = [(b["max_income"], b["base"]) for b in bands]
    padding: list[tuple[int | None, int | None]] = [(None, None)] * (MAX_BANDS - len(rows))
    return rows[:-1] + padding + rows[-1:]


def band_labels(bands: list[dict[str, Any]]) -> list[str]:
    """Plain labels of the size bands: 'Up to £10,000', '£10,001 to £100,000', 'Over £100,000'.

    In the reader's language; the published CSV asks for English (``force_locale("en")``).
    """
    labels = []
    floor = None
    for band in bands:
        top = band["max_income"]
        if floor is None:
            labels.append(
                _("Up to %(amount)s", amount=pounds_text(top))
                if top is not None
                else _("Any income")
            )
        elif top is None:
            labels.append(_("Over %(amount)s", amount=pounds_text(floor)))
        else:
            labels.append(
                _(
                    "%(lowest)s to %(highest)s",
                    lowest=pounds_text(floor + 1),
                    highest=pounds_text(top),
                )
            )
        floor = top
    return labels
