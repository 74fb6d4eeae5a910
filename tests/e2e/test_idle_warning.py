"""WF-10 (WCAG 2.2.1): about two minutes before the idle logout the page warns, says so to screen readers, and
"Stay logged in" really restarts the server's idle timer; without script the page works as before."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_wf10_the_idle_warning_comes_two_minutes_before_the_logout_and_stay_logged_in_keeps_the_session(
        app, live_server, page, make_user, make_patient, clock):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    _, email = make_user()
    pid = make_patient()
    page.clock.install()
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/patients/{pid}")
    warning = page.locator("#idle-warning")
    page.clock.run_for("27:00")
    assert warning.is_hidden()
    page.clock.run_for("01:30")  # 28 min 30 s without a request
    assert warning.is_visible()
    assert "logged out in 2 minutes" in warning.inner_text()
    page.wait_for_function("document.getElementById('idle-live').textContent.includes('logged out in 2 minutes')")
    assert page.locator("#idle-live").get_attribute("aria-live") == "assertive"

    clock.advance(minutes=29)  # the server's clock: 29 of the 30 minutes gone
    with page.expect_response(lambda r: r.url.endswith("/account/still-here")) as answer:
        page.get_by_role("button", name="Stay logged in").click()
    assert answer.value.status == 204
    page.wait_for_function("document.getElementById('idle-warning').hidden")
    assert page.url.endswith(f"/patients/{pid}")  # the page and anything typed in it stay as they were

    clock.advance(minutes=29)  # 58 minutes after the page was shown, 29 after "Stay logged in"
    page.reload()
    assert page.url.endswith(f"/patients/{pid}"), "Stay logged in did not restart the idle timer"
    clock.advance(minutes=31)
    page.reload()
    assert "/login" in page.url  # and the idle logout still happens


def test_wf10_the_idle_warning_says_when_the_logout_has_happened(app, live_server, page, make_user):
    _, email = make_user()
    page.clock.install()
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/patients/new")
    page.fill("#family_name", "Typed before the logout")
    page.clock.run_for("30:05")
    assert "You have been logged out" in page.locator("#idle-warning").inner_text()
    assert page.get_by_role("button", name="Stay logged in").is_hidden()
    assert page.input_value("#family_name") == "Typed before the logout"  # nothing typed is thrown away


def test_wf10_without_script_the_page_works_and_shows_no_warning(app, live_server, chromium, make_user, make_patient):
    _, email = make_user()
    pid = make_patient()
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, email, PASSWORD)
        page.goto(f"{live_server}/patients/{pid}")
        assert page.locator("#idle-warning").is_hidden()
        assert page.locator("h1, .pb-name").first.is_visible()
    finally:
        context.close()
