from flask import Blueprint

bp = Blueprint("pb", __name__)

from pbapp.pb import results, routes, voting  # noqa: E402,F401  (registers the views on bp)
