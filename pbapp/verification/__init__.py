"""Verified residents: getting verified, letter codes, and revoking verifications."""

from flask import Blueprint

bp = Blueprint("verification", __name__, url_prefix="/verification")

from pbapp.verification import routes  # noqa: E402,F401  (registers the views on bp)
