"""The API's index, its OpenAPI document and the readable page made from it."""

from __future__ import annotations

from flask import render_template

from pbapp.access import public
from pbapp.api import bp, spec
from pbapp.api.conventions import CURRENCY, href

COLLECTIONS = (
    "processes",
    "proposals",
    "neighbourhoods",
    "allocations",
    "core_funding_rounds",
    "commitments",
    "delivery_list",
    "datasets",
    "changes",
)


@bp.route("/")
@public
def index():
    return {
        "name": "Sheffield Healthier Together: public API",
        "currency": CURRENCY,
        "documentation": href("docs"),
        "links": {
            **{name.removesuffix("_list"): href(name) for name in COLLECTIONS},
            "openapi": href("openapi"),
        },
    }


@bp.route("/openapi.json")
@public
def openapi():
    return spec.document()


@bp.route("/docs")
@public
def docs():
    document = spec.document()
    return render_template(
        "api/docs.html", document=document, schemas=document["components"]["schemas"]
    )
