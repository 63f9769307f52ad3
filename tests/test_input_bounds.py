"""Every number, text and request is bounded before it reaches the database (issue 17).

The class of defect: a value the database cannot hold (an integer past 2**31, a NUL character)
or a request too large reached a query or a page, and answered 500 or echoed megabytes. These
tests walk every form class, every integer field, every query parameter a view reads, and check
the limits mechanically; each case the issue reported is also repeated here, on the database of
the run (SQLite, and PostgreSQL when TEST_DATABASE_URL names one).
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import Field, IntegerField
from wtforms.validators import Length

import pbapp
from pbapp.extensions import db
from pbapp.forms import INT32, BoundedIntegerField, column_limits, field_limit
from pbapp.limits import FIELD_MAX_CHARS
from pbapp.models import AuditEvent, Process
from pbapp.models.accountability import DeliveryRecord
from tests.conftest import Forms
from tests.fuzz_support import DEMO_EMAILS, demo_fixture, role_for, sign_in
from tests.test_access import EXPECTED_ACCESS
from tests.test_fuzz_urls import GET_RULES, PARAMETER, _args_read_by, _real_values

PBAPP = Path(pbapp.__file__).parent
# Numbers no integer column holds, or written so that int() reads them though no one types them.
BAD_INTEGERS = [
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "99999999999999999999",
    "²",
    "٣",
    "1_000",
]


def _all_modules() -> None:
    for info in pkgutil.walk_packages([str(PBAPP)], prefix="pbapp."):
        if not info.name.startswith("pbapp.demo"):
            importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _form_classes() -> list[type]:
    _all_modules()
    return sorted(
        (c for c in _subclasses(FlaskForm) if c.__module__.startswith("pbapp.")),
        key=lambda c: (c.__module__, c.__qualname__),
    )


def _fields_of(cls: type) -> list[tuple[str, type, dict]]:
    """(name, field class, keyword arguments) of every field declared on ``cls``."""
    return [
        (name, value.field_class, value.kwargs)
        for name in dir(cls)
        if hasattr(value := getattr(cls, name), "field_class")
    ]


# --- Integers ---------------------------------------------------------------------------------


def test_every_integer_column_holds_the_default_bounds():
    """Fields without a ``column`` use a 32-bit INTEGER's bounds: every column holds them."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.Integer):
                low, high = column_limits(column)
                assert low <= INT32[0] and INT32[1] <= high, f"{table.name}.{column.name}"


def test_every_integer_field_class_is_bounded():
    _all_modules()
    unbounded = {
        c
        for c in {IntegerField, *_subclasses(IntegerField)}
        if not issubclass(c, BoundedIntegerField) and c.__module__.startswith("pbapp")
    }
    assert not unbounded
    # Nothing builds a field of WTForms' own number types (factories make forms at run time,
    # so their source is read too).
    pattern = re.compile(r"\b(IntegerField|IntegerRangeField|DecimalRangeField|FloatField)\(")
    for path in PBAPP.rglob("*.py"):
        if path.name != "forms.py" or path.parent != PBAPP:
            assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_every_integer_field_of_every_form_is_within_its_column():
    classes = _form_classes()
    assert len(classes) > 15
    checked = 0
    for cls in classes:
        for name, field_class, kwargs in _fields_of(cls):
            if issubclass(field_class, IntegerField):
                assert issubclass(field_class, BoundedIntegerField), f"{cls.__qualname__}.{name}"
                if kwargs.get("column") is not None:
                    column_limits(kwargs["column"])  # an integer column, or TypeError
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("typed", BAD_INTEGERS)
def test_a_bounded_field_refuses_what_no_column_holds(demo, typed):
    from werkzeug.datastructures import MultiDict

    from pbapp.forms import PoundsField, WholeNumberField

    class Numbers(FlaskForm):
        class Meta:
            csrf = False

        count = WholeNumberField("Count")
        amount = PoundsField("Amount")

    with demo.app.test_request_context():
        form = Numbers(MultiDict({"count": typed, "amount": typed}))
        assert not form.validate()
        assert form.count.data is None and form.amount.data is None
        assert form.count.errors and form.amount.errors
    with demo.app.test_request_context():
        form = Numbers(MultiDict({"count": "2147483647", "amount": "£2,147,483,647"}))
        assert form.validate(), form.errors
        assert form.count.data == form.amount.data == 2**31 - 1


def test_no_view_parses_an_integer_from_the_query_by_hand():
    """Integers from a URL go through ``row_id`` or ``query_int``, which know the bounds."""
    pattern = re.compile(r"type=int\b|\.isdigit\(\)|\.isnumeric\(\)|int\(request\.")
    for path in PBAPP.rglob("*.py"):
        found = pattern.search(path.read_text(encoding="utf-8"))
        assert not found, f"{path}: {found.group()}"


demo = pytest.fixture(scope="module", name="demo")(demo_fixture)


def test_every_query_parameter_takes_any_number(demo):
    """Every name a view reads from the query string, given numbers no column holds: no 500."""
    with demo.app.app_context():
        real = _real_values()
    clients: dict[str | None, object] = {}
    asked = 0
    for endpoint, rule in sorted(GET_RULES.items()):
        names = _args_read_by(demo.app, endpoint)
        if not names:
            continue
        role = role_for(EXPECTED_ACCESS[endpoint])
        if role not in clients:
            clients[role] = demo.app.test_client()
            if role is not None:
                sign_in(clients[role], DEMO_EMAILS[role])
        client = clients[role]
        url = PARAMETER.sub(lambda m: str((real.get(m.group(1)) or ["1"])[0]), rule)
        for name in sorted(names):
            for value in BAD_INTEGERS:
                response = client.get(url, query_string={name: value})
                assert response.status_code < 500, f"{url}?{name}={value}"
                asked += 1
    assert asked > 50


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "2147483648"])
def test_proposals_filtered_by_an_impossible_neighbourhood(demo, value):
    """Issue 17: ValueError, OverflowError (SQLite), 2**31 (PostgreSQL) were 500s."""
    demo.restore()
    client = demo.app.test_client()
    with demo.app.app_context():
        process_id = db.session.scalar(select(Process.id).order_by(Process.id))
    response = client.get(
        f"/processes/{process_id}/proposals", query_string={"neighbourhood": value}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648"])
def test_a_new_process_with_too_many_projects_is_refused_in_words(demo, value):
    demo.restore()
    client = demo.app.test_client()
    sign_in(client, DEMO_EMAILS["officer"])
    with demo.app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Process))
    response = Forms(client).post(
        "/processes/new",
        {
            "title": "Big",
            "description": "Too many projects",
            "themes": "learning",
            "ballot_type": "approval",
            "max_projects": value,
            "rule": "greedy",
            "proposals_start": "2027-01-01",
            "review_start": "2027-02-01",
            "voting_start": "2027-03-01",
            "results_start": "2027-04-01",
            "delivery_start": "2027-05-01",
        },
    )
    assert response.status_code == 422
    assert "too large to store: enter at most 2,147,483,647" in unescape(
        response.get_data(as_text=True)
    )
    with demo.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Process)) == before


# --- Text -------------------------------------------------------------------------------------


def test_every_text_limit_is_within_the_request_wide_cap():
    for cls in _form_classes():
        for name, _kind, kwargs in _fields_of(cls):
            for validator in kwargs.get("validators") or []:
                if isinstance(validator, Length) and validator.max not in (None, -1):
                    assert validator.max <= FIELD_MAX_CHARS, f"{cls.__qualname__}.{name}"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_any_field_is_refused_by_name(demo, char):
    demo.restore()
    client = demo.app.test_client()
    before = demo.snapshot()
    response = Forms(client).post(
        "/account/register",
        {
            "name": f"Ann{char}Other",
            "email": "ann@example.org",
            "password": "x" * 20,
            "confirm": "x" * 20,
        },
    )
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert "“name” contains" in page and "nothing was" in page
    assert demo.snapshot() == before


def test_tabs_and_line_breaks_are_text():
    from pbapp.services.text import has_control_character

    assert not has_control_character("one\ttwo\r\nthree\n")
    assert has_control_character("a\x00b") and has_control_character("\x0c")


def test_a_nul_in_an_uploaded_cell_is_refused_and_nothing_changes(demo):
    """Issue 17: PostgreSQL answered 500 ("text fields cannot contain NUL"); SQLite kept it."""
    demo.restore()
    client = demo.app.test_client()
    sign_in(client, DEMO_EMAILS["officer"])
    with demo.app.app_context():
        project = db.session.scalar(
            select(DeliveryRecord.proposal_id).where(DeliveryRecord.kind == "project")
        )
    before = demo.snapshot()
    content = f"kind,id,status,spend,note\nproject,{project},in_progress,10,a\x00b\n".encode()
    response = Forms(client).post(
        "/delivery/import",
        {"file": (io.BytesIO(content), "delivery.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Line 2 contains a NUL character" in unescape(response.get_data(as_text=True))
    assert demo.snapshot() == before


def test_need_data_upload_with_a_control_character_is_refused():
    from pbapp.services.errors import FieldError
    from pbapp.services.funding.need import decode_upload

    with pytest.raises(FieldError, match="Line 3 of the file contains a NUL character"):
        decode_upload(b"code,value\nE05000001,1\nE05000002,\x002\n", "indicator_file", 10_000)


# --- Sizes ------------------------------------------------------------------------------------


def test_a_ten_megabyte_name_is_refused_with_a_short_page(demo):
    """Issue 17: a 10 MB name came back as a 10.5 MB page."""
    client = demo.app.test_client()
    response = Forms(client).post(
        "/account/register", {"name": "x" * 10_000_000, "email": "big@example.org"}
    )
    assert response.status_code == 413
    assert len(response.get_data()) < 20_000


def test_a_field_past_the_request_wide_cap_is_refused_by_name(demo):
    client = demo.app.test_client()
    response = Forms(client).post(
        "/account/register", {"name": "x" * (FIELD_MAX_CHARS + 1), "email": "big@example.org"}
    )
    assert response.status_code == 413
    page = unescape(response.get_data(as_text=True))
    assert f"“name” is {FIELD_MAX_CHARS + 1:,} characters long" in page
    assert len(page) < 20_000


def test_a_refused_field_is_echoed_no_longer_than_its_limit(demo):
    client = demo.app.test_client()
    response = Forms(client).post(
        "/account/register", {"name": "y" * 5_000, "email": "long@example.org"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use at most 120 characters." in page
    assert "y" * 120 in page and "y" * 121 not in page


def test_field_limit_reads_the_length_validator():
    from wtforms import Form, StringField

    class Two(Form):
        short = StringField(validators=[Length(max=12)])
        free = StringField()

    form = Two()
    assert (field_limit(form.short), field_limit(form.free)) == (12, FIELD_MAX_CHARS)
    assert isinstance(form.free, Field)


def test_uploads_keep_their_own_larger_limit(demo):
    """Only the views that take files accept requests above MAX_CONTENT_LENGTH."""
    from pbapp.limits import UPLOAD_ATTRIBUTE

    raised = {
        endpoint
        for endpoint, view in demo.app.view_functions.items()
        if getattr(view, UPLOAD_ATTRIBUTE, None)
    }
    assert raised == {
        "funding.need_import_deprivation",
        "funding.need_import_indicators",
        "accountability.delivery_import",
    }
    assert demo.app.config["MAX_CONTENT_LENGTH"] <= 2 * 1024 * 1024
    assert demo.app.config["MAX_FORM_MEMORY_SIZE"] <= 64 * 1024
    source = inspect.getsource(importlib.import_module("pbapp.errors"))
    assert "max_content_length" in source


# --- Sign-in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("next_", ["/%0Afoo", "/%0D%0ASet-Cookie:x=1", "/%09x", "/\\evil.example"])
def test_an_unusable_next_is_ignored_and_the_sign_in_completes(demo, next_):
    """Issue 17: the sign-in answered 500 while the cookie was already set."""
    client = demo.app.test_client()
    token = Forms(client).token("/account/sign-in")
    from pbapp.demo import DEMO_PASSWORD

    response = client.post(
        f"/account/sign-in?next={next_}",
        data={"csrf_token": token, "email": DEMO_EMAILS["resident"], "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/account/").status_code == 200
    with demo.app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.sign_in")
        )


def test_a_request_too_large_for_a_signed_in_person_gets_the_413_page(demo):
    """The page's sign-out form must not read the body that was too large (it was a 500)."""
    client = demo.app.test_client()
    sign_in(client, DEMO_EMAILS["officer"])
    response = Forms(client).post(
        "/processes/new", {"title": "t", "voting_start": "huge " * 600_000}
    )
    assert response.status_code == 413
    assert len(response.get_data()) < 20_000
