"""How figures are shown: one helper per kind of figure, used by every template."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask
from flask_babel import ngettext, npgettext
from flask_login import current_user

# Figures are written in latin digits (0-9) in every language, Arabic and Urdu included: the
# dates (Babel's date formats), receipt codes, postcodes and amounts typed into forms are all in
# latin digits, CLDR's default for ar and ur is latn too, and a resident comparing a figure on
# the page with a council letter sees the same digits. Grouping and decimal marks follow the
# language (Polish '12 345', Slovak '45 %').
NUMBERING_SYSTEM = "latn"
MINUS = "\u2212"  # money shows a true minus sign, '−£120', in every language


def _locale() -> Locale:
    """The reader's language (English outside a request)."""
    from flask_babel import get_locale

    return get_locale() or Locale("en")


def _fixed(value: float | int | Decimal, places: int) -> Decimal:
    """``value`` rounded to ``places`` exactly as ``f"{value:.{places}f}"`` rounds it (so English
    keeps the figures it has always shown), as a Decimal for Babel to write out."""
    return Decimal(f"{value:.{places}f}")


def _with_places(pattern: str, places: int) -> str:
    """A CLDR number pattern ('#,##0.###', '¤#,##0.00', '#,##0\xa0%') showing exactly
    ``places`` decimal places, the language's grouping, signs and symbol order kept."""

    def one(part: str) -> str:
        part = re.sub(r"\.[0#]+", "", part)
        decimals = "." + "0" * places if places else ""
        return re.sub(r"[#,0]*0", lambda m: m.group(0) + decimals, part, count=1)

    return ";".join(one(part) for part in pattern.split(";"))


def money(pounds: int | None) -> str:
    """Whole pounds as '£12,345' (money is stored as whole pounds or pence, never a float).

    Other languages write the amount their own way ('12 345 £' in Polish), always in pounds and
    with the '£' sign."""
    if pounds is None:
        return "—"
    locale = _locale()
    amount = Decimal(abs(int(pounds)))
    text = babel_numbers.format_currency(
        amount.copy_negate() if pounds < 0 else amount,  # -0.3 is '−£0', as it always was
        "GBP",
        # The language's own pattern ('¤#,##0.00', '#,##0.00 ¤', ...) without the pence.
        _with_places(locale.currency_formats["standard"].pattern, 0),
        locale=locale,
        currency_digits=False,
        numbering_system=NUMBERING_SYSTEM,
    )
    symbol = babel_numbers.get_currency_symbol("GBP", locale)
    return text.replace(symbol, "£").replace("-", MINUS)


def number(value: float | int | None, places: int = 0) -> str:
    """'1,204' (and '1,204.5' with ``places=1``) in English; '1 204' in Polish."""
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value:,.{places}f}"
    locale = _locale()
    return babel_numbers.format_decimal(
        _fixed(value, places),
        _with_places(locale.decimal_formats[None].pattern, places),
        locale=locale,
        numbering_system=NUMBERING_SYSTEM,
    )


def percent(share: float | None, places: int = 0) -> str:
    """A share as '45%' ('45 %' in Slovak); no thousands separator, as always."""
    if share is None:
        return "—"
    if isinstance(share, float) and not math.isfinite(share):
        return f"{share * 100:.{places}f}%"
    locale = _locale()
    return babel_numbers.format_percent(
        _fixed(share * 100, places).scaleb(-2),
        _with_places(locale.percent_formats[None].pattern, places),
        locale=locale,
        group_separator=False,
        numbering_system=NUMBERING_SYSTEM,
    )


def chart_number(value: float | int) -> str:
    """A figure beside a bar: whole numbers as they are, others to one decimal place."""
    return number(value, 0 if float(value).is_integer() else 1)


# Every noun a count is shown with, as a gettext plural so each language has its own forms
# (Polish and Slovak have three, Arabic six). ``counted(n, 'project')`` with a noun missing here
# raises KeyError: add the noun here (tests/test_translations.py checks every use is listed).
_Counted = Callable[[int, str], str]
COUNTED: dict[str, _Counted] = {
    "ballot": lambda n, count: ngettext("%(count)s ballot", "%(count)s ballots", n, count=count),
    "batch": lambda n, count: ngettext("%(count)s batch", "%(count)s batches", n, count=count),
    "budget": lambda n, count: ngettext("%(count)s budget", "%(count)s budgets", n, count=count),
    "change": lambda n, count: ngettext("%(count)s change", "%(count)s changes", n, count=count),
    "event": lambda n, count: ngettext("%(count)s event", "%(count)s events", n, count=count),
    "gap": lambda n, count: ngettext("%(count)s gap", "%(count)s gaps", n, count=count),
    "group": lambda n, count: ngettext("%(count)s group", "%(count)s groups", n, count=count),
    "indicator": lambda n, count: ngettext(
        "%(count)s indicator", "%(count)s indicators", n, count=count
    ),
    "neighbourhood": lambda n, count: ngettext(
        "%(count)s neighbourhood", "%(count)s neighbourhoods", n, count=count
    ),
    "neighbourhood theme": lambda n, count: ngettext(
        "%(count)s neighbourhood theme", "%(count)s neighbourhood themes", n, count=count
    ),
    "paper ballot": lambda n, count: ngettext(
        "%(count)s paper ballot", "%(count)s paper ballots", n, count=count
    ),
    "person": lambda n, count: ngettext("%(count)s person", "%(count)s people", n, count=count),
    "point": lambda n, count: ngettext("%(count)s point", "%(count)s points", n, count=count),
    "problem": lambda n, count: ngettext("%(count)s problem", "%(count)s problems", n, count=count),
    "project": lambda n, count: ngettext("%(count)s project", "%(count)s projects", n, count=count),
    "proposal": lambda n, count: ngettext(
        "%(count)s proposal", "%(count)s proposals", n, count=count
    ),
    "published result": lambda n, count: ngettext(
        "%(count)s published result", "%(count)s published results", n, count=count
    ),
    "resident": lambda n, count: ngettext(
        "%(count)s resident", "%(count)s residents", n, count=count
    ),
    "verification": lambda n, count: ngettext(
        "%(count)s verification", "%(count)s verifications", n, count=count
    ),
    "year": lambda n, count: ngettext("%(count)s year", "%(count)s years", n, count=count),
}

# The words ``plural`` is used with: a verb agreeing with a count shown before it.
PLURAL: dict[str, Callable[[int], str]] = {
    "is": lambda n: npgettext("verb after a count: '3 projects are funded'", "is", "are", n),
    "was": lambda n: npgettext("verb after a count: '2 ballots were voided'", "was", "were", n),
}

# gettext chooses a plural form by a whole number. A fraction ('2.5 years') takes the form a
# language uses for "many"/"other": 100 selects it in every language we have (English 'years',
# Polish/Slovak genitive plural, Arabic 'other').
_FRACTION = 100


def _plural_n(n: int | float | None) -> int:
    if n is None:  # an unknown count, '— people', takes the same form
        return _FRACTION
    return int(n) if float(n).is_integer() else _FRACTION


def plural(word: str, n: int | float) -> str:
    """``word`` in the form that goes with ``n``: 'is' for 1, 'are' otherwise."""
    return PLURAL[word](_plural_n(n))


def counted(n: int | float | None, word: str) -> str:
    """A count with its noun: '1 project', '2 projects', '1 person', '1,204 people'.

    The one place plurals are made; every template uses it as the ``counted`` filter.
    """
    forms = COUNTED[word]
    if n is None:
        return forms(_plural_n(None), "—")
    # English has shown an int as '3' and a float as '3.0' or '2.5' (one place).
    english = f"{n:,}" if float(n).is_integer() else f"{n:,.1f}"
    places = len(english.partition(".")[2])
    return forms(_plural_n(n), number(n, places))


# Dates in words. English keeps the exact strftime forms the pages have always shown; every other
# language gets the same shape from the Unicode CLDR patterns through Babel, with its own month
# and day names. Filter name: (strftime for English, CLDR pattern for other languages).
DATE_FORMATS = {
    "long_date": ("%-d %B %Y", "d MMMM y"),  # 4 December 2026
    "short_date": ("%-d %b %Y", "d MMM y"),  # 4 Dec 2026
    "long_date_time": ("%-d %B %Y %H:%M", "d MMMM y HH:mm"),  # 4 December 2026 21:05
    "short_date_time": ("%-d %b %Y %H:%M", "d MMM y HH:mm"),  # 4 Dec 2026 21:05
    "weekday_date": ("%A %-d %B", "EEEE d MMMM"),  # Friday 4 December
}


def _language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "en"


def in_words(value: date | datetime | None, kind: str = "long_date") -> str:
    """A date (or date and time) in words, in the reader's language: ``in_words(d)``."""
    if value is None:
        return "—"
    english, pattern = DATE_FORMATS[kind]
    language = _language()
    if language == "en":
        return value.strftime(english)
    if isinstance(value, datetime):
        return babel_dates.format_datetime(value, pattern, locale=language)
    return babel_dates.format_date(value, pattern, locale=language)


def register(app: Flask) -> None:
    for kind in DATE_FORMATS:
        app.add_template_filter(lambda value, kind=kind: in_words(value, kind), kind)
    app.add_template_filter(money)
    app.add_template_filter(number)
    app.add_template_filter(percent)
    app.add_template_filter(chart_number)
    app.add_template_filter(counted)
    app.add_template_filter(plural)
    from pbapp.forms import cap_echo

    app.add_template_global(cap_echo)

    @app.context_processor
    def navigation():
        from pbapp.auth.forms import SignOutForm

        return {
            # formdata=None: it only carries its CSRF token, and must not read the body of the
            # request (a 413 page is shown for a body too large to read).
            "sign_out_form": SignOutForm(formdata=None) if current_user.is_authenticated else None,
            "city_name": app.config["CITY_NAME"],
        }
