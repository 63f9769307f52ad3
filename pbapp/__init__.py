"""The Flask application: ``create_app`` binds extensions, blueprints, commands and error pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from pbapp.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT_TEMPLATES = "../templates"
ROOT_STATIC = "../static"


class IdConverter(IntegerConverter):
    """``<int:...>`` in the routes names a row: a number no id can be is not found (404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        from pbapp.forms import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: object | None = None) -> Flask:
    """Build the application.

    ``config`` is a config object (see ``config.py``); without one the environment decides
    (``PBAPP_ENV``, default production, which refuses to start without ``SECRET_KEY``).
    """
    app = Flask(__name__, template_folder=ROOT_TEMPLATES, static_folder=ROOT_STATIC)
    app.url_map.converters["int"] = IdConverter
    if config is None:
        from config import config_from_environment

        config = config_from_environment()
    app.config.from_object(config)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind n proxies, the client's address is the n-th from the right of X-Forwarded-For;
        # with none trusted, a client's own X-Forwarded-For is ignored (it could say anything).
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from pbapp import i18n

    i18n.register(app, babel)

    from pbapp import accountability as accountability_bp
    from pbapp import admin as admin_bp
    from pbapp import api as api_bp
    from pbapp import auth, cli, dev, errors, formatting, mailer, main, security
    from pbapp import funding as funding_bp
    from pbapp import pb as pb_bp
    from pbapp import vcs as vcs_bp
    from pbapp import verification as verification_bp

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.localize_callback = str  # made text in the reader's language when flashed
    login_manager.login_message_category = "info"
    auth.init_login(login_manager)

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin_bp.bp)
    app.register_blueprint(api_bp.bp)
    app.register_blueprint(pb_bp.bp)
    app.register_blueprint(vcs_bp.bp)
    app.register_blueprint(funding_bp.bp)
    app.register_blueprint(accountability_bp.bp)
    app.register_blueprint(verification_bp.bp)
    app.register_blueprint(dev.bp)
    mailer.register(app)
    errors.register(app)
    security.register(app)
    formatting.register(app)
    cli.register(app)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
