"""Published documents of the core-funding blueprint: 360Giving downloads of awards and funded
PB projects, and each round's equality impact note."""

from __future__ import annotations

import json

from flask import Response, abort, current_app, render_template

from pbapp.access import public
from pbapp.services import core_funding as cf
from pbapp.services import open_grants
from pbapp.vcs import bp
from pbapp.vcs.routes import published_or_404

# --- 360Giving --------------------------------------------------------------------------------


def _publisher() -> open_grants.Publisher:
    config = current_app.config
    return open_grants.Publisher(
        prefix=config["OPEN_GRANTS_PREFIX"],
        funder_id=config["OPEN_GRANTS_FUNDER_ID"],
        funder_name=config["OPEN_GRANTS_FUNDER_NAME"],
    )


def _grants_response(grants: list[dict], title: str, filename: str, fmt: str) -> Response:
    if not grants:
        abort(404)  # the standard's package holds at least one grant: nothing to publish yet
    if fmt == "csv":
        body, mimetype = open_grants.grants_csv(grants), "text/csv"
    else:
        package = open_grants.package(_publisher(), grants, title)
        body = json.dumps(package, indent=1, ensure_ascii=False)
        mimetype = "application/json"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


@bp.route("/rounds/<int:round_id>/360giving.<any(json, csv):fmt>")
@public
def round_open_grants(round_id: int, fmt: str):
    item = published_or_404(round_id)
    grants = open_grants.core_funding_grants(_publisher(), item)
    return _grants_response(
        grants, f"Core funding awards: {item.title}", f"360giving-core-funding-{item.id}", fmt
    )


@bp.route("/360giving/<any(awards, projects):kind>.<any(json, csv):fmt>")
@public
def open_grants_all(kind: str, fmt: str):
    publisher = _publisher()
    if kind == "awards":
        grants = [
            g for r in cf.published_rounds() for g in open_grants.core_funding_grants(publisher, r)
        ]
        title = "Core funding awards, every published round"
    else:
        grants = open_grants.project_grants(publisher)
        title = "Projects funded by participatory budgeting"
    return _grants_response(grants, title, f"360giving-{kind}", fmt)


@bp.route("/rounds/<int:round_id>/equality-note.md")
@public
def equality_note(round_id: int):
    """The round's one-page equality impact note (a template with the round's figures)."""
    item = published_or_404(round_id)
    text = render_template(
        "vcs/equality_note.md", round=item, inputs=item.inputs, **cf.equality_note_figures(item)
    )
    return Response(
        text,
        mimetype="text/markdown",
        headers={"Content-Disposition": f'inline; filename="equality-note-round-{item.id}.md"'},
    )
