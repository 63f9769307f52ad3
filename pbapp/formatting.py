"""How figures are shown: one helper per kind of figure, used by every template."""

from __future__ import annotations

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


def chart_number(value: float | int) -> str:
    """A figure beside a bar: whole numbers as they are, others to one decimal place."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def register(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(number)
    app.add_template_filter(percent)
    app.add_template_filter(chart_number)
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
