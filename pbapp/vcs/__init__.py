from flask import Blueprint

bp = Blueprint("vcs", __name__, url_prefix="/core-funding")

from pbapp.vcs import open_grants_views, routes  # noqa: E402,F401  (registers the views on bp)
