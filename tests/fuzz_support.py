"""Helpers for the property-based fuzzing of every form and URL (tests/test_fuzz_*.py).

- ``PageForms`` reads the forms of a page (fields, choices, submit buttons) from its HTML, so
  the fuzzer posts to the fields a browser would see, with the page's real CSRF token.
- ``submission`` draws (with hypothesis) a submission for one form: every field kept plausible,
  emptied, left out, repeated or replaced by hostile text, numbers, dates, unknown choices or
  malformed file contents, plus fields the form does not have.
- ``snapshot`` / ``restore`` read and put back every table's rows, to prove that a refused
  submission changed nothing and to start every endpoint's fuzzing from the same demo state.
- ``check_response`` asserts what must hold for every response: no 500, no live tag echoed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from config import TestConfig
from pbapp import create_app
from pbapp.demo import DEMO_PASSWORD, load_demo
from pbapp.extensions import db
from tests.conftest import Forms, _empty_all_tables

# --- Hostile values ---------------------------------------------------------------------------

XSS_MARKER = "fuzzxss"
SCRIPT = f"<script>{XSS_MARKER}()</script>"
IMG = f'"><img src=x onerror={XSS_MARKER}()>'
# What must never come back in a page: the tags above, unescaped.
LIVE_TAGS = (f"<script>{XSS_MARKER}", f"<img src=x onerror={XSS_MARKER}")

NASTY_TEXT = [
    "",
    " ",
    " \t\r\n ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",  # Arabic, right to left
    "שלום",  # Hebrew
    "\u200b\ufeff",  # zero-width space, byte-order mark
    "Zo\u0308e \U0001f600",  # combining mark, emoji
    SCRIPT,
    IMG,
    "<b>bold</b> & <i>",
    "{{ 7*7 }} {% raw %}",
    "' OR '1'='1",
    "Robert'); DROP TABLE user;--",
    "%s %d %n %(x)s",
    "\\",
    "..\\..\\windows",
    "../../etc/passwd",
    "null",
    "None",
    "true",
    "x" * 300,
    "y" * 5_000,
    "z" * 10_001,  # one past the request-wide field cap (pbapp.limits.FIELD_MAX_CHARS)
    "long " * 20_000,  # 100,000 characters
    "huge " * 600_000,  # 3 MB: past MAX_CONTENT_LENGTH
    "bell\x07",
    "esc\x1b[31m",
    "del\x7f",
    "next line\x85",  # a C1 control character
    "form\x0cfeed",
]
NASTY_NUMBERS = [
    "0",
    "-0",
    "-1",
    "-2500",
    "1.5",
    "2.50",
    "1e3",
    "1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "-99999999999999999999999999999999",
    "1_000",
    "1,000,000",
    "£1,000",
    "-2147483649",
    "4294967296",
    "18446744073709551616",
    "£-5",
    "0x10",
    " 7 ",
    "²",
    "٣",  # Arabic-Indic digit three
    "12abc",
    "one",
]
NASTY_DATES = [
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "31/12/2026",
    "2026-1-1",
    "2026-01-01T10:00",
    "yesterday",
]
NASTY_CHOICES = ["", "not-a-choice", "-1", "0", "999999999", "99999999999999999999", "__all__"]


# Column names the app's CSV imports know (delivery updates, indicators, deprivation, lookups).
CSV_COLUMNS = [
    "kind",
    "id",
    "status",
    "spend",
    "milestone",
    "outcome_measure",
    "outcome_figure",
    "note",
    "code",
    "indicator",
    "value",
    "lsoa21_code",
    "LSOA21CD",
    "LSOA code (2021)",
    "WD24CD",
    "WD24NM",
    "ward_code",
    "Index of Multiple Deprivation (IMD) Score",
    "imd_score",
    "Income Score (rate)",
    "Total population: mid 2022",
    "population",
]
CSV_CELLS = [
    "E05010857",
    "E05010858",
    "E01000001",
    "project",
    "award",
    "in_progress",
    "delivered",
    "1",
    "2",
    "30000",
    "imd_score",
    "",
    " ",
    "-5",
    "1e309",
    "nan",
    "inf",
    "0.5",
    "99999999999999999999",
    "2147483648",
    "a\x00b",  # a NUL in a cell (PostgreSQL refuses one)
    "bell\x07",
    SCRIPT,
    "=cmd|' /C calc'!A0",  # spreadsheet formula injection
    "x" * 3_000,
]


@st.composite
def _table_csv(draw) -> bytes:
    """A CSV that looks like an import: known column names, cells good and bad."""
    header = draw(st.lists(st.sampled_from(CSV_COLUMNS), min_size=1, max_size=6))
    cell = st.one_of(st.sampled_from(CSV_CELLS), st.sampled_from(NASTY_NUMBERS), huge_integers())
    rows = draw(
        st.lists(
            st.lists(cell, min_size=max(len(header) - 1, 0), max_size=len(header) + 1),
            max_size=6,
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([",", ",", ",", ";", "\t"])))
    writer.writerow(header)
    writer.writerows(rows)
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (bom + buffer.getvalue()).encode("utf-8")


def _nasty_files() -> st.SearchStrategy[tuple[bytes, str]]:
    contents = st.one_of(
        _table_csv(),
        st.sampled_from(
            [
                b"",
                b"\x00\x00\x00",
                b"\xff\xfe\xfd not utf-8 \xc3\x28",
                b"\xef\xbb\xbf",  # a byte-order mark and nothing else
                b"PK\x03\x04 a broken zip, like a damaged Excel file",
                b"%PDF-1.4 not a table",
                b"a,b,c\n",
                b"a,b,c\n1,2\n3,4,5,6\n",
                b"code,value\nE05000001,\n,12\nE05000001,abc\n",
                b"code;value\nE05000001;1,5\n",
                b'"unclosed,quote\n1,2\n',
                b"\n\n\n",
                ("x," * 5_000 + "\n").encode(),
                b"header\n" + b"1\n" * 20_000,
                b"META\nkey;value\ndescription;x\nnum_projects;abc\nPROJECTS\n",
            ]
        ),
        st.binary(max_size=600),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    )
    names = st.sampled_from(
        ["data.csv", "data.xlsx", "ballots.pb", "data.txt", "", "../../etc/passwd", "x" * 300]
    )
    return st.tuples(contents, names)


def huge_integers() -> st.SearchStrategy[str]:
    """Integers around and past what an INTEGER (2**31) and a BIGINT (2**63) column hold."""
    return st.one_of(
        st.integers(2**31 - 2, 2**31 + 2),
        st.integers(-(2**31) - 2, -(2**31) + 2),
        st.integers(2**63 - 2, 2**63 + 2),
        st.integers(-(10**40), 10**40),
    ).map(str)


# Bytes that are not UTF-8, sent percent-encoded as a browser never would.
NOT_UTF8 = [b"\xff\xfe", b"caf\xe9", b"\xc3(", b"\xed\xa0\x80"]


def nasty_value() -> st.SearchStrategy[str | bytes]:
    return st.one_of(
        st.sampled_from(NOT_UTF8),
        st.sampled_from(NASTY_TEXT),
        st.sampled_from(NASTY_NUMBERS),
        huge_integers(),
        st.sampled_from(NASTY_DATES),
        st.sampled_from(NASTY_CHOICES),
        # Any text a form can carry (surrogates cannot be sent as UTF-8 by a browser).
        st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
    )


# --- Forms of a page -------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: (
        str  # text, textarea, number, date, email, password, hidden, select, radio, checkbox, file
    )
    values: list[str] = field(default_factory=list)  # choices (select, radio, checkbox values)
    default: list[str] = field(default_factory=list)  # what the browser sends untouched
    numeric: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    submits: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons
    multipart: bool = False

    @property
    def csrf_token(self) -> str | None:
        found = self.fields.get("csrf_token")
        return found.default[0] if found and found.default else None


class PageForms(HTMLParser):
    """Every <form> of a page with its fields, as a browser would submit them."""

    def __init__(self, html: str, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: str | None = None
        self._in_option = False
        self._option_selected = False
        self._option_text = ""
        self._textarea: Field | None = None
        self.feed(html)
        self.close()

    def _field(self, name: str, kind: str) -> Field:
        assert self._form is not None
        found = self._form.fields.get(name)
        if found is None:
            found = self._form.fields[name] = Field(name=name, kind=kind)
        return found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = Form(
                action=urlsplit(action).path,
                method=(a.get("method") or "get").lower(),
                multipart="multipart" in (a.get("enctype") or ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if kind == "submit":
                    self._form.submits.append((name, a.get("value", "")))
                return
            found = self._field(name, kind)
            found.numeric = (
                found.numeric
                or kind == "number"
                or a.get("inputmode")
                in (
                    "numeric",
                    "decimal",
                )
            )
            if kind in ("checkbox", "radio"):
                found.values.append(a.get("value", "on"))
                if "checked" in a:
                    found.default.append(a.get("value", "on"))
            elif kind != "file":
                found.default = [a.get("value", "")]
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            self._form.submits.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = self._field(name, "select")
        elif tag == "option" and self._select is not None:
            self._end_option()  # an option's end tag may be left out
            self._in_option = True
            self._option = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = self._field(name, "textarea")
            self._textarea.default = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.default = [self._textarea.default[0] + data]
        if self._in_option:
            self._option_text += data

    def _end_option(self) -> None:
        if self._select is not None and self._in_option:
            value = self._option if self._option is not None else self._option_text.strip()
            self._select.values.append(value)
            if self._option_selected:
                self._select.default.append(value)
        self._option = None
        self._in_option = False
        self._option_text = ""
        self._option_selected = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._end_option()
        elif tag == "select":
            self._end_option()
            if self._select is not None and not self._select.default and self._select.values:
                self._select.default = [self._select.values[0]]
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:  # a browser drops the newline after <textarea>
                text = self._textarea.default[0]
                self._textarea.default = [text[2:] if text.startswith("\r\n") else text]
                if self._textarea.default[0].startswith("\n"):
                    self._textarea.default = [self._textarea.default[0][1:]]
            self._textarea = None

    def posting_to(self, path: str) -> list[Form]:
        return [f for f in self.forms if f.method == "post" and f.action == path]


# --- Drawing a submission --------------------------------------------------------------------

PLAUSIBLE_TEXT = ["Fuzzed words", "A community garden for everyone", SCRIPT, IMG]


def _plausible(f: Field) -> st.SearchStrategy[list]:
    """A value the form could accept, so the fuzzing also gets past the first validator: what
    the page filled in (an edit form's current values) or a value of the field's kind."""
    return st.one_of(st.just(list(f.default)), _made_up(f))


def _made_up(f: Field) -> st.SearchStrategy[list]:
    today = date.today()
    if f.kind in ("select", "radio"):
        return st.sampled_from(f.values).map(lambda v: [v]) if f.values else st.just([])
    if f.kind == "checkbox":
        return st.lists(st.sampled_from(f.values), unique=True) if f.values else st.just([])
    if f.kind == "date":
        return st.integers(-400, 800).map(lambda d: [(today + timedelta(days=d)).isoformat()])
    if f.kind == "email":
        return st.sampled_from([["fuzz@example.org"], ["resident@demo.test"], f.default])
    if f.kind == "password":
        return st.sampled_from([["a long enough password 2026"], [DEMO_PASSWORD]])
    if f.numeric:
        return st.sampled_from(["1", "3", "100", "2500", "50000"]).map(lambda v: [v])
    return st.sampled_from([[t] for t in PLAUSIBLE_TEXT])


def _hostile(f: Field) -> st.SearchStrategy[list]:
    one = nasty_value()
    if f.kind in ("select", "radio", "checkbox"):
        one = st.one_of(st.sampled_from(NASTY_CHOICES), one)
    elif f.numeric:
        one = st.one_of(st.sampled_from(NASTY_NUMBERS), huge_integers(), one)
    elif f.kind == "date":
        one = st.one_of(st.sampled_from(NASTY_DATES), one)
    return st.one_of(
        one.map(lambda v: [v]),
        st.lists(one, min_size=2, max_size=3),  # the same key repeated
    )


@st.composite
def submission(draw, form: Form) -> tuple[list, str]:
    """Draw the (key, value) pairs of one submission of ``form`` and a one-word description."""
    # "plausible": every field as the page filled it or made up for its kind (reaches services).
    mode = draw(st.sampled_from(["one-field", "few-fields", "all-fields", "plausible", "empty"]))
    names = [n for n in form.fields if n != "csrf_token"]
    hostile: set[str] = set()
    if mode == "one-field" and names:
        hostile = {draw(st.sampled_from(names))}
    elif mode == "few-fields" and names:
        hostile = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3)))
    elif mode == "all-fields":
        hostile = set(names)
    pairs: list[tuple[str, object]] = []
    token = form.csrf_token
    if token is not None:  # CSRF stays on: a missing token is the URL fuzzer's (a 400)
        pairs.append(("csrf_token", token))
    if mode == "empty":
        return pairs, mode
    for name in names:
        f = form.fields[name]
        if f.kind == "file":
            if draw(st.integers(0, 9)) == 0:
                continue  # no file chosen
            content, filename = draw(_nasty_files())
            pairs.append((name, (content, filename)))  # a file: as_post_data opens it
            continue
        if name in hostile:
            if draw(st.integers(0, 5)) == 0:
                continue  # the field is missing from the submission
            values = draw(_hostile(f))
        else:
            values = draw(_plausible(f))
        pairs.extend((name, v) for v in values)
    if form.submits and draw(st.integers(0, 4)):
        pairs.append(draw(st.sampled_from(form.submits)))
    extra = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["id", "user_id", "role", "is_admin", "status", "x"]), nasty_value()
            ),
            max_size=2,
        )
    )
    pairs.extend(extra)
    return pairs, mode


def encode(pairs: list, multipart: bool) -> dict:
    """Keyword arguments for the test client's ``post`` sending ``pairs`` as a browser would:
    URL-encoded (where bytes that are not UTF-8 can be sent), or as multipart with the files."""
    if not multipart:
        body = urlencode(pairs)  # bytes values are percent-encoded as they are
        return {"data": body, "content_type": "application/x-www-form-urlencoded"}
    data = MultiDict()
    for key, value in pairs:
        if isinstance(value, tuple):
            value = FileStorage(io.BytesIO(value[0]), filename=value[1])
        elif isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        data.add(key, value)
    # The body made here, in memory: the test client spools a multipart body over 500 KB to a
    # temporary file it never closes, and the ResourceWarning then failed a later test.
    boundary, body = encode_multipart(data)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


# --- Database snapshots ----------------------------------------------------------------------


def snapshot() -> dict[str, list[tuple]]:
    """Every table's committed rows, in primary-key order (read on a connection of its own)."""
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(query)]
    return rows


def dump() -> dict[str, list[dict]]:
    with db.engine.connect() as conn:
        return {
            t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()]
            for t in db.metadata.sorted_tables
        }


def restore(rows: dict[str, list[dict]]) -> None:
    """Put every table back to ``rows`` (from ``dump``). Sequences move on, never back."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])


def changed_tables(before: dict, after: dict, ignore: frozenset[str] = frozenset()) -> list[str]:
    return [name for name in before if name not in ignore and before[name] != after[name]]


# --- Responses --------------------------------------------------------------------------------


def check_response(response, what: str) -> str:
    """No server error, and no posted tag comes back live. Returns the body as text."""
    assert response.status_code < 500, f"{what}: status {response.status_code}"
    body = response.get_data(as_text=True)
    if response.mimetype == "text/html":
        lowered = body.lower()
        for tag in LIVE_TAGS:
            assert tag not in lowered, f"{what}: posted markup came back unescaped: {tag!r}"
    return body


# --- The demo state, built once per test module -----------------------------------------------

DEMO_EMAILS = {
    "resident": "resident@demo.test",
    "officer": "officer@demo.test",
    "funder": "funder@demo.test",
    "vcs": "vcs@demo.test",
    "admin": "admin@demo.test",
}
# The demo account used for an endpoint open to any of several roles (test_access.py's tables).
ROLE_PREFERENCE = ("officer", "funder", "vcs", "resident", "admin")


def role_for(access: object) -> str | None:
    """The demo role to use a route with the given access decision (None: anonymous)."""
    if access == "public":
        return None
    if access == "signed-in":
        return "resident"
    return next(r for r in ROLE_PREFERENCE if r in access)  # type: ignore[operator]


@dataclass
class Demo:
    app: Flask
    rows: dict

    def snapshot(self) -> dict:
        with self.app.app_context():
            return snapshot()

    def restore(self) -> None:
        with self.app.app_context():
            restore(self.rows)


def demo_fixture(database_url: str) -> Iterator[Demo]:
    """The demo loaded once per module (``demo = pytest.fixture(scope="module")(demo_fixture)``);
    tests put it back with ``demo.restore()``.

    No app context stays pushed: each request of a test client makes and ends its own, as in
    production (a shared one would keep one session and one signed-in user across requests).
    """
    app = create_app(TestConfig(database_url))
    with app.app_context():
        load_demo()
        db.session.commit()
        rows = dump()
    yield Demo(app=app, rows=rows)
    with app.app_context():
        _empty_all_tables()
        db.engine.dispose()


def sign_in(client, email: str) -> None:
    response = Forms(client).post("/account/sign-in", {"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"cannot sign in as {email}"


def fuzz_settings(max_examples: int) -> settings:
    """The fuzzers' hypothesis settings: no deadline (a shared CI machine is slow), no example
    database (each test builds its own state), and requests may be slow or large."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
