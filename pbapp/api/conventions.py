"""The API's conventions in one place: problems (RFC 9457), pages, links, times, caching, CORS.

- Times are RFC 3339 with an offset (UTC); dates are ISO dates.
- Money is a whole number of pounds; the currency (GBP) is named once, in the index.
- Every resource has a stable id and an ``href``; lists are pages of ``items`` with a ``next``
  link (``limit`` 1 to 100, default 50; ``cursor`` is the last id of the previous page).
- Answers carry a strong ``ETag`` (and ``Last-Modified`` where the resource has a publication
  time); a matching ``If-None-Match`` or ``If-Modified-Since`` gets ``304``.
- ``Access-Control-Allow-Origin: *`` on the API only: it is read-only and needs no cookie.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, g, jsonify, request, url_for

from pbapp.api import bp

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
CURRENCY = "GBP"


class Problem(Exception):
    """A request the API refuses, answered as application/problem+json."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def problem_response(status: int, title: str, detail: str) -> Response:
    response = jsonify(type="about:blank", title=title, status=status, detail=detail)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.errorhandler(Problem)
def _problem(error: Problem) -> Response:
    return problem_response(error.status, error.title, error.detail)


def rfc3339(moment: datetime | None) -> str | None:
    """A stored time (UTC, stored without an offset) with its offset, as RFC 3339 asks."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def pounds(amount: float | int | None) -> int | None:
    return None if amount is None else round(amount)


def href(endpoint: str, **values: Any) -> str:
    return url_for(f"api.{endpoint}", **values)


def link(*parts: object) -> str:
    """The path of an API resource, e.g. ``link("proposals", 5)``: what ``href`` gives, made
    without a URL-map lookup (lists make thousands)."""
    return "/".join([request.script_root + bp.url_prefix, *map(str, parts)])


DIGITS = re.compile(r"[0-9]{1,20}")  # plain ASCII digits only ("²" and "٣" are not numbers here)


def _whole(name: str, text: str, low: int, high: int) -> int:
    """A query parameter's whole number within its bounds (a problem naming it otherwise)."""
    if not DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise Problem(
            400, "Bad parameter", f"“{name}” must be a whole number from {low} to {high}."
        )
    return int(text)


def query_choice(name: str, allowed: Sequence[str]) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise Problem(400, "Bad parameter", f"“{name}” must be one of: {', '.join(allowed)}.")
    return value


def query_id(name: str) -> int | None:
    value = request.args.get(name)
    return None if value is None else _whole(name, value, 1, MAX_ID)


class Page:
    """``limit`` and ``cursor`` from the query string, checked."""

    def __init__(self) -> None:
        limit = request.args.get("limit")
        cursor = request.args.get("cursor")
        self.limit = DEFAULT_LIMIT if limit is None else _whole("limit", limit, 1, MAX_LIMIT)
        self.after = 0 if cursor is None else _whole("cursor", cursor, 0, MAX_ID)

    def answer(self, items: list[dict], ids: list[int], endpoint: str, **extra: Any) -> Response:
        """One page: ``items`` were read with ``limit + 1`` rows so a next page is known."""
        more = len(items) > self.limit
        items, ids = items[: self.limit], ids[: self.limit]
        args = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
        following = (
            href(endpoint, **args, limit=self.limit, cursor=ids[-1]) if more and ids else None
        )
        return jsonify(items=items, limit=self.limit, next=following, **extra)


def last_modified(moment: datetime | None) -> None:
    """Say when the answer's data was last changed (sent as Last-Modified)."""
    if moment is not None:
        g.api_last_modified = moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.after_request
def _conventions(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
    ):
        body = response.get_data()
        response.set_etag(hashlib.sha256(body).hexdigest())
        moment = g.pop("api_last_modified", None)
        if moment is not None:
            response.last_modified = moment
        response.headers["Cache-Control"] = "public, max-age=60"
        response.make_conditional(request)
    return response
