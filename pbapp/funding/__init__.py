from flask import Blueprint

bp = Blueprint("funding", __name__, url_prefix="/funding")

from pbapp.funding import routes, scenario_views  # noqa: E402,F401  (registers the views)
