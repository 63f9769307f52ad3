"""The API's contract: an OpenAPI 3.1 document, built here from shared parts so that every
operation describes its parameters, answers and problems the same way. Served at
/api/v1/openapi.json and as a readable page at /api/v1/docs; schemathesis holds the app to it."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from pbapp.api.conventions import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT
from pbapp.api.participation import AREA_PATTERN
from pbapp.api.schemas import HREF, ID, PHASE, SCHEMAS, STRING, nullable, obj, ref
from pbapp.models.accountability import COMMITMENT_STATUSES
from pbapp.models.process import THEMES

PAGE_PARAMETERS = [
    {
        "name": "limit",
        "in": "query",
        "description": f"How many items a page holds (default {DEFAULT_LIMIT}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    },
    {
        "name": "cursor",
        "in": "query",
        "description": "The id of the last item of the previous page (from `next`).",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    },
]


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page_of(name: str) -> dict:
    return obj(
        {
            "items": {"type": "array", "items": ref(name)},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "next": nullable(HREF),
        }
    )


def list_of(name: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(name)}})


def _operation(
    op_id: str,
    summary: str,
    schema: dict,
    *,
    parameters: list[dict] = (),
    found: bool = False,
    bad: bool = False,
    links: dict | None = None,
    content_type: str = "application/json",
) -> dict:
    ok = _json(schema, "Found.")
    if content_type != "application/json":
        ok = {"description": "Found.", "content": {content_type: {"schema": schema}}}
    if links:
        ok["links"] = links
    responses: dict[str, Any] = {
        "200": ok,
        "304": {"description": "Not modified since the ETag or date the client sent."},
    }
    # Any request may be refused whole: a control character in any value is never taken.
    responses["400"] = _problem(
        "A parameter is not one the operation takes"
        + (" (a value out of range, or not one of those listed)" if bad else "")
        + ", or a value holds a control character."
    )
    if found:
        responses["404"] = _problem("No such public resource.")
    responses["405"] = {
        "description": "The method is not allowed (read-only API); the Allow header lists "
        "those that are."
    }
    return {
        "operationId": op_id,
        "summary": summary,
        "parameters": list(parameters),
        "responses": responses,
    }


def _path_id(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": ID,
        "example": 1,
    }


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _link(op_id: str, **parameters: str) -> dict:
    return {"operationId": op_id, "parameters": parameters}


def document() -> dict:
    phase = _query("phase", "Only processes in this phase today.", PHASE)
    paths = {
        "/": {
            "get": _operation(
                "index",
                "What the API offers: links to every collection and to this document.",
                obj(
                    {
                        "name": STRING,
                        "currency": STRING,
                        "documentation": HREF,
                        "links": {"type": "object", "additionalProperties": HREF},
                    }
                ),
            )
        },
        "/processes": {
            "get": _operation(
                "listProcesses",
                "Participatory-budgeting processes with their budgets.",
                page_of("Process"),
                parameters=[phase, *PAGE_PARAMETERS],
                bad=True,
                links={
                    "GetProcess": _link("getProcess", process_id="$response.body#/items/0/id"),
                },
            )
        },
        "/processes/{process_id}": {
            "get": _operation(
                "getProcess",
                "One process with its budgets.",
                ref("Process"),
                parameters=[_path_id("process_id", "The process's id.")],
                found=True,
                links={
                    "GetBudget": _link("getBudget", budget_id="$response.body#/budgets/0/id"),
                },
            )
        },
        "/budgets/{budget_id}": {
            "get": _operation(
                "getBudget",
                "One budget: a neighbourhood's (or the city's) amount in a process.",
                ref("Budget"),
                parameters=[_path_id("budget_id", "The budget's id.")],
                found=True,
                links={
                    "GetResult": _link("getResult", budget_id="$response.body#/id"),
                },
            )
        },
        "/budgets/{budget_id}/result": {
            "get": _operation(
                "getResult",
                "A budget's published result: which proposals were funded and why.",
                ref("Result"),
                parameters=[_path_id("budget_id", "The budget's id.")],
                found=True,
            )
        },
        "/budgets/{budget_id}/ballots.pb": {
            "get": _operation(
                "getBallots",
                "A published budget's anonymised ballots as a pabulib file, to recount.",
                STRING,
                parameters=[_path_id("budget_id", "The budget's id.")],
                found=True,
                content_type="text/plain",
            )
        },
        "/proposals": {
            "get": _operation(
                "listProposals",
                "Proposals residents made (drafts are never public).",
                page_of("Proposal"),
                parameters=[
                    _query("process", "Only this process's proposals.", ID),
                    _query("budget", "Only this budget's proposals.", ID),
                    _query(
                        "neighbourhood",
                        "A neighbourhood's ONS code, or `citywide`.",
                        {"type": "string", "pattern": f"^({AREA_PATTERN})$"},
                    ),
                    _query("theme", "Only this theme.", {"type": "string", "enum": list(THEMES)}),
                    _query(
                        "status",
                        "Only proposals with this status.",
                        {
                            "type": "string",
                            "enum": [
                                "submitted",
                                "feasible",
                                "not_feasible",
                                "funded",
                                "not_funded",
                            ],
                        },
                    ),
                    *PAGE_PARAMETERS,
                ],
                bad=True,
                links={
                    "GetProposal": _link("getProposal", proposal_id="$response.body#/items/0/id"),
                },
            )
        },
        "/proposals/{proposal_id}": {
            "get": _operation(
                "getProposal",
                "One proposal, with its outcome once counted.",
                ref("Proposal"),
                parameters=[_path_id("proposal_id", "The proposal's id.")],
                found=True,
            )
        },
        "/neighbourhoods": {
            "get": _operation(
                "listNeighbourhoods",
                "The city's neighbourhoods (wards) with their population and need figures.",
                list_of("Neighbourhood"),
                links={
                    "GetNeighbourhood": _link(
                        "getNeighbourhood", code="$response.body#/items/0/code"
                    ),
                },
            )
        },
        "/neighbourhoods/{code}": {
            "get": _operation(
                "getNeighbourhood",
                "One neighbourhood by its ONS code.",
                ref("Neighbourhood"),
                parameters=[
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Z][0-9]{8}$"},
                        "example": "E05010861",
                    }
                ],
                found=True,
            )
        },
        "/allocations": {
            "get": _operation(
                "listAllocations",
                "Published needs-weighted allocations between neighbourhoods.",
                page_of("Allocation"),
                parameters=PAGE_PARAMETERS,
                bad=True,
            )
        },
        "/allocations/{allocation_id}": {
            "get": _operation(
                "getAllocation",
                "One published allocation with each neighbourhood's amount and why.",
                ref("Allocation"),
                parameters=[_path_id("allocation_id", "The allocation's id.")],
                found=True,
            )
        },
        "/core-funding/rounds": {
            "get": _operation(
                "listCoreFundingRounds",
                "Published core-funding rounds for community groups.",
                page_of("CoreFundingRound"),
                parameters=PAGE_PARAMETERS,
                bad=True,
            )
        },
        "/core-funding/rounds/{round_id}": {
            "get": _operation(
                "getCoreFundingRound",
                "One published round with its awards.",
                ref("CoreFundingRound"),
                parameters=[_path_id("round_id", "The round's id.")],
                found=True,
            )
        },
        "/commitments": {
            "get": _operation(
                "listCommitments",
                "The Board's commitments with their latest update and consented stories.",
                page_of("Commitment"),
                parameters=[
                    _query(
                        "status",
                        "Only commitments with this status.",
                        {"type": "string", "enum": list(COMMITMENT_STATUSES)},
                    ),
                    *PAGE_PARAMETERS,
                ],
                bad=True,
                links={
                    "GetCommitment": _link(
                        "getCommitment", commitment_id="$response.body#/items/0/id"
                    ),
                },
            )
        },
        "/commitments/{commitment_id}": {
            "get": _operation(
                "getCommitment",
                "One commitment with every update.",
                ref("Commitment"),
                parameters=[_path_id("commitment_id", "The commitment's id.")],
                found=True,
            )
        },
        "/delivery": {
            "get": _operation(
                "listDelivery",
                "Every funded project and published award, with its delivery progress.",
                list_of("Delivery"),
                parameters=[
                    _query(
                        "kind",
                        "Only projects or awards.",
                        {"type": "string", "enum": ["project", "award"]},
                    )
                ],
                bad=True,
            )
        },
        "/delivery/{kind}/{subject_id}": {
            "get": _operation(
                "getDelivery",
                "One funded project's or award's delivery, with updates and stories.",
                ref("Delivery"),
                parameters=[
                    {
                        "name": "kind",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["project", "award"]},
                        "example": "project",
                    },
                    _path_id("subject_id", "The project's (proposal's) or award's id."),
                ],
                found=True,
            )
        },
        "/datasets": {
            "get": _operation(
                "listDatasets",
                "The open datasets (the fairness dashboard's tables among them).",
                list_of("DatasetSummary"),
                links={"GetDataset": _link("getDataset", name="$response.body#/items/0/name")},
            )
        },
        "/datasets/{name}": {
            "get": _operation(
                "getDataset",
                "One open dataset: its columns and records, small numbers hidden.",
                ref("Dataset"),
                parameters=[
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"},
                        "example": "fairness",
                    }
                ],
                found=True,
            )
        },
        "/changes": {
            "get": _operation(
                "listChanges",
                "The public change log: the newest 200 changes to public records.",
                list_of("Change"),
            )
        },
        "/openapi.json": {"get": _operation("getOpenApi", "This document.", {"type": "object"})},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sheffield Healthier Together: public API",
            "version": "2.0.0",
            "description": (
                "Read-only open data: everything the public pages show, as JSON. No "
                "authentication; CORS open to every origin. Money is in whole pounds (GBP). "
                "Times are RFC 3339 with an offset. Lists are pages (`limit`, `cursor`, `next`). "
                "Answers carry an ETag (and Last-Modified where the data has a publication "
                "time); send it back to get 304. Errors are application/problem+json (RFC 9457)."
            ),
            "license": {
                "name": "Open Government Licence v3.0",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": deepcopy(SCHEMAS)},
    }
