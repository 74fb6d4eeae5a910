"""Helpers for plan tests: realistic case facts per condition on the test clock's day (2 March 2026),
screening through the web, making and approving plans."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from clinic.domain import planning
from clinic.domain.progress import next_stage, next_stage_criteria
from clinic.extensions import db
from clinic.models import Plan, PlanRevision
from tests.helpers.screening import form_data, screen_url

FACTS = {
    "stroke": {"stroke_date": "2026-02-10", "stroke_type": "ischaemic", "affected_side": "left",
               "medically_stable_date": "2026-02-14", "cleared_by": "Dr Ray, stroke unit"},
    "fracture": {"fracture_date": "2026-01-12", "bone": "distal_radius", "affected_side": "right",
                 "treatment": "cast_or_splint", "cast_removal_date": "2026-02-23"},
    "tendinitis": {"tendon_area": "thumb_side_wrist", "affected_side": "right", "onset_date": "2026-02-01",
                   "acute_over_date": "2026-02-10"},
    "arthritis": {"arthritis_type": "osteoarthritis", "affected_side": "both", "joints": "thumb bases",
                  "flare_settled_date": "2026-02-10"},
    "bruise": {"injury_date": "2026-02-20", "bruise_area": "hand", "affected_side": "left",
               "vessel_or_muscle_damage": "no", "swelling_pain_gone_date": "2026-02-26"},
}
CONDITIONS = tuple(FACTS)


def fact_fields(condition: str, **changes) -> dict[str, str]:
    """The case facts as form fields (``fact_<name>``); a change of None leaves that fact out."""
    values = {**FACTS[condition], **changes}
    return {f"fact_{k}": v for k, v in values.items() if v is not None}


def screen(browser, app, pid: int, condition: str, answers=None, **fact_changes):
    """Screen the patient for ``condition`` through the web; the response of the POST."""
    data = form_data(app, condition, answers=answers, facts=fact_fields(condition, **fact_changes))
    return browser.post(screen_url(pid, condition), data=data)


def new_plan(browser, pid: int, condition: str, **fact_changes):
    """POST the case facts of a new plan; the response."""
    return browser.post(f"/patients/{pid}/plans/new?condition={condition}",
                        data=fact_fields(condition, **fact_changes))


def plan_id_from(response) -> int:
    """The plan id in a redirect to the plan page."""
    match = re.search(r"/plans/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def plan_row(app, plan_id: int) -> Plan:
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        db.session.expunge(plan)
        return plan


def revisions(app, plan_id: int | None = None) -> list[PlanRevision]:
    with app.app_context():
        query = select(PlanRevision).order_by(PlanRevision.id)
        if plan_id is not None:
            query = query.where(PlanRevision.plan_id == plan_id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def make_plan(browser, app, pid: int, condition: str = "fracture", answers=None, *, confirm: bool = True,
              **fact_changes) -> int:
    """Screen, then make a draft plan; its id. With ``confirm`` (the default) the therapist then confirms, at
    this first visit, the entry criteria of every later stage whose date has come, so the plan starts at the
    stage its dates allow; without it the plan starts at its first stage."""
    response = screen(browser, app, pid, condition, answers=answers, **fact_changes)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    response = new_plan(browser, pid, condition, **fact_changes)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    plan_id = plan_id_from(response)
    if confirm:
        confirm_reached_stages(browser, app, pid, plan_id)
    return plan_id


def confirm_reached_stages(browser, app, pid: int, plan_id: int) -> int:
    """Tick every entry criterion of each next stage whose date has come, through the move page; how many
    stages the plan moved on."""
    moved = 0
    while True:
        row = plan_row(app, plan_id)
        draft = planning.plan_from_canonical(row.draft)
        coming = next_stage(draft)
        if coming is None or not coming.date_reached:
            return moved
        response = browser.post(f"/patients/{pid}/plans/{plan_id}/move",
                                data={"version": str(row.version), "criteria": list(next_stage_criteria(draft))})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        moved += 1


def approve(browser, app, pid: int, plan_id: int, version: int | None = None):
    """POST approve with the plan's current version (or the one given)."""
    if version is None:
        version = plan_row(app, plan_id).version
    return browser.post(f"/patients/{pid}/plans/{plan_id}/approve", data={"version": str(version)})


def approved_plan(browser, app, pid: int, condition: str = "fracture", **kw) -> int:
    plan_id = make_plan(browser, app, pid, condition, **kw)
    response = approve(browser, app, pid, plan_id)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return plan_id


def plan_url(pid: int, plan_id: int, tail: str = "") -> str:
    return f"/patients/{pid}/plans/{plan_id}{tail}"


def edit_form(app, browser, pid: int, plan_id: int) -> dict[str, str]:
    """The edit form's current values, as a browser would send them back."""
    page = browser.get(plan_url(pid, plan_id, "/edit")).get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
        if attrs.get("name") and attrs["name"] != "csrf_token" and attrs.get("type") != "checkbox":
            data[attrs["name"]] = attrs.get("value", "")
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        data[name] = html.unescape(text).strip()
    return data
