"""HO-05: less paper. The demo plans print in few pages: sections flow one after another (the diary too),
the stop-and-call box and each exercise are never split across a page break, no page of a normal-print
handout but the last is left half empty, and the large print of the fracture plan takes at most 5 pages
(7 before: every section started a page of its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.handouts import plan_context as handout
from clinic.handouts import printing
from clinic.handouts.context import HandoutOptions
from clinic.models import Patient, Plan, PlanRevision
from tests.helpers.handouts import body_fill, page_count, pages_text, squash

pytestmark = pytest.mark.pdf

MARGINS_MM = {False: (31, 16), True: (35, 16)}  # top, bottom of handout.css: normal, large print


@pytest.fixture
def demo(app, runner, login):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        plans = {p.protocol_id: (p.patient_id, p.id) for p in db.session.scalars(select(Plan))}
    return login("therapist@demo.clinic", "demo-therapist-pass"), plans


def _handout(browser, pid: int, plan_id: int, large: bool) -> bytes:
    response = browser.get(f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf?large={int(large)}")
    assert response.status_code == 200
    return response.data


def _context(app, plan_id: int, large: bool):
    """What the handout prints, built the way the download builds it."""
    with app.app_context():
        revision = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan_id)).one()
        patient = db.session.get(Patient, db.session.get(Plan, plan_id).patient_id)
        people = printing.people(db.session, revision, patient)
        return handout.handout_context(revision.canonical, revision.digest, people, HandoutOptions(large_print=large))


def test_ho05_large_print_of_the_demo_fracture_plan_fits_in_five_pages(demo):
    browser, plans = demo
    pdf = _handout(browser, *plans["fracture"], large=True)
    assert page_count(pdf) <= 5


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_ho05_demo_handouts_flow_without_half_empty_pages_and_split_no_exercise_or_warning_box(
        app, demo, tmp_path, large):
    browser, plans = demo
    counts = {}
    for condition, (pid, plan_id) in sorted(plans.items()):
        pdf = _handout(browser, pid, plan_id, large)
        counts[condition] = page_count(pdf)
        pages = [squash(text) for text in pages_text(pdf, tmp_path)]
        ctx = _context(app, plan_id, large)
        assert ctx.exercises and ctx.stop_and_call, condition
        for exercise in ctx.exercises:  # name, every step and the whole dose on one page
            whole = [exercise.name, *exercise.steps, *exercise.dose_lines]
            assert any(all(squash(part) in page for part in whole) for page in pages), (condition, exercise.name)
        for box in ctx.stop_and_call:
            whole = [*box.signs, box.action]  # every box prints its signs and its action together
            assert any(all(squash(part) in page for part in whole) for page in pages), (condition, box.signs[0])
        diary = [n for n, page in enumerate(pages) if "Yourexercisediary" in page]
        assert len(diary) == 1 and "Bringthisdiarytoyournextvisit" in pages[diary[0]], condition
        if not large:
            top, bottom = MARGINS_MM[large]
            fills = body_fill(pdf, tmp_path, top, bottom)
            assert all(fill >= 0.5 for fill in fills[:-1]), (condition, fills)
    print(f"HO-05 page counts ({'large' if large else 'normal'} print): {counts}")
    if not large:
        assert max(counts.values()) <= 4, counts
