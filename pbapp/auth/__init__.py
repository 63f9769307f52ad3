from flask import Blueprint
from flask_login import LoginManager

bp = Blueprint("auth", __name__, url_prefix="/account")


def init_login(login_manager: LoginManager) -> None:
    from sqlalchemy.orm import joinedload

    from pbapp.extensions import db
    from pbapp.models import User

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The cookie's ``id.version``: a stale version (signed out, password changed or reset
        since) or a deactivated account signs nobody in."""
        user_id, _, version = session_id.partition(".")
        try:
            # Roles in the same query: every signed-in request asks for them.
            user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
            version_number = int(version)
        except ValueError:
            return None
        if user is None or user.session_version != version_number or not user.is_active:
            return None
        return user


from pbapp.auth import routes  # noqa: E402,F401  (registers the views on bp)
