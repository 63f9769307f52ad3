"""The public JSON API answers as its OpenAPI document says, formats included, and keeps its
conventions: problems (RFC 9457), pages, RFC 3339 times, ETag/304, CORS on the API only, 405
with Allow. schemathesis holds the whole API to the document in test_api_contract.py."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from allocation import pb
from pbapp.api.spec import document
from pbapp.extensions import db
from tests.pb_factories import make_process, make_proposal

SPEC = document()
CHECKER = Draft202012Validator.FORMAT_CHECKER


def conforms(instance: object, schema_name: str) -> None:
    schema = {**SPEC, "$ref": f"#/components/schemas/{schema_name}"}
    Draft202012Validator(schema, format_checker=CHECKER).validate(instance)


def answers_as_documented(path: str, body: object, status: str = "200") -> None:
    content = SPEC["paths"][path]["get"]["responses"][status]["content"]
    [(_, media)] = content.items()
    Draft202012Validator({**SPEC, **media["schema"]}, format_checker=CHECKER).validate(body)


def test_format_checking_is_on():
    """Found by schemathesis: published_at "2026-12-04T16:56:25" has no offset and passed the
    project's own tests, which did not check formats. They do now."""
    with pytest.raises(ValidationError):
        Draft202012Validator({"format": "date-time"}, format_checker=CHECKER).validate(
            "2026-12-04T16:56:25"
        )


def test_openapi_document_is_served_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json == SPEC
    assert SPEC["openapi"].startswith("3.1")
    Draft202012Validator.check_schema({"$defs": SPEC["components"]["schemas"]})


def test_readable_documentation_and_index(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    for path, item in SPEC["paths"].items():
        for operation in item.values():
            assert f'id="{operation["operationId"]}"' in text, path
    assert "cdn" not in text.lower()
    index = client.get("/api/v1/")
    answers_as_documented("/", index.json)
    assert index.json["currency"] == "GBP"
    for href in index.json["links"].values():
        assert client.get(href).status_code == 200, href


def test_processes_list_budgets_with_their_phase(client, neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods[:2], citywide=40_000)
    data = client.get("/api/v1/processes").json
    answers_as_documented("/processes", data)
    [listed] = data["items"]
    assert listed["id"] == process.id and listed["phase"] == "voting"
    assert sorted(b["amount"] for b in listed["budgets"]) == [10_000, 10_000, 40_000]
    assert client.get(listed["href"]).json == listed
    assert client.get("/api/v1/processes?phase=results").json["items"] == []


def test_result_is_a_problem_before_publication_and_the_result_after(
    client, forms, create_user, sign_in, counted
):
    budget, _ = counted
    before = client.get(f"/api/v1/budgets/{budget.id}/result")
    assert before.status_code == 404 and before.mimetype == "application/problem+json"
    conforms(before.json, "Problem")
    assert client.get(f"/api/v1/budgets/{budget.id}/ballots.pb").status_code == 404

    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    after = client.get(f"/api/v1/budgets/{budget.id}/result")
    assert after.status_code == 200
    conforms(after.json, "Result")
    assert after.json["published_at"].endswith("+00:00")
    titles = {p.id: p.title for p in budget.proposals if p.status == "feasible"}
    funded = [line["id"] for line in after.json["proposals"] if line["funded"]]
    assert sorted(funded) == sorted(after.json["selected"])
    assert {line["id"]: line["title"] for line in after.json["proposals"]} == titles
    assert "Last-Modified" in after.headers

    ballots_file = client.get(f"/api/v1/budgets/{budget.id}/ballots.pb").get_data(as_text=True)
    recount = pb.count(pb.read_pb(ballots_file), "official")
    assert [int(x) for x in recount.selected] == after.json["selected"]
    assert recount.cost == after.json["spend"]

    # Proposals tell their outcome once counted, with the explanation's code and words.
    listed = client.get(f"/api/v1/proposals?budget={budget.id}").json["items"]
    answers_as_documented("/proposals", {"items": listed, "limit": 50, "next": None})
    assert {p["id"] for p in listed if p["status"] == "funded"} == set(funded)
    assert all(p["outcome"]["explanation"] for p in listed if p["id"] in titles)
    assert [p["status"] for p in listed if p["id"] not in titles] == ["not_feasible"]


def test_drafts_are_never_in_the_api(client, neighbourhoods):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    draft = make_proposal(process.budgets[0], "Secret draft", 1000)
    draft.status = "draft"
    db.session.commit()
    assert client.get(f"/api/v1/proposals/{draft.id}").status_code == 404
    assert client.get("/api/v1/proposals").json["items"] == []


def test_pages_walk_every_item_once(client, neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    made = [make_proposal(process.budgets[0], f"Idea {i}", 100 + i).id for i in range(7)]
    seen, url = [], "/api/v1/proposals?limit=3"
    while url:
        body = client.get(url).json
        answers_as_documented("/proposals", body)
        assert len(body["items"]) <= 3
        seen += [p["id"] for p in body["items"]]
        url = body["next"]
    assert seen == sorted(made)


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "cursor=-1",
        "cursor=99999999999999999999",
        "status=won",
        "theme=",
        "neighbourhood=Ecclesall",
        "process=2147483648",
    ],
)
def test_bad_parameters_are_problems_that_name_the_parameter(client, query):
    response = client.get(f"/api/v1/proposals?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    conforms(response.json, "Problem")
    assert f"“{query.split('=')[0]}”" in response.json["detail"]


def test_neighbourhood_filter_by_code_and_citywide(client, neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods[:1], citywide=5000)
    local = make_proposal(process.budgets[0], "Local", 100)
    citywide = next(b for b in process.budgets if b.neighbourhood_id is None)
    wide = make_proposal(citywide, "Wide", 100)
    ids = lambda q: [p["id"] for p in client.get(f"/api/v1/proposals?{q}").json["items"]]  # noqa: E731
    assert ids(f"neighbourhood={neighbourhoods[0].code}") == [local.id]
    assert ids("neighbourhood=citywide") == [wide.id]
    assert ids("neighbourhood=E05999999") == []  # a code no neighbourhood has: nothing


def test_etag_and_conditional_requests(client, neighbourhoods):
    make_process("voting", neighbourhoods=neighbourhoods[:1])
    first = client.get("/api/v1/processes")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/processes", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get("/api/v1/processes", headers={"If-None-Match": '"other"'}).status_code == 200


def test_cors_on_the_api_only(client, neighbourhoods):
    assert client.get("/api/v1/processes").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/processes/").headers


@pytest.mark.parametrize("method", ["TRACE", "POST", "PUT", "DELETE", "PATCH"])
def test_methods_not_allowed_say_which_are(client, method):
    """Found by schemathesis: 405 without the Allow header HTTP requires."""
    response = client.open("/api/v1/processes", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "url", ["/api/v1/budgets/999999/result", "/api/v1/budgets/abc/result", "/api/v1/nothing"]
)
def test_unknown_things_are_json_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    conforms(response.json, "Problem")


# Each public page that shows records, and the API operation that gives the same data.
PAGE_DATA = {
    "pb.processes_list": "listProcesses",
    "pb.process": "getProcess",
    "pb.budget": "getBudget",
    "pb.process_proposals": "listProposals",
    "pb.proposal": "getProposal",
    "pb.results": "getResult",
    "pb.ballots_file": "getBallots",
    "main.neighbourhoods_list": "listNeighbourhoods",
    "main.neighbourhood": "getNeighbourhood",
    "funding.index": "listAllocations",
    "funding.allocation": "getAllocation",
    "vcs.index": "listCoreFundingRounds",
    "vcs.round_page": "getCoreFundingRound",
    "accountability.commitments": "listCommitments",
    "accountability.commitment": "getCommitment",
    "accountability.delivery_list": "listDelivery",
    "accountability.delivery_item": "getDelivery",
    "accountability.dashboard_page": "getDataset",
    "accountability.open_data_index": "listDatasets",
    "accountability.changes": "listChanges",
}
# Public pages that are forms, files of a page above, or words about the platform.
NOT_RECORDS = {
    "auth.login",
    "auth.register",
    "auth.registered",
    "auth.check_email",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.unsubscribe",
    "dev.outbox",  # development only: mail written to files
    "dev.outbox_message",
    "main.index",
    "main.data_sources",
    "main.disclosure",
    "main.set_language",  # the language picker's form
    "pb.receipt_check",
    "vcs.formula",
    "funding.allocation_download",
    "funding.allocation_inputs",
    "vcs.round_csv",
    "vcs.round_inputs",
    "vcs.round_open_grants",  # downloads of published awards in the 360Giving standard
    "vcs.open_grants_all",
    "vcs.equality_note",  # a round's equality impact note (a document, not a record)
    "accountability.open_data_csv",
    "accountability.open_data_json",
}


def test_every_public_page_has_its_data_in_the_api():
    from tests.test_access import EXPECTED_ACCESS

    public_pages = {
        e
        for e, access in EXPECTED_ACCESS.items()
        if access == "public" and not e.startswith("api.")
    }
    assert public_pages - NOT_RECORDS == PAGE_DATA.keys()
    operations = {op["operationId"] for item in SPEC["paths"].values() for op in item.values()}
    assert set(PAGE_DATA.values()) <= operations
    assert len(operations) >= len(PAGE_DATA)
