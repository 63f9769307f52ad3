from flask import Blueprint
from flask_login import LoginManager

bp = Blueprint("auth", __name__, url_prefix="/account")


def init_login(login_manager: LoginManager) -> None:
    from sqlalchemy.orm import joinedload

    from pbapp.extensions import db
    from pbapp.models import User

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            # Roles in the same query: every signed-in request asks for them.
            return db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
        except ValueError:
            return None


from pbapp.auth import routes  # noqa: E402,F401  (registers the views on bp)
