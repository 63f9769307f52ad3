"""Configuration, read from environment variables only (never at import time of the app).

``PBAPP_ENV`` chooses the class: ``production`` (the default, so a forgotten setting fails
safe), ``development`` (what ``make run`` uses) or ``testing`` (the test suite).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{INSTANCE / name}"


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_DATABASE_URI: str = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY: str | None = None
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a ballot page left open for hours must still submit
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    # A request larger is refused (413) before it is read; views taking files raise it for
    # themselves (pbapp.limits.accepts_uploads: England's IoD File 7 is ~30 MB).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024  # one text part of a multipart form
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Signing in: per address, and per account whatever the address.
    LOGIN_LIMIT_PER_ADDRESS = "20 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    # Creating accounts: one address making many accounts is how one person gets many votes.
    REGISTER_LIMIT_PER_ADDRESS = "10 per hour;30 per day"
    # Entering letter codes (docs/verification.md gives the odds of guessing one).
    LETTER_CODE_LIMIT_PER_ACCOUNT = "10 per day"
    LETTER_CODE_LIMIT_PER_ADDRESS = "50 per day"
    # The key of identity hashes; unset: derived from SECRET_KEY (set it to rotate SECRET_KEY
    # without losing every verification).
    IDENTITY_HASH_KEY: str | None = None
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"  # failed attempts only
    RESET_LIMIT_PER_ACCOUNT = "5 per hour"  # reset emails asked for one address
    # "Forgot your password?" answers no sooner than this, whether or not the address has an
    # account: writing the reset email took 25 ms against 6 ms for an unknown address, enough to
    # tell which addresses have accounts by timing the answer (docs/accounts-and-mail.md).
    FORGOT_PASSWORD_ANSWER_SECONDS = 0.3
    CITY_NAME = "Sheffield"
    # 360Giving: the publisher's registered prefix and the funding organisation's org-id.
    OPEN_GRANTS_PREFIX = "360G-pbapp-sheffield"
    OPEN_GRANTS_FUNDER_ID = "GB-LAE-SHF"
    OPEN_GRANTS_FUNDER_NAME = "Sheffield City Council"
    TIMEZONE = "Europe/London"
    TODAY: str | None = None  # pin the date (ISO), for tests only
    DEMO_ALLOWED = False
    # How many proxies (TLS terminator, load balancer) stand in front of the app: their
    # X-Forwarded-For/-Proto are trusted that many hops deep (Werkzeug's ProxyFix). 0 trusts none.
    TRUSTED_PROXIES = 0
    # Links in emails are built on this address, never on the request's Host header.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Email: "smtp" (a worker delivers the outbox: flask mail work) or "files" (development:
    # .eml files in MAIL_FILE_DIR, written after each request, listed at /dev/outbox).
    MAIL_BACKEND = "smtp"
    MAIL_FILE_DIR = str(INSTANCE / "outbox")
    MAIL_DELIVER_AFTER_REQUEST = False
    MAIL_FROM = "Sheffield Healthier Together <no-reply@localhost>"
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_SECONDS = 60  # then 2, 4, 8... minutes, at most six hours apart
    SMTP_URL: str | None = None
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 25
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_TLS = "none"
    SMTP_TIMEOUT = 30
    # Address checks and password resets: how long a link stays good.
    EMAIL_CHECK_MAX_AGE = 3 * 24 * 60 * 60
    PASSWORD_RESET_MAX_AGE = 60 * 60

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url(
            "pbapp.sqlite3"
        )
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or None
        self.IDENTITY_HASH_KEY = os.environ.get("IDENTITY_HASH_KEY") or None
        self.TRUSTED_PROXIES = _whole_number("TRUSTED_PROXIES", self.TRUSTED_PROXIES)
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL") or self.PUBLIC_URL
        self.MAIL_FROM = os.environ.get("MAIL_FROM") or self.MAIL_FROM
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or self.MAIL_BACKEND
        self.SMTP_URL = os.environ.get("SMTP_URL") or None
        for name in ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "SMTP_TLS"):
            if os.environ.get(name):
                setattr(self, name, os.environ[name])
        self.SMTP_PORT = _whole_number("SMTP_PORT", self.SMTP_PORT)


class DevelopmentConfig(Config):
    """``make run``: SQLite under instance/, a secret key generated once into instance/."""

    SESSION_COOKIE_SECURE = False  # served over plain http://127.0.0.1
    REMEMBER_COOKIE_SECURE = False
    DEMO_ALLOWED = True
    MAIL_BACKEND = "files"  # no mail server needed: read the messages at /dev/outbox
    MAIL_DELIVER_AFTER_REQUEST = True

    def __init__(self) -> None:
        super().__init__()
        INSTANCE.mkdir(exist_ok=True)  # the default SQLite database lives there
        if not self.SECRET_KEY:
            self.SECRET_KEY = _development_secret_key()


class TestConfig(Config):
    """The test suite: its own database (``TEST_DATABASE_URL``, else a temporary SQLite file)."""

    __test__ = False  # not a pytest test class, despite its name
    TESTING = True
    RATELIMIT_ENABLED = False  # tests sign in hundreds of times; test_rate_limits turns it on
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    DEMO_ALLOWED = True

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = (
            database_url or os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        )
        self.SECRET_KEY = "test-only-not-secret"


class ProductionConfig(Config):
    """Production: ``SECRET_KEY`` and ``DATABASE_URL`` must be set, or the app refuses to start."""

    def __init__(self) -> None:
        super().__init__()
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL")
            if not os.environ.get(name)
        ]
        if missing:
            raise RuntimeError(
                "Refusing to start in production without "
                + " and ".join(missing)
                + " set in the environment (set PBAPP_ENV=development for a local demo)."
            )


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise RuntimeError(f"{name} must be a whole number (0 or more), not {value!r}")
    return int(value)


def _development_secret_key() -> str:
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


CONFIGS: dict[str, type[Config]] = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestConfig,
}


def config_from_environment() -> Config:
    """Return the configuration named by ``PBAPP_ENV`` (default ``production``).

    Raises ``RuntimeError`` for an unknown name or a production set-up missing its secrets.
    """
    name = os.environ.get("PBAPP_ENV", "production")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(
            f"PBAPP_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None
