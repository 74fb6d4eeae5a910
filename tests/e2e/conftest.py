"""A live server on loopback and a real Chromium (Debian's, driven by Playwright; never downloaded)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from clinic.extensions import db
from tests.conftest import require_tool

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]


@pytest.fixture
def live_server(app):
    """Serve ``app`` on 127.0.0.1 on a free port; yields its base URL."""
    with app.app_context():
        db.engine.dispose()  # connections must not be shared with the server thread
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session."""
    executable = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (own cookies) and page; dialogs are recorded, never accepted."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


def log_in(page, base: str, email: str, password: str, *, go_to_login: bool = True) -> None:
    """Log in through the form, as a person would (on the login page already shown when asked)."""
    if go_to_login:
        page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
