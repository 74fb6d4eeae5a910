import datetime as dt

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

OUT = "/tmp/flow_shots"


def shot(page, name):
    for w in (1366, 390):
        page.set_viewport_size({"width": w, "height": 900})
        page.screenshot(path=f"{OUT}/{name}-{w}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        print(f"SHOT {name} {w}: document width {width}")
        if width > w:
            print(page.evaluate("""(w) => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent||'').slice(0,40))""", w))
    page.set_viewport_size({"width": 1366, "height": 900})


def test_shots(live_server, page, make_user, make_patient, clock):
    _, email = make_user("therapist")
    _, rec = make_user("reception")
    make_patient(family_name="Lopez", given_names="María", birth_date=dt.date(1961, 5, 4))
    base = live_server
    log_in(page, base, email, PASSWORD)
    page.goto(base + "/patients/new")
    page.fill("#family_name", "LOPEZ")
    page.fill("#given_names", "maria")
    page.fill("#birth_date", "1961-05-04")
    page.locator("table.facts tbody tr").first.locator("input[value=yes]").check()
    page.get_by_label("None of these").check()
    page.get_by_label("The patient consents to treatment").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register patient").click()
    shot(page, "register-duplicate")
    with page.expect_navigation():
        page.get_by_role("button", name="Register anyway").click()
    page.get_by_role("link", name="Screen", exact=True).click()
    page.get_by_role("link", name="Fracture of the wrist, hand or fingers").click()
    page.fill("#fact_fracture_date", "2026-02-20")
    page.locator("#fact_bone").get_by_label("Wrist (distal radius)").check()
    page.locator("#fact_affected_side").get_by_label("Right").check()
    page.locator("#fact_treatment").get_by_label("Cast or splint").check()
    page.fill("#fact_cast_removal_date", "2026-03-06")
    for box in page.locator("input[data-none-of-group]").all():
        box.check()
    page.get_by_label("I have checked the answers").check()
    shot(page, "screening-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Screen", exact=True).click()
    shot(page, "screening-result")
    with page.expect_navigation():
        page.get_by_role("button", name="Make the plan").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Approve the plan").click()
    shot(page, "plan")
    pid = page.url.split("/patients/")[1].split("/")[0]
    clock.advance(days=8)
    log_in(page, base, email, PASSWORD)
    page.goto(base + "/")
    shot(page, "today")
    page.goto(f"{base}/patients/{pid}")
    shot(page, "patient-therapist")
    page.get_by_role("link", name="Record a session").click()
    shot(page, "session")
    page.goto(page.url.replace("/sessions/new", "/move"))
    shot(page, "move")
    page.context.clear_cookies()
    log_in(page, base, rec, PASSWORD)
    page.goto(f"{base}/patients/{pid}")
    shot(page, "patient-reception")
