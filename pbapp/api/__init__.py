"""The read-only public JSON API at /api/v1 (see docs/api.md)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from pbapp.api import (  # noqa: E402,F401  (registers the views on bp)
    conventions,
    participation,
    public_records,
    routes,
)
