"""axe-core on every page type: 0 serious or critical violations."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, log_in

pytestmark = pytest.mark.e2e

PAGES = ["/", "/admin/users", "/admin/users/new", "/admin/settings", "/account/password", "/protocols/",
         "/protocols/stroke", "/no-such-page"]


def test_login_page_has_no_serious_accessibility_violation(live_server, axe_page):
    axe_page.goto(live_server + "/login")
    assert axe_violations(axe_page) == []


def test_every_page_type_has_no_serious_accessibility_violation(live_server, axe_page, make_user):
    _, email = make_user("admin")
    log_in(axe_page, live_server, email, PASSWORD)
    found = {}
    for path in PAGES:
        axe_page.goto(live_server + path)
        violations = axe_violations(axe_page)
        if violations:
            found[path] = violations
    assert found == {}


def test_form_errors_have_no_serious_accessibility_violation(live_server, axe_page, make_user):
    _, email = make_user("admin")
    log_in(axe_page, live_server, email, PASSWORD)
    axe_page.goto(live_server + "/admin/users/new")
    with axe_page.expect_navigation():
        axe_page.click("main button[type=submit]")
    assert axe_page.locator(".error-summary").is_visible()
    assert axe_violations(axe_page) == []


def test_the_axe_check_can_fail(axe_page):
    axe_page.set_content('<html lang="en"><head><title>x</title></head><body><main><input type="text">'
                         '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>')
    violations = axe_violations(axe_page)
    assert any(v.startswith("label") for v in violations)


def test_wf01_the_settings_form_with_errors_has_no_serious_accessibility_violation(live_server, axe_page,
                                                                                  make_user):
    _, email = make_user("admin")
    log_in(axe_page, live_server, email, PASSWORD)
    axe_page.goto(live_server + "/admin/settings")
    axe_page.fill("#time_zone", "Mars/Olympus")
    with axe_page.expect_navigation():
        axe_page.click("main button[type=submit]")
    assert "Enter a time zone by its IANA name" in axe_page.locator(".error-summary").inner_text()
    assert axe_violations(axe_page) == []
