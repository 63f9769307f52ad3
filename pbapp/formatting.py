"""How figures are shown: one helper per kind of figure, used by every template."""

from __future__ import annotations

from datetime import date, datetime

from babel import dates as babel_dates
from flask import Flask
from flask_login import current_user


def money(pounds: int | None) -> str:
    """Whole pounds as '£12,345' (money is stored as whole pounds or pence, never a float)."""
    if pounds is None:
        return "—"
    sign = "−" if pounds < 0 else ""
    return f"{sign}£{abs(int(pounds)):,}"


def number(value: float | int | None, places: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{places}f}"


def percent(share: float | None, places: int = 0) -> str:
    if share is None:
        return "—"
    return f"{share * 100:.{places}f}%"


# Words whose plural is not the word with "s" added.
IRREGULAR_PLURALS = {"person": "people", "child": "children", "is": "are", "was": "were"}


def plural(word: str, n: int | float) -> str:
    """``word`` in the form that goes with ``n``: 'project' for 1, 'projects' otherwise."""
    if n == 1:
        return word
    return IRREGULAR_PLURALS.get(word, word + "s")


def counted(n: int | float | None, word: str) -> str:
    """A count with its noun: '1 project', '2 projects', '1 person', '1,204 people'.

    The one place plurals are made; every template uses it as the ``counted`` filter.
    """
    if n is None:
        return f"— {plural(word, 2)}"
    shown = f"{n:,}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{shown} {plural(word, n)}"


def chart_number(value: float | int) -> str:
    """A figure beside a bar: whole numbers as they are, others to one decimal place."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


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
