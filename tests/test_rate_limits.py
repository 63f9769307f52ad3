"""Signing in is rate-limited per address and per account."""

from __future__ import annotations

import uuid

import pytest

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db


def limited_app(database_url: str, **settings):
    config = TestConfig(database_url)
    config.RATELIMIT_ENABLED = True
    config.LOGIN_LIMIT_PER_ACCOUNT = "3 per 15 minutes"
    config.LOGIN_LIMIT_PER_ADDRESS = "5 per minute"
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


def test_guessing_one_accounts_password_is_stopped(database_url, create_user):
    user = create_user()
    app = limited_app(database_url)
    with app.app_context():
        client = app.test_client()
        token = _token(client)
        codes = [
            client.post(
                "/account/sign-in",
                data={"csrf_token": token, "email": user.email, "password": f"guess{i}"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
            ).status_code
            for i in range(5)
        ]
        assert codes == [422, 422, 422, 429, 429]
        page = client.post(
            "/account/sign-in",
            data={"csrf_token": token, "email": user.email.upper(), "password": "x"},
            environ_base={"REMOTE_ADDR": "10.0.0.99"},
        )
        assert page.status_code == 429
        assert "Too many attempts" in page.get_data(as_text=True)
        db.engine.dispose()


def test_one_address_trying_many_accounts_is_stopped(database_url, create_user):
    codes = _attempts_from_one_address(limited_app(database_url), 7)
    assert codes[:5] == [422] * 5
    assert codes[5:] == [429, 429]


def test_with_redis_every_worker_counts_the_same_attempts(database_url):
    """Several gunicorn workers are several processes: with RATELIMIT_STORAGE_URI=redis://...
    the attempts are counted in Redis, where every worker reads them (memory:// keeps one count
    per process)."""
    redis = pytest.importorskip("redis")
    server = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    try:
        server.ping()
    except redis.exceptions.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"pbapp-test-{uuid.uuid4().hex}"
    app = limited_app(
        database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=prefix
    )
    try:
        assert _attempts_from_one_address(app, 7) == [422] * 5 + [429, 429]
        assert server.keys(f"*{prefix}*"), "the attempts were not counted in Redis"
    finally:
        for key in server.keys(f"*{prefix}*"):
            server.delete(key)
        server.close()


def _attempts_from_one_address(app, count: int) -> list[int]:
    """Sign-in attempts with a wrong password, each for another account: the status codes."""
    with app.app_context():
        client = app.test_client()
        token = _token(client)
        codes = [
            client.post(
                "/account/sign-in",
                data={"csrf_token": token, "email": f"who{i}@example.org", "password": "x"},
            ).status_code
            for i in range(count)
        ]
        db.engine.dispose()
    return codes


def _token(client) -> str:
    import re

    page = client.get("/account/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
