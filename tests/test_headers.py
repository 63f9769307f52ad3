"""Response headers (issue 17): a signed-in page is never stored; no header names software."""

from __future__ import annotations

import re

import pytest

from pbapp.demo import DEMO_PASSWORD
from tests.fuzz_support import DEMO_EMAILS, demo_fixture, role_for, sign_in
from tests.test_access import EXPECTED_ACCESS
from tests.test_fuzz_urls import GET_RULES, PARAMETER, _real_values

demo = pytest.fixture(scope="module", name="demo")(demo_fixture)
SOFTWARE = re.compile(r"(werkzeug|python|flask|gunicorn|jinja|sqlalchemy)\s*/?\s*v?\d", re.I)


def _pages(demo):
    with demo.app.app_context():
        real = _real_values()
    for endpoint, rule in sorted(GET_RULES.items()):
        url = PARAMETER.sub(lambda m: str((real.get(m.group(1)) or ["1"])[0]), rule)
        yield endpoint, url


def test_every_page_for_a_signed_in_person_says_no_store(demo):
    demo.restore()
    clients = {}
    seen = 0
    for endpoint, url in _pages(demo):
        role = role_for(EXPECTED_ACCESS[endpoint]) or "resident"
        if role not in clients:
            clients[role] = demo.app.test_client()
            sign_in(clients[role], DEMO_EMAILS[role])
        response = clients[role].get(url)
        if response.status_code >= 400:
            continue
        assert response.headers.get("Cache-Control") == "no-store", f"{endpoint} {url}"
        seen += 1
    assert seen > 40


def test_the_sign_in_response_itself_is_not_stored(demo):
    from tests.conftest import Forms

    client = demo.app.test_client()
    response = Forms(client).post(
        "/account/sign-in",
        {"email": DEMO_EMAILS["resident"], "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_for_anonymous_visitors_may_be_cached(demo):
    client = demo.app.test_client()
    assert "no-store" not in (client.get("/").headers.get("Cache-Control") or "")


def test_no_header_names_software_or_its_version(demo):
    client = demo.app.test_client()
    signed = demo.app.test_client()
    sign_in(signed, DEMO_EMAILS["officer"])
    for endpoint, url in _pages(demo):
        for who in (client, signed):
            response = who.get(url)
            for name, value in response.headers.items():
                assert name.lower() not in ("x-powered-by", "server"), f"{endpoint}: {name}"
                assert not SOFTWARE.search(value), f"{endpoint}: {name}: {value}"
