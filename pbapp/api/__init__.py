from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from pbapp.api import routes  # noqa: E402,F401  (registers the views on bp)
