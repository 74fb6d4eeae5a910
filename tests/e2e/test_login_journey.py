"""In a real browser: log in, see the dashboard, add an account, log out; keep a form across a timeout."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_login_reaches_the_dashboard_and_logout_ends_it(live_server, page, make_user):
    _, email = make_user("therapist")
    page.goto(live_server + "/")
    assert "/login" in page.url
    log_in(page, live_server, email, PASSWORD)
    assert page.locator("h1").inner_text().startswith("Good to see you")
    page.click("text=Log out")
    page.wait_for_load_state()
    assert "/login" in page.url
    page.goto(live_server + "/")
    assert "/login" in page.url


def test_wrong_password_shows_the_message_next_to_the_field(live_server, page, make_user):
    _, email = make_user("therapist")
    log_in(page, live_server, email, "not the password")
    assert page.locator(".field.has-error .error").inner_text().endswith("The email or password is not right.")
    assert page.input_value("#email") == email


def test_admin_adds_an_account_with_the_keyboard_only(live_server, page, make_user):
    _, email = make_user("admin")
    log_in(page, live_server, email, PASSWORD)
    page.goto(live_server + "/admin/users/new")
    page.focus("#full_name")
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.org")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("a long first password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    errors = page.locator(".error").all_inner_texts()
    assert errors == [] and page.url.endswith("/admin/users")
    assert "Kim Keyboard" in page.content()


def test_sec12_typed_form_survives_an_idle_timeout_in_the_browser(live_server, page, make_user, clock):
    _, email = make_user("admin")
    log_in(page, live_server, email, PASSWORD)
    page.goto(live_server + "/admin/users/new")
    page.fill("#full_name", "Typed Before Timeout")
    page.fill("#email", "typed@example.org")
    clock.advance(minutes=31)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/login" in page.url
    assert "inactivity" in page.content()
    log_in(page, live_server, email, PASSWORD, go_to_login=False)
    assert page.url.endswith("/admin/users/new")
    assert page.input_value("#full_name") == "Typed Before Timeout"
    assert page.input_value("#email") == "typed@example.org"
    assert "We kept what you typed" in page.content()
