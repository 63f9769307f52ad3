"""Every language's catalogue is complete and sound, and nothing shown to people escapes extraction.

Catalogues: for each language of the interface, ``pbapp/translations/<lang>/LC_MESSAGES/
messages.po`` holds every message a fresh extraction finds (run here, in-process, with the same
settings as ``make translations``), each translated and not fuzzy, with the placeholders of its
English and the plural forms its language has. A missing catalogue fails: the languages are
listed below, and the test says which one is absent (docs/translating.md, "Adding a language").

Extraction: the templates and the Python of ``pbapp/`` are scanned for text a person reads that
is not marked for translation (text between tags, attributes such as ``alt`` and ``aria-label``,
literal phrases in ``{{ }}``, ``flash("...")``, form labels, validation messages, ``abort``
descriptions). The scanners are proved to catch planted strings, so a pass is not vacuous.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages import checkers
from babel.messages.catalog import Catalog, TranslationError
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "pbapp" / "translations"

# The interface's languages besides English (the source language). Adding one: docs/translating.md.
LANGUAGES = ("ar", "ur", "pl", "sk", "so")

# The keywords `make translations` passes to pybabel (-k _l -k lazy_gettext -k lazy_ngettext:1,2).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


# ---------------------------------------------------------------------------------------------
# Catalogues


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """A fresh extraction of every marked string, as ``make translations`` does it."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


class _AnyValue(dict):
    """A mapping that has every key: formats a message the way Flask-Babel and Jinja do."""

    def __missing__(self, key: str) -> int:
        self.used.add(key)
        return 1

    def __init__(self) -> None:
        super().__init__()
        self.used: set[str] = set()


def _format(text: str) -> set[str] | None:
    """The placeholders ``text`` uses as a %-format string, or None when it is not one."""
    mapping = _AnyValue()
    try:
        text % mapping
    except (ValueError, TypeError, KeyError):
        return None
    return mapping.used


def _catalogue(language: str) -> Catalog:
    po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    assert po.is_file(), (
        f"no catalogue for {language!r}: {po.relative_to(ROOT)} is missing "
        f"(pybabel init -i {TRANSLATIONS.relative_to(ROOT)}/messages.pot "
        f"-d {TRANSLATIONS.relative_to(ROOT)} -l {language}; docs/translating.md)"
    )
    with open(po, "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_every_extracted_message(language, extracted):
    catalog = _catalogue(language)
    missing = [
        message.id
        for message in extracted
        if message.id and catalog.get(message.id, message.context) is None
    ]
    assert not missing, (
        f"{len(missing)} messages are not in the {language} catalogue (run `make translations`"
        f" and translate them): {missing[:20]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_reviewed(language):
    catalog = _catalogue(language)
    assert not catalog.fuzzy, (
        f"the {language} catalogue's header is marked fuzzy (as `pybabel init` leaves it): "
        "pybabel compile skips the whole file; remove '#, fuzzy' above its first msgid"
    )
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not all(form and form.strip() for form in forms):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"{len(untranslated)} untranslated in {language}: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language} (check, then drop the flag): {fuzzy[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_are_the_languages(language):
    catalog = _catalogue(language)
    expected = get_plural(language)
    assert catalog.num_plurals == expected.num_plurals, (
        f"{language}: Plural-Forms says nplurals={catalog.num_plurals}; the language has "
        f"{expected.num_plurals} ({expected.plural_forms})"
    )
    wrong = [
        message.id
        for message in catalog
        if message.pluralizable and len(message.string) != expected.num_plurals
    ]
    assert not wrong, f"{language}: plural messages without {expected.num_plurals} forms: {wrong}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_the_english_ones(language):
    catalog = _catalogue(language)
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        # Babel's own checks: python-format placeholders and the number of plural forms.
        for checker in (checkers.python_format, checkers.num_plurals):
            try:
                checker(catalog, message)
            except TranslationError as error:
                problems.append(f"{message.id!r}: {error}")
        names = set().union(*(_format(i) or set() for i in ids))
        if all(_format(i) is None for i in ids):
            continue  # not a format string
        for form in forms:
            used = _format(form)
            if used is None:
                problems.append(f"{message.id!r}: {form!r} is not a valid format (a lone %?)")
            elif not used <= names:
                problems.append(f"{message.id!r}: {form!r} uses {sorted(used - names)}")
            elif not message.pluralizable and used != names:
                problems.append(f"{message.id!r}: {form!r} leaves out {sorted(names - used)}")
            if re.search(r"\{\{|\}\}|\{%|%\}", form):
                problems.append(f"{message.id!r}: {form!r} holds template syntax")
        if message.pluralizable:
            # A form may leave the count out ('one project' written as a word), but not all.
            shown = set().union(*(_format(form) or set() for form in forms))
            if not names <= shown:
                problems.append(f"{message.id!r}: no form shows {sorted(names - shown)}")
    assert not problems, f"{language}: " + "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# Text shown to people that escapes extraction: templates

# Attributes whose text people read (or hear, from a screen reader).
SHOWN_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "placeholder", "label"}
# Elements whose text is code, not words (column names, fingerprints, scripts).
CODE_ELEMENTS = {"code", "script", "style", "kbd", "samp", "pre"}
# Words that stay as they are in every language. Keep short, say why.
WORD_ALLOWLIST = {
    "CSV",  # file formats named on download links
    "JSON",
    "XLSX",
    "360Giving",  # the open grants standard's name
    "csv",  # file name extensions: 'budget.csv, budget.json'
    "json",
    "α",  # the exponent's symbol in the need formula
}
# Text that is code in one template, not words: the column names of the delivery spreadsheet
# (officers type them as they are, in every language).
FILE_ALLOWLIST = {
    # The picker's label says "Language" in English too, after the reader's own word for it, so
    # that someone who chose a language they cannot read can find the way back.
    "templates/base.html": {"(Language)"},
    "templates/accountability/delivery_import.html": {
        "kind",
        "id",
        "status",
        "spend",
        "milestone, note",
        "outcome_measure, outcome_figure",
        "title, amount",
    },
}
# Keyword arguments in {{ }} calls whose strings are markup, not words (class_='button ...').
MARKUP_KWARGS = {"class_", "class", "id", "type", "name", "autocomplete", "inputmode", "pattern"}
MARKUP_KWARGS |= {"rows", "cols", "method", "action", "href", "src", "for", "role", "style", "fmt"}
GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext"}
# Filters and functions whose string arguments are keys, not text: counted('paper ballot') is
# translated by pbapp/formatting.py's table.
KEY_CALLS = {"counted", "plural", "url_for", "has_role", "strftime", "attr", "selectattr"}

LETTERS = re.compile(r"[^\W\d_]")
PHRASE = re.compile(r"[^\W\d_]{2,}[ \u00a0]+[^\W\d_]{2,}")
TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S)
COMMENT = re.compile(r"\{#.*?#\}", re.S)
TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)


def _words(text: str) -> str | None:
    text = " ".join(text.replace("\x00", "{…}").split())
    words = set(re.findall(r"[^\W_]*[^\W\d_][^\W_]*", text))
    if not words - WORD_ALLOWLIST:
        return None
    return text


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.code_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in CODE_ELEMENTS:
            self.code_depth += 1
        attrs = dict(attrs)
        shown = set(SHOWN_ATTRIBUTES)
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            shown.add("value")
        if tag == "button":
            shown.add("value")
        for name in shown:
            if (text := _words(attrs.get(name) or "")) is not None:
                self.found.append((self.getpos()[0], f'{tag} {name}="{text}"'))

    def handle_endtag(self, tag):
        if tag in CODE_ELEMENTS and self.code_depth:
            self.code_depth -= 1

    def handle_data(self, data):
        if not self.code_depth and (text := _words(data)) is not None:
            self.found.append((self.getpos()[0], text))


def _literals(node: nodes.Node):
    """String constants of an output expression that are not gettext's or a key's arguments."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        if node.node.name in GETTEXT_NAMES:
            for keyword in node.kwargs:
                yield from _literals(keyword.value)
            return
        if node.node.name in KEY_CALLS:
            return
    if isinstance(node, nodes.Call):
        yield from _literals(node.node)
        for child in [*node.args, node.dyn_args, node.dyn_kwargs]:
            if child is not None:
                yield from _literals(child)
        for keyword in node.kwargs:
            if keyword.key not in MARKUP_KWARGS:
                yield from _literals(keyword.value)
        return
    if (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Getattr)
        and node.node.attr in KEY_CALLS
    ):
        return
    if isinstance(node, nodes.Filter | nodes.Test) and node.name in KEY_CALLS:
        if node.node is not None:
            yield from _literals(node.node)
        return
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        yield node.lineno, node.value
    for child in node.iter_child_nodes():
        yield from _literals(child)


_JINJA = Environment(extensions=["jinja2.ext.i18n"])


def scan_template(source: str, *, html: bool = True) -> list[tuple[int, str]]:
    """The unmarked text of one template: (line, text) for each piece a reader would see."""
    found: list[tuple[int, str]] = []
    # Literal phrases inside {{ }}: {{ 'fewer than 10 ballots' if ... }}.
    for output in _JINJA.parse(source).find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            for line, value in _literals(child):
                words = re.sub(r"%-?\w", "", value)
                if PHRASE.search(words) or re.fullmatch(r"[A-Z][a-z]+", words):
                    found.append((line, f"{{{{ {value!r} }}}}"))

    def blank(match: re.Match) -> str:  # keep line numbers
        return "\x00" + "\n" * match.group(0).count("\n")

    text = COMMENT.sub(blank, source)
    text = TRANS_BLOCK.sub(blank, text)
    text = TAG.sub(blank, text)
    if html:
        parser = _HtmlText()
        parser.feed(text)
        parser.close()
        found += parser.found
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if (words := _words(line)) is not None:
                found.append((number, words))
    return sorted(found)


def unmarked_in_templates(root: Path) -> list[str]:
    templates = root / "templates"
    problems = []
    for path in sorted([*templates.rglob("*.html"), *templates.rglob("*.txt")]):
        source = path.read_text(encoding="utf-8")
        allowed = FILE_ALLOWLIST.get(str(path.relative_to(root)), set())
        for line, text in scan_template(source, html=path.suffix == ".html"):
            if text in allowed:
                continue
            problems.append(f"{path.relative_to(root)}:{line}: {text}")
    return problems


# ---------------------------------------------------------------------------------------------
# Text shown to people that escapes extraction: Python

# WTForms validators whose ``message=`` a person reads.
VALIDATORS = {
    "DataRequired",
    "InputRequired",
    "Optional",
    "Length",
    "NumberRange",
    "Email",
    "Regexp",
    "EqualTo",
    "AnyOf",
    "NoneOf",
    "URL",
    "FileAllowed",
    "FileRequired",
    "FileSize",
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _plain_text(node: ast.expr | None) -> bool:
    """A literal or an f-string/format/concatenation made of literals: not marked."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and _words(node.value) is not None
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and LETTERS.search(str(part.value))
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _plain_text(node.left) or (isinstance(node.op, ast.Add) and _plain_text(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _plain_text(node.func.value)
    if isinstance(node, ast.IfExp):
        return _plain_text(node.body) or _plain_text(node.orelse)
    return False


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def scan_python(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        first = node.args[0] if node.args else None
        if name == "flash" and _plain_text(first):
            found.append((node.lineno, "flash() of an unmarked message"))
        elif name == "ValidationError" and _plain_text(first or _keyword(node, "message")):
            found.append((node.lineno, "ValidationError() of an unmarked message"))
        elif name == "FieldError" and _plain_text(
            node.args[1] if len(node.args) > 1 else _keyword(node, "message")
        ):
            found.append((node.lineno, "FieldError() of an unmarked message"))
        elif name == "abort" and _plain_text(_keyword(node, "description")):
            found.append((node.lineno, "abort(description=) unmarked"))
        elif name.endswith("Field") and name[:1].isupper():
            shown = [("label", first or _keyword(node, "label"))]
            shown.append(("description", _keyword(node, "description")))
            render_kw = _keyword(node, "render_kw")
            if isinstance(render_kw, ast.Dict):
                shown += [
                    (key.value, value)
                    for key, value in zip(render_kw.keys, render_kw.values, strict=True)
                    if isinstance(key, ast.Constant) and key.value in SHOWN_ATTRIBUTES
                ]
            for what, value in shown:
                if _plain_text(value):
                    found.append((node.lineno, f"{name} {what} unmarked"))
            choices = _keyword(node, "choices")
            if isinstance(choices, ast.List | ast.Tuple):
                for choice in choices.elts:
                    if (
                        isinstance(choice, ast.Tuple)
                        and len(choice.elts) == 2
                        and _plain_text(choice.elts[1])
                    ):
                        found.append((choice.lineno, f"{name} choice label unmarked"))
        elif name in VALIDATORS and _plain_text(_keyword(node, "message")):
            found.append((node.lineno, f"{name}(message=) unmarked"))
    return sorted(found)


def unmarked_in_python(root: Path) -> list[str]:
    problems = []
    for path in sorted((root / "pbapp").rglob("*.py")):
        for line, what in scan_python(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(root)}:{line}: {what}")
    return problems


def _summary(problems: list[str]) -> str:
    by_file = Counter(p.split(":", 1)[0] for p in problems)
    files = ", ".join(f"{name} ({count})" for name, count in by_file.most_common())
    return f"{len(problems)} unmarked in {len(by_file)} files: {files}\n" + "\n".join(problems)


def test_templates_show_no_unmarked_text():
    problems = unmarked_in_templates(ROOT)
    assert not problems, _summary(problems)


def test_python_shows_no_unmarked_messages():
    problems = unmarked_in_python(ROOT)
    assert not problems, _summary(problems)


def test_the_template_scanner_catches_planted_text():
    source = """{% extends "base.html" %}{# a comment with words #}
<h1>{{ _('Marked title') }}</h1>
<p>{% trans day=d %}Voting ends on {{ day }}.{% endtrans %}</p>
<p>An unmarked sentence.</p>
<img src="x.png" alt="A planted picture">
<input type="submit" value="Send it">
<a href="{{ url_for('pb.index') }}" aria-label="{{ _('Fine') }}">£</a>
<p>{{ 'fewer than 10 ballots' if few else _('Enough') }} {{ n|counted('paper ballot') }}</p>
<p>{{ 'Yes' if done else _('No') }} {{ form.save(class_='button button-secondary') }} · JSON</p>
<code>imd_score</code>
"""
    found = [text for _, text in scan_template(source)]
    assert found == [
        "An unmarked sentence.",
        'img alt="A planted picture"',
        'input value="Send it"',
        "{{ 'fewer than 10 ballots' }}",
        "{{ 'Yes' }}",
    ]
    assert scan_template("Hello {{ name }},\n{% trans %}Thanks{% endtrans %}", html=False) == [
        (1, "Hello {…},")
    ]


def test_the_python_scanner_catches_planted_messages():
    source = """
flash("Saved.")
flash(_("Saved."))
flash(f"Imported {n} rows")
name = StringField("Your name", validators=[DataRequired(message="Say who you are")])
ok = StringField(_l("Your name"), validators=[DataRequired(message=_l("Say who you are"))])
kind = SelectField(_l("Kind"), choices=[("a", "Apples"), ("b", _l("Pears"))])
raise ValidationError("Too long")
raise FieldError("title", "Give a title")
abort(404, description="No such page")
abort(404, description=_("No such page"))
"""
    assert scan_python(source) == [
        (2, "flash() of an unmarked message"),
        (4, "flash() of an unmarked message"),
        (5, "DataRequired(message=) unmarked"),
        (5, "StringField label unmarked"),
        (7, "SelectField choice label unmarked"),
        (8, "ValidationError() of an unmarked message"),
        (9, "FieldError() of an unmarked message"),
        (10, "abort(description=) unmarked"),
    ]


# ---------------------------------------------------------------------------------------------
# Counted nouns: every noun a page or a service counts has its plural forms in formatting.py


def _counted_words() -> set[tuple[str, str]]:
    """(where, word) for every ``counted(..., 'word')`` and ``'word'|plural(n)``."""
    found = set()
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix not in {".html", ".txt", ".md"}:
            continue
        source = path.read_text(encoding="utf-8")
        for word in re.findall(r"counted\(\s*['\"]([^'\"]+)['\"]", source):
            found.add(("counted", word))
        for word in re.findall(r"['\"]([^'\"]+)['\"]\s*\|\s*plural\b", source):
            found.add(("plural", word))
        assert not re.search(r"counted\(\s*[^'\"\s)]", source), f"{path}: counted(<not a literal>)"
    for path in (ROOT / "pbapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in {"counted", "plural"}:
                if path.name == "formatting.py":
                    continue
                word = node.args[1] if _name(node.func) == "counted" else node.args[0]
                assert isinstance(word, ast.Constant), f"{path}:{node.lineno}: not a literal noun"
                found.add((_name(node.func), word.value))
    return found


def test_every_counted_noun_has_plural_forms():
    from pbapp.formatting import COUNTED, PLURAL

    words = _counted_words()
    assert ("counted", "year") in words  # the walk finds the uses
    missing = {
        (kind, word)
        for kind, word in words
        if word not in (COUNTED if kind == "counted" else PLURAL)
    }
    assert not missing, f"add these to pbapp/formatting.py: {sorted(missing)}"


def test_an_unknown_noun_is_refused():
    from pbapp.formatting import counted

    with pytest.raises(KeyError):
        counted(2, "unicorn")


# ---------------------------------------------------------------------------------------------
# Figures in the reader's language


def test_english_figures_are_as_they_always_were(app):
    from pbapp.formatting import chart_number, counted, money, number, percent, plural

    with app.test_request_context("/"):
        assert money(12345) == "£12,345"
        assert money(-120) == "−£120"
        assert money(None) == "—"
        assert number(1204) == "1,204"
        assert number(1204.56, 1) == "1,204.6"
        assert number(-0.3) == "-0"
        assert percent(0.45) == "45%"
        assert percent(0.4567, 1) == "45.7%"
        assert percent(123.45) == "12345%"
        assert chart_number(2.25) == "2.2"
        assert chart_number(3) == "3"
        assert counted(1, "project") == "1 project"
        assert counted(2, "project") == "2 projects"
        assert counted(1204, "person") == "1,204 people"
        assert counted(2.5, "year") == "2.5 years"
        assert counted(3.0, "year") == "3.0 years"
        assert counted(None, "person") == "— people"
        assert plural("is", 1) == "is" and plural("was", 2) == "were"


def test_figures_follow_the_language_in_latin_digits_and_pounds(app):
    from flask_babel import force_locale

    from pbapp.formatting import money, number, percent

    with app.test_request_context("/"):
        with force_locale("pl"):
            assert money(-12345) == "−12\xa0345\xa0£"
            assert number(1234.5, 1) == "1\xa0234,5"
            assert percent(0.45) == "45%"
        with force_locale("sk"):
            assert percent(0.45) == "45\xa0%"
        with force_locale("ar"):
            assert money(12345) == "\u200f12,345\xa0£"  # latin digits, the language's order
            assert number(1204) == "1,204"


def test_wtforms_messages_follow_the_language(app):
    """Flask-WTF's i18n (WTF_I18N_ENABLED, on by default) takes Flask-Babel's locale: WTForms'
    own catalogues give "This field is required." in Arabic, Polish and Slovak."""
    from flask_babel import force_locale
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class Form(FlaskForm):
        class Meta:
            csrf = False

        name = StringField("Name", validators=[DataRequired()])

    shown = {}
    for language in ("en", "pl", "sk", "ar"):
        # One request each: Flask-WTF keeps a request's WTForms catalogue.
        with app.test_request_context("/", method="POST", data={}), force_locale(language):
            form = Form()
            form.validate()
            shown[language] = form.name.errors[0]
    assert shown["en"] == "This field is required."
    assert shown["pl"] == "To pole jest wymagane."
    assert shown["sk"] == "Toto pole je povinné."
    assert shown["ar"] == "هذا الحقل مطلوب."
