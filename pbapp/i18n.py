"""Interface languages: which one a reader sees, and the gettext set-up (Flask-Babel).

Strings are marked with ``_()`` / ``ngettext()`` in Python and ``{{ _('...') }}`` /
``{% trans %}`` in templates; ``make translations`` extracts and compiles the catalogues in
``pbapp/translations`` (docs/translating.md).
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

# The languages of the interface, English first (the default and the source language).
LANGUAGES = ("en",)


def select_locale() -> str:
    """The reader's language: the browser's Accept-Language among the ones we have."""
    if not request:
        return "en"
    return request.accept_languages.best_match(LANGUAGES) or "en"


def register(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    babel.init_app(app, locale_selector=select_locale)
    # Whitespace inside {% trans %} blocks is collapsed, so a message id does not depend on
    # how a template happens to be indented.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
