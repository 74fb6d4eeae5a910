"""A live server on loopback and a real Chromium (Debian's, driven by Playwright; never downloaded)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from clinic.extensions import db
from tests.conftest import IN_CI, require_tool

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
    # Polling for shutdown every 50 ms, not serve_forever's 500: each browser test's teardown waited up to half
    # a second for the loop to notice (about 0.45 s a test).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def chromium_executable() -> str:
    """Debian's Chromium headless shell when installed, else Debian's Chromium.

    The headless shell is the same Chromium (same Blink, V8 and fonts; the package Playwright itself uses for
    headless runs) without the full browser's window machinery: a browser journey took about 40 % less of
    Chromium's CPU (test_journeys.py: 45 -> 28 s). tests/system-deps.sh installs it; where it cannot, the tests
    run on the full browser, as before."""
    return shutil.which("chromium-headless-shell") or require_tool("chromium")


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session."""
    executable = chromium_executable()
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


AXE = Path(__file__).parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_page(chromium):
    """A page whose context may inject axe-core despite our strict CSP (only in tests)."""
    if not AXE.exists():
        message = "axe-core is missing (make system-deps installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    context = axe_context(chromium)
    page = context.new_page()
    yield page
    context.close()


def axe_context(chromium):
    """A browser context whose pages may run axe-core despite our strict CSP (only in tests); axe is loaded into
    every page it opens by the browser itself, not sent over for each check (a sixth of a check's time)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    return context


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core on the current page; the serious and critical violations, one line each."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):  # a page made with set_content, or another context
        page.add_script_tag(path=str(AXE))
    # target-size (WCAG 2.2, 2.5.8 AA) is off in axe by default; we hold our pages to it.
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations'], "
                           "rules: {'target-size': {enabled: true}}})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in impacts
    ]


def log_in(page, base: str, email: str, password: str, *, go_to_login: bool = True) -> None:
    """Log in through the form, as a person would (on the login page already shown when asked)."""
    if go_to_login:
        page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
