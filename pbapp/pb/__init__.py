from flask import Blueprint

bp = Blueprint("pb", __name__)

from pbapp.pb import routes  # noqa: E402,F401  (registers the views on bp)
