"""End-to-end tests: Debian's Chromium, driven by Playwright, against the app served on 127.0.0.1.

The browser is never downloaded: ``make test`` installs Debian's ``chromium`` when it can. Where
no browser is found these tests skip with the reason, except when ``REQUIRE_BROWSER=1`` (CI sets
it), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from tests.browser.axe import AXE

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no chromium is installed")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _closed_before_sent(wsgi_app):
    """Each response read whole and closed before the server sends it.

    When the browser drops a connection mid-response (it does, navigating on), werkzeug's
    development server can fail before closing the response, leaving a static file open; the
    ResourceWarning then failed whichever test was running (seen once in CI on site.js). Test
    pages are small, so reading them whole costs nothing, and nothing is left open to leak.
    """

    def app(environ, start_response):
        iterable = wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return app


@pytest.fixture()
def live_server(app) -> Iterator[str]:
    """The test app served by a real HTTP server in a thread; yields its base URL."""
    served = create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"]))
    served.wsgi_app = _closed_before_sent(served.wsgi_app)  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with served.app_context():
            db.engine.dispose()


@pytest.fixture()
def page(browser, request) -> Iterator[object]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: a loaded 2-core machine is slow, not broken
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        except Exception as error:  # noqa: BLE001  (a missing screenshot must not hide the failure)
            print(f"no screenshot: {error}")
    context.close()


@pytest.fixture()
def audit_page(browser) -> Iterator[object]:
    """A page that lets axe-core be injected (as an inline script, which our CSP forbids)."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


@pytest.fixture()
def axe_source() -> str:
    """axe-core's script; skips without it, except where REQUIRE_BROWSER=1 (CI), where it fails."""
    if not AXE.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but axe-core is not installed (npm install)")
        pytest.skip("axe-core is not installed: run `npm install` (make test does)")
    return AXE.read_text()
