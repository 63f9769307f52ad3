"""The objects the API answers with, as JSON Schema (the ``components`` of its OpenAPI document,
built in ``spec.py``)."""

from __future__ import annotations

from typing import Any

from pbapp.api.conventions import MAX_ID
from pbapp.models.accountability import COMMITMENT_STATUSES, DELIVERY_STATUSES
from pbapp.models.process import BALLOT_TYPES, PHASES, THEMES

REF = "#/components/schemas/"


def ref(name: str) -> dict:
    return {"$ref": REF + name}


def nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
TEXT = nullable(STRING)
POUNDS = {"type": "integer", "description": "Whole pounds (GBP)."}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
HREF = {"type": "string", "format": "uri-reference"}
TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
PHASE = {"type": "string", "enum": ["upcoming", *PHASES]}


def obj(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


SCHEMAS: dict[str, dict] = {
    "Problem": {
        "description": "An error, as RFC 9457 describes (application/problem+json).",
        **obj(
            {
                "type": STRING,
                "title": STRING,
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": STRING,
            }
        ),
    },
    "Ref": obj({"id": ID, "href": HREF}),
    "Area": nullable(obj({"code": STRING, "name": STRING, "href": HREF})),
    "Budget": obj(
        {
            "id": ID,
            "href": HREF,
            "process": ref("Ref"),
            "name": STRING,
            "neighbourhood": ref("Area"),
            "amount": POUNDS,
            "phase": PHASE,
            "result": nullable(HREF),
            "proposals": HREF,
        }
    ),
    "Process": obj(
        {
            "id": ID,
            "href": HREF,
            "title": STRING,
            "description": STRING,
            "phase": PHASE,
            "ballot_type": {"type": "string", "enum": list(BALLOT_TYPES)},
            "rule": STRING,
            "themes": {
                "type": "array",
                "items": obj({"id": {"type": "string", "enum": list(THEMES)}, "name": STRING}),
            },
            "dates": obj({phase: DATE for phase in PHASES}),
            "budgets": {"type": "array", "items": ref("Budget")},
            "proposals": HREF,
        }
    ),
    "Proposal": obj(
        {
            "id": ID,
            "href": HREF,
            "title": STRING,
            "summary": STRING,
            "cost": POUNDS,
            "theme": obj({"id": STRING, "name": STRING}),
            "location": TEXT,
            "budget": obj({"id": ID, "name": STRING, "href": HREF}),
            "neighbourhood": ref("Area"),
            "status": {
                "type": "string",
                "enum": ["submitted", "feasible", "not_feasible", "funded", "not_funded"],
                "description": "Its review (submitted, feasible = on the ballot, not_feasible), "
                "or once its budget's result is published, funded or not_funded.",
            },
            "review_note": TEXT,
            "outcome": nullable(
                obj({"funded": {"type": "boolean"}, "code": STRING, "explanation": STRING})
            ),
        }
    ),
    "Result": obj(
        {
            "budget": ID,
            "href": HREF,
            "rule": STRING,
            "selected": {"type": "array", "items": ID},
            "spend": POUNDS,
            "budget_amount": POUNDS,
            "voters": nullable({"type": "integer", "minimum": 10}),
            "withheld": {
                **TEXT,
                "description": "Why some figures are not published (null when none is "
                "withheld): the disclosure policy, docs/disclosure.md.",
            },
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "published_at": TIME,
            "ballots": nullable(HREF),
            "proposals": {
                "type": "array",
                "items": obj(
                    {
                        "id": nullable(ID),
                        "href": nullable(HREF),
                        "title": STRING,
                        "cost": POUNDS,
                        "funded": {"type": "boolean"},
                        "supporters": nullable({"type": "integer", "minimum": 5}),
                        "score": nullable({"type": "number"}),
                        "explanation": STRING,
                    }
                ),
            },
        }
    ),
    "Neighbourhood": obj(
        {
            "code": STRING,
            "href": HREF,
            "name": STRING,
            "population": {"type": "integer", "minimum": 0},
            "need": obj(
                {
                    "measure": STRING,
                    "score": nullable({"type": "number"}),
                    "year": nullable({"type": "integer"}),
                    "rank_in_city": nullable({"type": "integer", "minimum": 1}),
                    "share_in_englands_most_deprived_tenth": nullable({"type": "number"}),
                    "previous_score": nullable({"type": "number"}),
                    "previous_year": nullable({"type": "integer"}),
                }
            ),
            "proposals": HREF,
        }
    ),
    "Allocation": obj(
        {
            "id": ID,
            "href": HREF,
            "name": STRING,
            "description": TEXT,
            "budget": POUNDS,
            "published_at": TIME,
            "fingerprint": STRING,
            "inputs": HREF,
            "neighbourhoods": {
                "type": "array",
                "items": obj(
                    {
                        "code": STRING,
                        "name": STRING,
                        "href": HREF,
                        "population": {"type": "integer"},
                        "need": {"type": "number"},
                        "need_rank": {"type": "integer"},
                        "amount": POUNDS,
                        "previous_amount": nullable(POUNDS),
                        "explanation": STRING,
                    }
                ),
            },
        },
        optional=("neighbourhoods",),
    ),
    "CoreFundingRound": obj(
        {
            "id": ID,
            "href": HREF,
            "title": STRING,
            "pot": POUNDS,
            "years": {"type": "integer"},
            "first_year": {"type": "integer"},
            "total": nullable(POUNDS),
            "unallocated": nullable(POUNDS),
            "published_at": TIME,
            "fingerprint": STRING,
            "inputs": HREF,
            "awards": {
                "type": "array",
                "items": obj(
                    {"id": ID, "organisation": STRING, "amount_per_year": POUNDS, "statement": HREF}
                ),
            },
        },
        optional=("awards",),
    ),
    "DatasetSummary": obj({"name": STRING, "href": HREF, "title": STRING, "csv": HREF}),
    "Dataset": obj(
        {
            "name": STRING,
            "href": HREF,
            "title": STRING,
            "csv": HREF,
            "description": STRING,
            "suppression": STRING,
            "columns": {
                "type": "array",
                "items": obj({"name": STRING, "meaning": STRING, "unit": STRING}),
            },
            "records": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
                },
            },
        }
    ),
    "Change": obj(
        {
            "at": TIME,
            "description": STRING,
            "record": STRING,
            "details": {"type": "array", "items": obj({"field": STRING, "value": STRING})},
            "before": {"type": "array", "items": obj({"field": STRING, "value": STRING})},
        }
    ),
    "Story": obj({"teller": TEXT, "text": TEXT, "told_at": TIME}),
    "CommitmentUpdate": obj(
        {
            "id": ID,
            "posted_at": TIME,
            "figure": nullable({"type": "integer"}),
            "summary": TEXT,
            "status": nullable({"type": "string", "enum": list(COMMITMENT_STATUSES)}),
            "status_reason": TEXT,
            "stories": {"type": "array", "items": ref("Story")},
        }
    ),
    "Commitment": obj(
        {
            "id": ID,
            "href": HREF,
            "shift": STRING,
            "text": STRING,
            "owner": STRING,
            "measure": TEXT,
            "due_date": DATE,
            "status": {"type": "string", "enum": list(COMMITMENT_STATUSES)},
            "status_reason": TEXT,
            "latest_update": nullable(ref("CommitmentUpdate")),
            "updates": {"type": "array", "items": ref("CommitmentUpdate")},
        },
        optional=("updates",),
    ),
    "Delivery": obj(
        {
            "kind": {"type": "string", "enum": ["project", "award"]},
            "id": ID,
            "href": HREF,
            "title": STRING,
            "neighbourhood": TEXT,
            "amount": POUNDS,
            "status": {"type": "string", "enum": list(DELIVERY_STATUSES)},
            "spend": POUNDS,
            "subject": nullable(HREF),
            "updates": {
                "type": "array",
                "items": obj(
                    {
                        "posted_at": TIME,
                        "status": {"type": "string", "enum": list(DELIVERY_STATUSES)},
                        "spend": POUNDS,
                        "milestone": TEXT,
                        "outcome_measure": TEXT,
                        "outcome_figure": nullable({"type": "integer"}),
                        "note": TEXT,
                    }
                ),
            },
            "stories": {"type": "array", "items": ref("Story")},
        },
        optional=("updates", "stories"),
    ),
}
