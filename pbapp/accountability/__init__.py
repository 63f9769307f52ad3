from flask import Blueprint

bp = Blueprint("accountability", __name__)

from pbapp.accountability import routes  # noqa: E402,F401  (registers the views on bp)
