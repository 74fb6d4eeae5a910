"""axe-core on every page type: 0 serious or critical violations."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import AXE, axe_context, axe_violations, log_in
from tests.helpers.page_states import DEMO_PASSWORDS, load_demo, open_state, page_states

# Markup sweeps: what the browser shows of each page state, the same on either database; run once, on SQLite.
pytestmark = [pytest.mark.e2e, pytest.mark.markup]

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


# Every error message is tied to its field: the field names it in aria-describedby (and every id it names
# exists) and says aria-invalid; the error summary names each field distinctly ("Times a day, Wrist circles",
# never "Times a day" ten times).
ERRORS_TIED = """() => {
  const problems = [];
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    for (const id of el.getAttribute('aria-describedby').split(/\\s+/)) {
      if (id && !document.getElementById(id)) problems.push(`${el.name || el.id}: describedby ${id} does not exist`);
    }
  }
  for (const error of document.querySelectorAll('main .error')) {
    const text = error.textContent.trim().slice(0, 50);
    const field = error.id && document.querySelector(`[aria-describedby~="${error.id}"]`);
    if (!field) { problems.push(`not tied to a field: ${text}`); continue; }
    const invalid = field.matches('[aria-invalid=true]') || field.querySelector('[aria-invalid=true]');
    if (!invalid) problems.push(`${field.name || field.id}: no aria-invalid`);
  }
  const names = [...document.querySelectorAll('.error-summary li a')]
    .map(a => a.textContent.split(':')[0].trim());
  for (const name of new Set(names)) {
    if (names.filter(n => n === name).length > 1) problems.push(`the error summary names "${name}" twice`);
  }
  return problems;
}"""


def test_wf10_every_page_state_has_no_serious_axe_violation_and_ties_each_error_to_its_field(
        app, runner, live_server, chromium, axe_page):
    """Lists, search results, forms with errors, plan edit and history, admin pages, error pages: each as the
    role that uses it (the same page states as the reflow test, WF-08)."""
    assert AXE.exists()
    ids = load_demo(app, runner)
    pages = {"anonymous": axe_page}
    for role, (email, password) in DEMO_PASSWORDS.items():
        pages[role] = axe_context(chromium).new_page()
        log_in(pages[role], live_server, email, password)
    found, seen = {}, 0
    try:
        for state in page_states(ids):
            open_state(pages[state.role], live_server, state)
            seen += 1
            violations = axe_violations(pages[state.role]) + pages[state.role].evaluate(ERRORS_TIED)
            if violations:
                found[state.name] = violations
    finally:
        for role, page in pages.items():
            if role != "anonymous":
                page.context.close()
    print(f"\nWF-10: {len(found)} of {seen} page states with serious or critical axe violations or loose errors")
    for name, violations in found.items():
        print(name, violations, sep="\n  ")
    assert found == {}
