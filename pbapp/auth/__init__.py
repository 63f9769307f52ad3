from flask import Blueprint
from flask_login import LoginManager

bp = Blueprint("auth", __name__, url_prefix="/account")


def init_login(login_manager: LoginManager) -> None:
    from pbapp.extensions import db
    from pbapp.models import User

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            return db.session.get(User, int(user_id))
        except ValueError:
            return None


from pbapp.auth import routes  # noqa: E402,F401  (registers the views on bp)
