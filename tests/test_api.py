"""The public JSON API answers as its OpenAPI description says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from allocation import pb
from tests.pb_factories import make_process

SPEC = json.loads(
    (Path(__file__).resolve().parents[1] / "pbapp" / "api" / "openapi.json").read_text()
)


def conforms(instance: object, schema_name: str) -> None:
    schema = {**SPEC, "$ref": f"#/components/schemas/{schema_name}"}
    Draft202012Validator(schema).validate(instance)


def response_schema(path: str) -> dict:
    content = SPEC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    return {**SPEC, **content}


def test_openapi_document_is_served_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.1")
    Draft202012Validator.check_schema({k: v for k, v in SPEC.items() if k == "components"})


def test_processes_lists_budgets_with_their_phase(client, neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods[:2], citywide=40_000)
    data = client.get("/api/v1/processes").json
    Draft202012Validator(response_schema("/processes")).validate(data)
    [listed] = data["processes"]
    assert listed["id"] == process.id and listed["phase"] == "voting"
    assert sorted(b["amount"] for b in listed["budgets"]) == [10_000, 10_000, 40_000]
    assert {
        b["neighbourhood"]["code"] if b["neighbourhood"] else None for b in listed["budgets"]
    } == {neighbourhoods[0].code, neighbourhoods[1].code, None}


def test_result_is_404_json_before_publication_and_the_result_after(
    client, forms, create_user, sign_in, counted
):
    budget, _ = counted
    before = client.get(f"/api/v1/budgets/{budget.id}/result")
    assert before.status_code == 404
    conforms(before.json, "Error")
    assert client.get(f"/api/v1/budgets/{budget.id}/ballots.pb").status_code == 404

    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    after = client.get(f"/api/v1/budgets/{budget.id}/result")
    assert after.status_code == 200
    conforms(after.json, "Result")

    ballots_file = client.get(f"/api/v1/budgets/{budget.id}/ballots.pb").get_data(as_text=True)
    recount = pb.count(pb.read_pb(ballots_file), "official")
    assert [int(x) for x in recount.selected] == after.json["selected"]
    assert recount.cost == after.json["spend"]


@pytest.mark.parametrize(
    "url", ["/api/v1/budgets/999999/result", "/api/v1/budgets/abc/result", "/api/v1/nothing"]
)
def test_unknown_things_are_json_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    conforms(response.json, "Error")


def test_result_names_each_project_with_its_cost(client, forms, create_user, sign_in, counted):
    """Issue 17: the result gave only proposal ids."""
    budget, projects = counted
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    data = client.get(f"/api/v1/budgets/{budget.id}/result").json
    conforms(data, "Result")
    by_id = {p["id"]: p for p in data["projects"]}
    assert set(by_id) == {p.id for p in projects}  # the rejected idea was not counted
    for p in projects:
        assert (by_id[p.id]["title"], by_id[p.id]["cost"]) == (p.title, p.ballot_cost)
        assert by_id[p.id]["selected"] == (p.id in data["selected"])
    assert [p["id"] for p in data["projects"] if p["selected"]] == data["selected"]


def test_the_api_has_an_index_and_a_readable_reference_page(client):
    """Issue 17: /api/v1/ was a 404 and the footer opened raw openapi.json."""
    index = client.get("/api/v1/")
    assert index.status_code == 200
    Draft202012Validator(response_schema("/")).validate(index.json)
    assert {p["path"] for p in index.json["paths"]} == {"/api/v1" + p for p in SPEC["paths"]}
    page = client.get(index.json["documentation"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, item in SPEC["paths"].items():
        assert f"GET /api/v1{path}" in html
        assert item["get"]["summary"].replace("'", "&#39;") in html
    assert "projects[].title" in html and "fingerprint" in html
    # Offline: every script and style sheet is the site's own (no CDN).
    import re

    loaded = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert loaded and all(u.startswith("/") and not u.startswith("//") for u in loaded)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/api/v1/docs">API</a>' in home
