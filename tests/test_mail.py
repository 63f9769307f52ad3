"""The outbox: written with its event, delivered over real SMTP on 127.0.0.1, retried after a
refusal or a dropped connection, never lost and never sent twice, given up after a limit and
shown to admins; in development written to .eml files and listed on a page."""

from __future__ import annotations

import threading
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select, update

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from pbapp.mailer import deliver_due
from pbapp.models import AuditEvent
from pbapp.models.mail import OutboxMessage
from pbapp.services import audit
from pbapp.services.mail.delivery import smtp_settings
from pbapp.services.mail.outbox import enqueue, utcnow
from tests.conftest import outbox_rows


def notice(user, n: int = 0) -> OutboxMessage:
    return enqueue(
        to=user.email,
        template="account_exists",
        subject=f"Notice {n}",
        topic="voting.opens",
        user=user,
        name=user.name,
        sign_in_url="http://127.0.0.1:5000/account/sign-in",
        reset_url="http://127.0.0.1:5000/account/forgot-password",
    )


def security(user) -> OutboxMessage:
    return enqueue(
        to=user.email,
        template="password_reset",
        subject="Reset your password",
        topic="account.reset",
        kind="security",
        user=user,
        name=user.name,
        reset_url="http://127.0.0.1:5000/account/reset/x",
        minutes=60,
    )


def make_due() -> None:
    """Bring every waiting message's next try to now (as time passing would)."""
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_a_message_is_stored_with_its_event_or_not_at_all(create_user):
    user = create_user()
    audit.record(user, "example.event", "user", user.id)
    notice(user)
    db.session.rollback()  # the event fails: its message goes with it
    assert outbox_rows() == []
    audit.record(user, "example.event", "user", user.id)
    notice(user)
    db.session.commit()
    assert len(outbox_rows()) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_messages_are_delivered_once_with_text_html_and_unsubscribe(create_user, smtp_server):
    user = create_user()
    notice(user)
    security(user)
    db.session.commit()

    report = deliver_due()
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    received = smtp_server.received
    assert [m["Subject"] for m in received] == ["Notice 0", "Reset your password"]
    first, second = received
    assert first["To"] == user.email
    assert first.get_body(("plain",)).get_content().startswith(f"Hello {user.name}")
    assert "<p>Hello" in first.get_body(("html",)).get_content()
    link = first["List-Unsubscribe"].strip("<>")
    assert "/account/unsubscribe/" in link
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in first.get_body(("plain",)).get_content()
    assert second["List-Unsubscribe"] is None  # security mail cannot be turned off
    assert "unsubscribe" not in second.get_body(("plain",)).get_content().lower()
    assert {r.status for r in outbox_rows()} == {"sent"}
    assert all(r.sent_at is not None and r.attempts == 1 for r in outbox_rows())

    assert deliver_due().sent == 0  # nothing is sent twice
    assert len(smtp_server.received) == 2


@pytest.mark.parametrize("failure", ["refuse", "drop"])
def test_a_refusing_or_dropping_server_loses_nothing_and_doubles_nothing(
    create_user, smtp_server, failure
):
    user = create_user()
    for n in range(5):
        notice(user, n)
    db.session.commit()
    getattr(smtp_server, failure)(2)  # the next two messages are refused / the line dropped

    first = deliver_due()
    assert first.sent == 3 and first.retried == 2 and first.failed == 0
    waiting = outbox_rows(status="pending")
    assert len(waiting) == 2
    assert all(r.attempts == 1 and r.last_error and r.next_attempt_at > utcnow() for r in waiting)
    assert deliver_due().sent == 0  # not due yet: back-off

    make_due()
    assert deliver_due().sent == 2
    subjects = sorted(m["Subject"] for m in smtp_server.received)
    assert subjects == [f"Notice {n}" for n in range(5)]  # every one, each once
    assert len({m["Message-ID"] for m in smtp_server.received}) == 5


def test_back_off_doubles(app):
    from pbapp.services.mail.delivery import retry_delay

    app.config["MAIL_RETRY_SECONDS"] = 60
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30) == timedelta(hours=6)


def test_no_server_at_all_gives_up_after_the_limit_and_admins_see_it(
    app, client, create_user, sign_in, forms
):
    from tests.mail_support import free_port

    user = create_user()
    notice(user)
    db.session.commit()
    app.config.update(MAIL_BACKEND="smtp", SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    for expected in ("pending", "pending", "failed"):
        make_due()
        deliver_due()
        [row] = outbox_rows()
        assert row.status == expected
    assert row.attempts == 3 and "ConnectionRefusedError" in row.last_error

    sign_in(create_user("admin"))
    page = unescape(client.get("/admin/outbox").get_data(as_text=True))
    assert "Given up" in page and user.email in page and "ConnectionRefusedError" in page
    response = forms.post(f"/admin/outbox/{row.id}/retry", {}, page="/admin/outbox")
    assert response.status_code == 302
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("pending", 0)


def test_the_outbox_page_is_for_admins_only(client, create_user, sign_in):
    sign_in(create_user("officer"))
    assert client.get("/admin/outbox").status_code == 403


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"SMTP_URL": "smtps://u%40x:p%3Aw@mail.example:2465"},
            ("mail.example", 2465, "u@x", "p:w", "ssl"),
        ),
        (
            {"SMTP_URL": "smtp+starttls://mail.example"},
            ("mail.example", 587, None, None, "starttls"),
        ),
        (
            {
                "SMTP_HOST": "relay",
                "SMTP_PORT": 2525,
                "SMTP_USER": "a",
                "SMTP_PASSWORD": "b",
                "SMTP_TLS": "starttls",
            },
            ("relay", 2525, "a", "b", "starttls"),
        ),
    ],
)
def test_smtp_settings_from_a_url_or_separate_settings(settings, expected):
    s = smtp_settings(settings)
    assert (s.host, s.port, s.user, s.password, s.tls) == expected


def test_an_unknown_smtp_scheme_is_refused_by_name():
    with pytest.raises(ValueError, match="SMTP_URL must start with"):
        smtp_settings({"SMTP_URL": "http://mail.example"})


def test_several_workers_send_each_message_once(database_url, create_user, smtp_server):
    """Four workers at once over the same outbox: on PostgreSQL each row is claimed by one
    worker (FOR UPDATE SKIP LOCKED). SQLite has no row locks: run one worker there."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks need PostgreSQL (set TEST_DATABASE_URL)")
    user = create_user()
    for n in range(120):
        notice(user, n)
    db.session.commit()
    port = smtp_server.port
    reports, errors = [], []

    def worker_app():
        app = create_app(TestConfig(database_url))
        app.config.update(MAIL_BACKEND="smtp", SMTP_URL=f"smtp://127.0.0.1:{port}")
        return app

    # Apps are made before the threads start: Python 3.11's ast.parse, which Werkzeug uses to
    # compile routes, is not safe in threads at once ("AST constructor recursion depth
    # mismatch", seen in CI), and a worker process makes its app once, alone, anyway.
    apps = [worker_app() for _ in range(4)]

    def worker(app):
        try:
            with app.app_context():
                reports.append(deliver_due())
                db.session.remove()
                db.engine.dispose()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.sent for r in reports) == 120
    assert sum(1 for r in reports if r.sent) > 1, "one worker did everything: no race was run"
    ids = [m["Message-ID"] for m in smtp_server.received]
    assert len(ids) == len(set(ids)) == 120
    db.session.expire_all()
    assert {r.status for r in outbox_rows()} == {"sent"}


# --- development: files and a page ---------------------------------------------------------


@pytest.fixture()
def dev_app(database_url, tmp_path):
    config = TestConfig(database_url)
    config.MAIL_BACKEND = "files"
    config.MAIL_DELIVER_AFTER_REQUEST = True
    config.MAIL_FILE_DIR = str(tmp_path / "outbox")
    app = create_app(config)
    with app.app_context():
        yield app
        db.engine.dispose()


def test_development_writes_eml_files_and_lists_them(dev_app, create_user, tmp_path):
    from tests.conftest import Forms

    user = create_user()
    client = dev_app.test_client()
    Forms(client).post("/account/forgot-password", {"email": user.email})
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert b"Subject: Reset your password" in files[0].read_bytes()
    page = unescape(client.get("/dev/outbox").get_data(as_text=True))
    assert "Reset your password" in page and user.email in page
    one = unescape(client.get(f"/dev/outbox/{files[0].name}").get_data(as_text=True))
    assert "/account/reset/" in one
    assert client.get("/dev/outbox/../../etc/passwd").status_code == 404
    assert client.get("/dev/outbox/99999999.eml").status_code == 404


def test_the_development_outbox_page_is_not_found_elsewhere(client):
    assert client.get("/dev/outbox").status_code == 404
    assert client.get("/dev/outbox/00000001.eml").status_code == 404
