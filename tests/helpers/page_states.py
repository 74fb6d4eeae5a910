"""Every page type of the app, filled from the demo clinic, for the browser sweeps: reflow at phone width
(WF-08) and axe-core (WF-10). A page state is a URL seen by one role, optionally after submitting its form with
some fields filled (a form with errors, search results)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlalchemy import select

from clinic.extensions import db

# GET endpoints that are not pages a person reads in the browser: files, the health probe, static assets.
NOT_PAGES = frozenset({"static", "main.health", "patients.export_json", "patients.export_pdf", "plans.handout_pdf",
                       "plans.summary_pdf"})

DEMO_PASSWORDS = {"admin": ("admin@demo.clinic", "demo-admin-pass"),
                  "therapist": ("therapist@demo.clinic", "demo-therapist-pass"),
                  "reception": ("reception@demo.clinic", "demo-reception-pass")}


@dataclass(frozen=True)
class PageState:
    """One page as a person meets it: ``role`` visits ``url``; with ``submit``, fills those fields (CSS
    selector -> value) and sends the page's main form, expecting field errors when ``errors`` is set."""

    name: str
    role: str
    url: str
    submit: dict[str, str] | None = None
    errors: bool = False
    extra: dict = field(default_factory=dict)


def load_demo(app, runner) -> dict[str, int]:
    """Run ``clinic demo``, add a deferred and a referred screening (so the override and clearance pages
    exist); the ids the page states need."""
    from clinic.domain.screening import Answer
    from clinic.library import screening_rules
    from clinic.models import Patient, Plan, Screening, User
    from clinic.plans import demo as plan_demo
    from clinic.screening import operations as screening_ops

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = {u.role: u for u in db.session.scalars(select(User))}
        plan = db.session.scalars(select(Plan).where(Plan.protocol_id == "fracture")).one()
        patient = db.session.get(Patient, plan.patient_id)
        now = app.config["NOW"]()
        ids = {"patient": patient.id, "plan": plan.id, "admin": users["admin"].id,
               "screening": db.session.scalars(select(Screening.id).where(Screening.patient_id == patient.id)).first()}
        others = db.session.scalars(select(Patient).where(Patient.id != patient.id).order_by(Patient.id)).all()
        for key, patient_, question in (("deferred", others[0], "fever"), ("referred", others[1], "pinched_nerve")):
            answers = plan_demo._answers(patient_, None)
            answers[question] = Answer("yes")
            screening, _ = screening_ops.record_screening(
                db.session, patient_, answers=answers, facts={}, condition=None, rules=screening_rules(),
                user=users["therapist"], now=now, valid_days=30)
            db.session.flush()
            ids[key] = screening.id
        db.session.commit()
    return ids


def page_states(ids: dict[str, int]) -> list[PageState]:
    """Every page type: lists, search results, forms (empty and with errors), plan edit and history, admin
    pages, settings, error pages; each as the role that uses it (the admin's menu is the longest)."""
    p, plan, s = ids["patient"], ids["plan"], ids["screening"]
    pp = f"/patients/{p}"
    plan_url = f"{pp}/plans/{plan}"
    return [
        PageState("login", "anonymous", "/login"),
        PageState("login, wrong password", "anonymous", "/login",
                  submit={"#email": "nobody@example.org", "#password": "wrong password"}),
        PageState("today", "admin", "/"),
        PageState("today (therapist)", "therapist", "/"),
        PageState("today (reception)", "reception", "/"),
        PageState("patients", "admin", "/patients/"),
        PageState("patients sorted by birth date, descending", "admin", "/patients/?sort=-birth"),
        PageState("patients, restricted records", "admin", "/patients/?restricted=1"),
        PageState("patients, search results", "admin", "/patients/", submit={"#q": "a"}),
        PageState("patients, search without a match", "admin", "/patients/", submit={"#q": "Nobody Zzyzx"}),
        PageState("patients (reception)", "reception", "/patients/"),
        PageState("register a patient", "admin", "/patients/new"),
        PageState("register a patient, errors", "admin", "/patients/new",
                  submit={"#family_name": "", "#birth_date": "31/02/1990"}, errors=True),
        PageState("register a patient (reception)", "reception", "/patients/new"),
        PageState("patient", "admin", pp),
        PageState("patient (reception)", "reception", pp),
        PageState("patient history", "admin", f"{pp}/history"),
        PageState("edit a patient", "admin", f"{pp}/edit"),
        PageState("edit a patient, errors", "admin", f"{pp}/edit", submit={"#family_name": ""}, errors=True),
        PageState("erase a patient", "admin", f"{pp}/erase"),
        PageState("erase a patient, errors", "admin", f"{pp}/erase", submit={}, errors=True),
        PageState("screening, choose a protocol", "therapist", f"{pp}/screen"),
        PageState("screening form", "therapist", f"{pp}/screen?condition=fracture"),
        PageState("screening form, errors", "therapist", f"{pp}/screen?condition=stroke", submit={}, errors=True),
        PageState("screening result", "admin", f"/screenings/{s}"),
        PageState("screening result, defer", "therapist", f"/screenings/{ids['deferred']}"),
        PageState("screening result, refer", "therapist", f"/screenings/{ids['referred']}"),
        PageState("override", "therapist", f"/screenings/{ids['deferred']}/override"),
        PageState("override, errors", "therapist", f"/screenings/{ids['deferred']}/override", submit={},
                  errors=True),
        PageState("clearance", "therapist", f"/screenings/{ids['referred']}/clearance"),
        PageState("clearance, errors", "therapist", f"/screenings/{ids['referred']}/clearance",
                  submit={"#cleared_on": "yesterday"}, errors=True),
        PageState("new plan, choose", "therapist", f"{pp}/plans/new"),
        PageState("new plan, case facts", "therapist", f"{pp}/plans/new?condition=fracture"),
        PageState("new plan, case facts with errors", "therapist", f"{pp}/plans/new?condition=fracture",
                  submit={"#fact_fracture_date": ""}, errors=True),
        PageState("plan", "admin", plan_url),
        PageState("plan (therapist)", "therapist", plan_url),
        PageState("plan history", "admin", f"{plan_url}/history"),
        PageState("plan edit", "therapist", f"{plan_url}/edit"),
        PageState("plan edit, dose errors", "therapist", f"{plan_url}/edit",
                  submit={"table.dose-table input.num >> nth=0": "0", "table.dose-table input.num >> nth=1": "",
                          "table.dose-table input.num >> nth=5": "9999"},
                  errors=True),
        PageState("session", "therapist", f"{plan_url}/sessions/new"),
        PageState("session, errors", "therapist", f"{plan_url}/sessions/new", submit={"#on_date": ""},
                  errors=True),
        PageState("next stage", "therapist", f"{plan_url}/move"),
        PageState("next stage, errors", "therapist", f"{plan_url}/move", submit={}, errors=True),
        PageState("QuickDASH", "therapist", f"{pp}/outcomes/quickdash"),
        PageState("QuickDASH, errors", "therapist", f"{pp}/outcomes/quickdash", submit={"#on_date": ""},
                  errors=True),
        PageState("grip", "therapist", f"{pp}/outcomes/grip"),
        PageState("grip, errors", "therapist", f"{pp}/outcomes/grip", submit={"#on_date": ""},
                  errors=True),
        PageState("plans to review", "admin", "/plans/review"),
        PageState("protocols", "admin", "/protocols/"),
        PageState("protocol", "admin", "/protocols/fracture"),
        PageState("protocol (stroke)", "admin", "/protocols/stroke"),
        PageState("accounts", "admin", "/admin/users"),
        PageState("new account", "admin", "/admin/users/new"),
        PageState("new account, errors", "admin", "/admin/users/new", submit={"#email": "not an e-mail"},
                  errors=True),
        PageState("edit an account", "admin", f"/admin/users/{ids['admin']}"),
        PageState("settings", "admin", "/admin/settings"),
        PageState("settings, errors", "admin", "/admin/settings", submit={"#time_zone": "Mars/Olympus"},
                  errors=True),
        PageState("change password", "admin", "/account/password"),
        PageState("change password, errors", "admin", "/account/password", submit={"#new_password": "short"},
                  errors=True),
        PageState("not found", "admin", "/no-such-page"),
        PageState("forbidden (reception on a plan)", "reception", f"{plan_url}/edit"),
    ]


def uncovered_endpoints(app, states: list[PageState]) -> set[str]:
    """GET endpoints that no page state visits (and that are pages): a new page must join the sweep."""
    from werkzeug.exceptions import NotFound

    adapter = app.url_map.bind("localhost")
    visited = set()
    for state in states:
        with contextlib.suppress(NotFound):  # the "not found" page state matches no rule, on purpose
            visited.add(adapter.match(state.url.split("?")[0], method="GET")[0])
    pages = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods} - NOT_PAGES
    return pages - visited


def open_state(page, base: str, state: PageState) -> None:
    """Show ``state`` in ``page`` (already logged in as its role): visit, and submit the main form if asked,
    with the browser's own checks off so the server's messages show, as after a slip."""
    page.goto(base + state.url)
    if state.submit is None:
        return
    for selector, value in state.submit.items():
        # Set directly: a number or date box refuses typed nonsense, which a slip on another browser sends.
        page.locator(selector).evaluate("(el, value) => { el.value = value; }", value)
    form = page.locator("main form:has([type=submit]:is(.primary, .danger))").first
    form.evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation():
        form.locator("[type=submit]:is(.primary, .danger)").first.click()
