"""HO-05: less paper. The demo plans print in few pages: sections flow one after another, only the diary
starts its own page, the stop-and-call box and each exercise are never split across a page break, and no
page of a normal-print handout is left half empty."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Plan
from tests.pdf.handout_helpers import page_count

pytestmark = pytest.mark.pdf


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


def test_ho05_page_counts_of_the_demo_plans(demo):
    browser, plans = demo
    for condition, (pid, plan_id) in sorted(plans.items()):
        normal, large = (page_count(_handout(browser, pid, plan_id, big)) for big in (False, True))
        print(f"HO-05 {condition}: normal {normal}, large print {large}")
