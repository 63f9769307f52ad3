"""Interface languages: which one a reader sees, and the gettext set-up (Flask-Babel).

Strings are marked with ``_()`` / ``ngettext()`` in Python and ``{{ _('...') }}`` /
``{% trans %}`` in templates; ``make translations`` extracts and compiles the catalogues in
``pbapp/translations`` (docs/translating.md).

The reader's language is, in this order: the one a signed-in person saved, the ``lang`` cookie
the picker sets, the best match of the browser's Accept-Language, English. A language is offered
(picker, cookie, Accept-Language) only once its compiled catalogue exists; English, the source
language, always is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, force_locale, get_babel, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user


@dataclass(frozen=True)
class Language:
    code: str  # the catalogue's name (pbapp/translations/<code>)
    name: str  # in its own language, as the picker shows it
    direction: str = "ltr"  # "rtl": Arabic script, laid out from the right
    reviewed: bool = False  # checked by native speakers (False: shown as awaiting review)
    html_lang: str = ""  # the <html lang> value, when it differs from the code

    @property
    def tag(self) -> str:
        return self.html_lang or self.code


# Every language the platform has (or is getting) a catalogue for, English first.
REGISTRY: tuple[Language, ...] = (
    Language("en", "English", reviewed=True, html_lang="en-GB"),
    Language("ar", "العربية", direction="rtl"),
    Language("ur", "اردو", direction="rtl"),
    Language("pl", "Polski"),
    Language("sk", "Slovenčina"),
    Language("so", "Soomaali"),
)
BY_CODE = {language.code: language for language in REGISTRY}
ENGLISH = BY_CODE["en"]
# The codes of every language in the registry (offered or not).
LANGUAGES = tuple(BY_CODE)

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60  # a year


def translation_directories(app: Flask | None = None) -> list[Path]:
    """Where Flask-Babel looks for catalogues: BABEL_TRANSLATION_DIRECTORIES (';'-separated,
    relative to the package, default pbapp/translations), read when the app is made, so a test
    can point an app at catalogues of its own."""
    return [Path(entry) for entry in get_babel(app or current_app).translation_directories]


def has_catalogue(code: str, app: Flask | None = None) -> bool:
    return any(
        (directory / code / "LC_MESSAGES" / "messages.mo").is_file()
        for directory in translation_directories(app)
    )


def offered(app: Flask | None = None) -> list[Language]:
    """The languages a reader may choose: English, and each one whose catalogue is compiled."""
    return [ENGLISH] + [language for language in REGISTRY[1:] if has_catalogue(language.code, app)]


def offered_language(code: object) -> Language | None:
    """The offered language with this code, or None (unknown, or no catalogue yet)."""
    if not isinstance(code, str):
        return None
    language = BY_CODE.get(code)
    if language is None or language not in offered():
        return None
    return language


def select_locale() -> str:
    """The reader's language: saved for the account, else the cookie, else Accept-Language."""
    if not has_request_context():
        return ENGLISH.code
    if request.blueprint == "api":
        # The API's words (explanations, labels, problems) are part of its published contract:
        # a client's Accept-Language does not change them.
        return ENGLISH.code
    codes = [language.code for language in offered()]
    user = current_user
    saved = getattr(user, "language", None) if user and user.is_authenticated else None
    for choice in (saved, request.cookies.get(COOKIE)):
        if choice in codes:
            return choice
    return request.accept_languages.best_match(codes) or ENGLISH.code


def words(label: str | None) -> str | None:
    """A vocabulary label (a theme, a status, a role...) in the reader's language.

    The labels are English in ``pbapp/models`` (marked with ``N_`` so they are extracted), as
    the API, open data and published documents use them; pages show them through this, as the
    ``words`` filter.
    """
    return _(label) if label else label


def current_language() -> Language:
    """The Language words are being made in: the reader's, or the one ``in_language_of`` forced
    (English outside an application context)."""
    locale = get_locale()
    return BY_CODE.get(locale.language if locale is not None else "", ENGLISH)


@contextmanager
def in_language_of(user: object) -> Iterator[None]:
    """Words made inside are in ``user``'s saved language (while it is still offered), else
    English: mail to a person is made in their language, whoever's action or command sends it."""
    language = BY_CODE.get(getattr(user, "language", None) or "")
    chosen = language.code if language is not None and language in offered() else ENGLISH.code
    with force_locale(chosen):
        yield


def local_path(target: object) -> str | None:
    """``target`` when it is a path on this site ('/…', never '//host' or 'http://…'), else None.

    Used for the picker's ``next``: switching language never sends anyone to another site."""
    if not isinstance(target, str) or not 0 < len(target) <= 2000:
        return None
    if not target.isprintable() or "\\" in target:
        return None  # a control character a header cannot carry; a backslash read as a slash
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def remember(response, code: str) -> None:
    """Set the ``lang`` cookie on ``response`` for a year."""
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


def picker_next() -> str:
    """Where the picker returns the reader: this page (its path and query)."""
    if not has_request_context():
        return "/"
    query = request.query_string.decode("utf-8", "replace")
    return local_path(request.path + ("?" + query if query else "")) or "/"


def _plural_samples() -> dict[str, int]:
    """A number for each CLDR plural category of the reader's language ('one': 1, ...)."""
    locale = get_locale() if has_request_context() else None
    rule = (locale or Locale("en")).plural_form
    samples: dict[str, int] = {}
    for n in range(0, 1000):
        samples.setdefault(rule(n), n)
    return samples


def script_words() -> dict:
    """The words static/js/site.js shows, in the reader's language (base.html hands them over as
    JSON). A plural is one form per CLDR plural category, which the script picks with
    Intl.PluralRules; placeholders stay as %(name)s for the script to fill."""
    samples = _plural_samples()

    def by_category(forms: Callable[[int], str]) -> dict[str, str]:
        return {category: forms(n) for category, n in samples.items()}

    return {
        "filter_label": _("Type part of the name to shorten the list"),
        "filter_chosen": _("%(name)s chosen", name="%(name)s"),
        "filter_matches": by_category(
            lambda n: ngettext(
                "%(count)s neighbourhood matches",
                "%(count)s neighbourhoods match",
                n,
                count="%(count)s",
            )
        ),
        "money_over": _(
            "You have chosen %(spent)s of %(limit)s: %(over)s too much. Remove a project.",
            spent="%(spent)s",
            limit="%(limit)s",
            over="%(over)s",
        ),
        "money_left": _(
            "You have chosen %(spent)s of %(limit)s: %(left)s left.",
            spent="%(spent)s",
            limit="%(limit)s",
            left="%(left)s",
        ),
        "points_over": _(
            "You have given %(used)s of %(limit)s points: %(over)s too many.",
            used="%(used)s",
            limit="%(limit)s",
            over="%(over)s",
        ),
        "points_left": _(
            "You have given %(used)s of %(limit)s points: %(left)s left.",
            used="%(used)s",
            limit="%(limit)s",
            left="%(left)s",
        ),
        "projects": by_category(
            lambda n: ngettext(
                "You have chosen %(count)s project.",
                "You have chosen %(count)s projects.",
                n,
                count="%(count)s",
            )
        ),
        "projects_limit": by_category(
            lambda n: ngettext(
                "You have chosen %(count)s project of at most %(limit)s.",
                "You have chosen %(count)s projects of at most %(limit)s.",
                n,
                count="%(count)s",
                limit="%(limit)s",
            )
        ),
        "projects_over": by_category(
            lambda n: ngettext(
                "You have chosen %(count)s project of at most %(limit)s: too many. Untick one.",
                "You have chosen %(count)s projects of at most %(limit)s: too many. Untick one.",
                n,
                count="%(count)s",
                limit="%(limit)s",
            )
        ),
    }


def register(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    babel.init_app(app, locale_selector=select_locale)
    with app.app_context():
        # Flask-Babel keeps one cache of loaded catalogues per process, keyed by language only:
        # an app made with other translation directories (tests) must not read another's.
        babel.domain_instance.cache.clear()
    # Whitespace inside {% trans %} blocks is collapsed, so a message id does not depend on
    # how a template happens to be indented.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.add_template_filter(words)
    app.add_template_global(current_language)
    app.add_template_global(offered, "offered_languages")
    app.add_template_global(picker_next)
    app.add_template_global(script_words)

    @app.after_request
    def vary_by_language(response):
        # A page's words depend on the cookie and the browser's languages: a cache must not
        # give one reader's language to another.
        if has_request_context() and request.endpoint != "static":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
