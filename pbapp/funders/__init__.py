from flask import Blueprint

bp = Blueprint("funders", __name__, url_prefix="/funding")

from pbapp.funders import routes  # noqa: E402,F401  (registers the views on bp)
