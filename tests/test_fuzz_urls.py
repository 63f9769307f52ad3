"""Property-based fuzzing of every URL: path parameters, query strings and the JSON API.

Every rule of the URL map that answers GET is requested, by someone its access decision allows
(test_access.py), with path parameters that name real rows, rows that do not exist, numbers too
large for any database integer, and hostile text; and with query strings built from the names
the view reads (``request.args`` in its source, and the fields of the page's GET forms) and from
names it does not know, each with hostile values and repeated. Every response is below 500,
echoes no posted tag live, and a GET changes no table. Requests with methods a rule does not
allow get an answer below 500 too (405, or 400 for a POST without its CSRF token).
"""

from __future__ import annotations

import inspect
import os
import re
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from config import TestConfig
from pbapp import api, create_app
from pbapp.extensions import db
from pbapp.models import Budget, Neighbourhood, Process, Proposal, Result, User
from pbapp.models.accountability import (
    DELIVERY_KINDS,
    Commitment,
    CommitmentComment,
    DeliveryRecord,
    Story,
)
from pbapp.models.core_funding import CoreFundingRound, CorrectionRequest, Organisation
from pbapp.models.funding import Contribution, Scenario
from pbapp.models.verification import LetterBatch, Verification
from pbapp.services.accountability import open_data
from tests.fuzz_support import (
    DEMO_EMAILS,
    NASTY_NUMBERS,
    PageForms,
    changed_tables,
    check_response,
    demo_fixture,
    fuzz_settings,
    huge_integers,
    nasty_value,
    role_for,
    sign_in,
)
from tests.test_access import EXPECTED_ACCESS

MAX_EXAMPLES = int(os.environ.get("FUZZ_URL_MAX_EXAMPLES", "12"))
PARAMETER = re.compile(r"<(?:[^>]*:)?(\w+)>")
ARGS_READ = re.compile(r"(?:request\.args\.get(?:list)?|query_choice|query_id)\(\s*[\"'](\w+)[\"']")
HUGE_IDS = [0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30]
# Names no view reads: the view must ignore them.
UNKNOWN_ARGS = ["page", "sort", "format", "id", "limit", "callback", "next"]

demo = pytest.fixture(scope="module", name="demo")(demo_fixture)


def _ids(query) -> list:
    return list(db.session.scalars(query.limit(3)))


def _real_values() -> dict[str, list]:
    """Values of each path parameter that name real rows of the demo."""
    delivered = _ids(select(DeliveryRecord.proposal_id).where(DeliveryRecord.kind == "project"))
    return {
        "user_id": _ids(select(User.id).order_by(User.id)),
        "process_id": _ids(select(Process.id).order_by(Process.id)),
        "budget_id": _ids(select(Result.budget_id).order_by(Result.budget_id))
        + _ids(select(Budget.id).order_by(Budget.id.desc())),
        "proposal_id": _ids(select(Proposal.id).order_by(Proposal.id)),
        "org_id": _ids(select(Organisation.id).order_by(Organisation.id)),
        "round_id": _ids(select(CoreFundingRound.id).order_by(CoreFundingRound.id)),
        "request_id": _ids(select(CorrectionRequest.id)),
        "contribution_id": _ids(select(Contribution.id)),
        "scenario_id": _ids(select(Scenario.id)),
        "allocation_id": _ids(select(Scenario.id).where(Scenario.status == "published")),
        "commitment_id": _ids(select(Commitment.id).order_by(Commitment.id)),
        "comment_id": _ids(select(CommitmentComment.id)),
        "story_id": _ids(select(Story.id)),
        "subject_id": delivered,
        "code": _ids(select(Neighbourhood.code).order_by(Neighbourhood.code)),
        "name": list(open_data.DATASETS),
        "verification_id": _ids(select(Verification.id).order_by(Verification.id)),
        "batch_id": _ids(select(LetterBatch.id).order_by(LetterBatch.id)),
        "kind": list(DELIVERY_KINDS) + ["csv", "xlsx"],
    }


def _get_rules(app: Flask) -> dict[str, str]:
    return {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    }


def _args_read_by(app: Flask, endpoint: str) -> set[str]:
    """Every name read from ``request.args`` in the view's module (its helpers read some)."""
    module = inspect.getmodule(inspect.unwrap(app.view_functions[endpoint]))
    names = set(ARGS_READ.findall(inspect.getsource(module)))
    if endpoint.startswith("api."):
        names |= {"limit", "cursor"}  # read by the API's Page, for every list
    return names


def _path_value(real: list) -> st.SearchStrategy[str]:
    hostile = st.one_of(
        st.sampled_from(HUGE_IDS).map(str),
        huge_integers(),
        st.sampled_from(NASTY_NUMBERS),
        nasty_value(),
    )
    values = st.one_of(st.sampled_from(real).map(str), hostile) if real else hostile
    return values.map(lambda v: quote(v, safe=""))


def _build(data, rule: str, real: dict[str, list]) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        return data.draw(_path_value(real.get(name, [])), label=name)

    return PARAMETER.sub(one, rule)


def _query(keys: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    key = st.sampled_from(keys + UNKNOWN_ARGS) if keys else st.sampled_from(UNKNOWN_ARGS)
    value = st.one_of(
        st.sampled_from(HUGE_IDS).map(str),
        huge_integers(),
        st.integers(-5, 40).map(str),
        nasty_value(),
    )
    return st.lists(st.tuples(key, value), max_size=5)


# The routes, read from an app's URL map at collection time (no database is touched).
GET_RULES = _get_rules(create_app(TestConfig("sqlite://")))


def test_every_path_of_the_api_document_is_fuzzed():
    spec = api.spec.document()
    base = spec["servers"][0]["url"]
    fuzzed = {re.sub(r"<(?:[^>]*:)?(\w+)>", r"{\1}", rule) for rule in GET_RULES.values()}
    assert {base + path for path in spec["paths"]} <= fuzzed


def test_every_get_route_has_an_access_decision():
    """So the fuzzer knows whom to sign in as (test_access.py proves the tables complete)."""
    assert GET_RULES.keys() <= EXPECTED_ACCESS.keys()


@pytest.mark.parametrize("endpoint", sorted(GET_RULES))
def test_fuzz_url(demo, endpoint):
    rule = GET_RULES[endpoint]
    demo.restore()
    with demo.app.app_context():
        real = _real_values()
    client = demo.app.test_client()
    role = role_for(EXPECTED_ACCESS[endpoint])
    if role is not None:
        sign_in(client, DEMO_EMAILS[role])

    # The names of the query string: what the view reads, and the fields of the page's GET forms.
    keys = _args_read_by(demo.app, endpoint)
    sample = PARAMETER.sub(lambda m: quote(str((real.get(m.group(1)) or ["1"])[0])), rule)
    page = client.get(sample)
    check_response(page, f"GET {sample}")
    if page.mimetype == "text/html":
        for form in PageForms(page.get_data(as_text=True), sample).forms:
            if form.method == "get":
                keys |= set(form.fields)
    keys = sorted(keys)

    @fuzz_settings(MAX_EXAMPLES)
    @given(data=st.data())
    def fuzz(data):
        url = _build(data, rule, real)
        query = data.draw(_query(keys), label="query")
        if query:
            url += "?" + urlencode(query)
        method = data.draw(st.sampled_from(["GET"] * 6 + ["HEAD", "OPTIONS", "POST", "PUT"]))
        before = demo.snapshot()
        response = client.open(url, method=method)
        check_response(response, f"{method} {url}")
        changed = changed_tables(before, demo.snapshot())
        assert not changed, f"{method} {url} ({response.status_code}) changed {changed}"

    fuzz()
