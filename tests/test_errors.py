"""Friendly error pages; a 500 keeps nothing of the failed request."""

from __future__ import annotations

from sqlalchemy import func, select

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from pbapp.models import Neighbourhood, User


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert "Go to the home page" in page


def test_api_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404 and response.mimetype == "application/problem+json"


def test_server_error_rolls_back_and_shows_a_friendly_page(database_url):
    app = create_app(TestConfig(database_url))

    @app.route("/boom")
    def boom():
        db.session.add(Neighbourhood(code="E05999999", name="Half-written", population=1))
        db.session.flush()
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        try:
            response = app.test_client().get("/boom")
            assert response.status_code == 500
            assert "Nothing you sent was saved" in response.get_data(as_text=True)
            db.session.remove()
            assert db.session.scalar(select(func.count()).select_from(Neighbourhood)) == 0
        finally:
            db.session.remove()
            db.engine.dispose()


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_hsts_is_sent_only_where_cookies_are_secure(database_url):
    """Production (secure cookies, behind TLS) asks browsers to use HTTPS only; the plain-http
    development and test servers must not, or a browser would refuse them for a year."""
    plain = create_app(TestConfig(database_url))
    config = TestConfig(database_url)
    config.SESSION_COOKIE_SECURE = True
    secure = create_app(config)
    for app, expected in ((plain, None), (secure, "max-age=31536000")):
        with app.app_context():
            assert app.test_client().get("/").headers.get("Strict-Transport-Security") == expected
            db.engine.dispose()


def test_session_cookie_is_httponly_and_samesite(forms, create_user, sign_in, client):
    response = sign_in(create_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_an_id_too_large_for_the_database_is_not_found(client, create_user, sign_in):
    """SQLite cannot bind a number beyond 64 bits, and no id passes 2**31 - 1 (found by fuzzing)."""
    sign_in(create_user("admin"))
    for url in ("/processes/99999999999999999999", "/admin/users/2147483648"):
        assert client.get(url).status_code == 404, url
    response = client.get("/api/v1/budgets/9223372036854775808/result")
    assert response.status_code == 404
    assert response.json["status"] == 404 and response.mimetype == "application/problem+json"


def test_query_numbers_too_large_for_the_database_are_ignored(client, create_user, sign_in):
    sign_in(create_user("admin"))
    assert client.get("/admin/users?page=9223372036854775808").status_code == 200
    assert client.get("/admin/audit?page=9223372036854775807").status_code == 200
    assert client.get("/dashboard?process=99999999999999999999").status_code == 200


def test_a_nul_character_is_refused_naming_the_field_and_nothing_is_saved(forms, neighbourhoods):
    """PostgreSQL cannot store a NUL character: it was a 500 there (found by fuzzing)."""
    response = forms.post(
        "/account/register",
        {
            "name": "Ann\x00",
            "email": "ann@example.org",
            "password": "a long enough password",
            "confirm": "a long enough password",
            "neighbourhood": str(neighbourhoods[0].id),
        },
    )
    assert response.status_code == 400
    assert "“name” contains a NUL character" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_nul_character_in_a_query_or_path_is_refused(client):
    assert client.get("/commitments/?status=%00").status_code == 400
    assert client.get("/neighbourhoods/E05%00").status_code == 400
