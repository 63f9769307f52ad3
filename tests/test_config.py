"""Configuration comes from the environment; production refuses to start without its secrets."""

from __future__ import annotations

import pytest

import config
from pbapp import create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("PBAPP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_uses_secure_cookies(monkeypatch):
    monkeypatch.setenv("PBAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("PUBLIC_URL", "https://example.org")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_production_refuses_to_start_without_public_url(monkeypatch):
    """Links in emails (resets) are built on PUBLIC_URL, never on a request's Host header."""
    monkeypatch.setenv("PBAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app()


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("PBAPP_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        create_app()


def test_development_generates_a_secret_key_once(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = config.DevelopmentConfig()
    second = config.DevelopmentConfig()
    assert first.SECRET_KEY == second.SECRET_KEY
    assert len(first.SECRET_KEY) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
