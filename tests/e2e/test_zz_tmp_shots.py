"""Temporary: screenshots for the bodymap report (not committed)."""
import subprocess
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.web.plan_helpers import approve, make_plan, plan_row
from tests.web.test_screening_pages import screen_url

OUT = "/tmp/shots"


def test_shots(app, make_user, login, make_patient, live_server, chromium):
    uid, email = make_user("therapist")
    browser = login(email)
    pid = make_patient()
    c06 = make_plan(browser, app, pid, "fracture", answers={
        "unhealed_fracture": "yes", "unhealed_fracture_regions": "wrist", "unhealed_fracture_side": "right"},
        bone="scaphoid", fracture_date="2026-01-20", cast_removal_date="2026-02-26",
        cast_holds="forearm_wrist_and_thumb")
    r = approve(browser, app, pid, c06)
    pid2 = make_patient()
    c17 = make_plan(browser, app, pid2, "arthritis", answers={
        "acute_joint_flare": "yes", "acute_joint_flare_regions": "thumb_cmc", "acute_joint_flare_side": "left"})
    pid3 = make_patient()
    c05 = make_plan(browser, app, pid3, "fracture", answers={
        "unhealed_fracture": "yes", "unhealed_fracture_regions": "wrist", "unhealed_fracture_side": "right"},
        bone="scaphoid", fracture_date="2026-02-20", cast_removal_date="2026-04-02",
        cast_holds="forearm_wrist_and_thumb")
    for width in (1366, 390):
        ctx = chromium.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        log_in(page, live_server, email, PASSWORD)
        for name, url in (("c06_plan", f"/patients/{pid}/plans/{c06}"), ("c17_plan", f"/patients/{pid2}/plans/{c17}"),
                          ("c05_plan", f"/patients/{pid3}/plans/{c05}")):
            page.goto(live_server + url)
            page.screenshot(path=f"{OUT}/bm_{name}_{width}_top.png")
            page.locator(".stage-current").screenshot(path=f"{OUT}/bm_{name}_{width}_stage.png")
        page.goto(live_server + screen_url(pid, "fracture"))
        page.check("input[name=q_unhealed_fracture][value=yes]")
        loc = page.locator("#q_unhealed_fracture-row")
        loc.locator("details.joints summary").click()
        loc.screenshot(path=f"{OUT}/bm_screen_form_{width}.png")
        ctx.close()
    pdf = browser.get(f"/patients/{pid}/plans/{c06}/revisions/1/handout.pdf")
    open(f"{OUT}/bm_c06.pdf", "wb").write(pdf.data)
