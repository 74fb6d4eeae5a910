"""ENG-04: a patient with five years of data. The patient page, its timeline, the plan page and the plan
history show a bounded number of rows, newest first with a link to the older ones, and cost the same
number of queries whatever the length of the history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, insert, select

from clinic.extensions import db
from clinic.models import HandoutPrint, OutcomeMeasure, PlanRevision, TreatmentSession
from tests.helpers.plans import approved_plan


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def _add_years(app, plan_id: int, start: dt.datetime, sessions: int) -> None:
    """``sessions`` sessions, half as many outcome measures, a revision per ten sessions and a print of each."""
    with app.app_context():
        first = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan_id)
                                   .order_by(PlanRevision.number.desc()).limit(1)).one()
        stage = first.canonical["plan"]["current_stage"]
        columns = {c.key: getattr(first, c.key) for c in PlanRevision.__table__.columns if c.key != "id"}
        when = [start + dt.timedelta(days=9 * n) for n in range(sessions)]
        db.session.execute(insert(TreatmentSession), [
            {"plan_id": plan_id, "patient_id": first.patient_id, "on_date": at.date(), "stage_id": stage,
             "techniques": {"done": []}, "pain_before": 5, "pain_after": 3, "notes": f"session {n}",
             "recorded_by": first.approved_by, "recorded_at": at} for n, at in enumerate(when)])
        db.session.execute(insert(OutcomeMeasure), [
            {"patient_id": first.patient_id, "on_date": at.date(), "kind": "quickdash",
             "values": {"items": [2] * 11, "answered": 11, "score": 25.0}, "recorded_by": first.approved_by,
             "recorded_at": at + dt.timedelta(hours=1)} for at in when[::2]])
        for n, at in enumerate(when[::10], start=first.number + 1):
            revision = PlanRevision(**(columns | {"number": n, "approved_at": at + dt.timedelta(hours=2)}))
            db.session.add(revision)
            db.session.flush()
            db.session.add(HandoutPrint(revision_id=revision.id, patient_id=first.patient_id, kind="handout",
                                        options="handout:A4:normal:next:x", by=first.approved_by,
                                        at=at + dt.timedelta(hours=3)))
        db.session.commit()


def _measure(app, browser, url: str) -> tuple[str, int]:
    """(page text, how many SQL statements it took)."""
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *_a, **_k: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = browser.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), len(statements)


def test_eng04_pages_of_a_patient_with_a_long_history_show_a_bounded_number_of_rows(
        app, therapist, make_patient, clock):
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid, "fracture")
    patient_page, plan_page = f"/patients/{pid}", f"/patients/{pid}/plans/{plan_id}"
    history_page = f"{plan_page}/history"
    _add_years(app, plan_id, clock() - dt.timedelta(days=5 * 365), 60)
    before = {url: _measure(app, therapist, url) for url in (patient_page, plan_page, history_page)}
    _add_years(app, plan_id, clock() - dt.timedelta(days=4 * 365), 140)  # now five years: 200 sessions
    after = {url: _measure(app, therapist, url) for url in (patient_page, plan_page, history_page)}
    # The same number of queries with 60 sessions as with 200 (the chart reads its points once).
    assert {url: n for url, (_t, n) in after.items()} == {url: n for url, (_t, n) in before.items()}

    page = after[patient_page][0]
    assert len(re.findall(r'<li class="tl-', page)) == 50 and "Older entries" in page
    older_link = re.search(r'href="([^"]+before=[^"]+)"', page).group(1).replace("&amp;", "&")
    older = therapist.get(older_link).get_data(as_text=True)
    shown, next_shown = (re.findall(r'<time datetime="([^"]+)"', p) for p in (page, older))
    assert len(next_shown) == 50 and max(next_shown) < min(shown)  # the next 50, none shown twice

    page = after[plan_page][0]
    assert page.count("<td class=\"nowrap\">") == 20 and "Older sessions" in page
    assert "History (21 revisions)" in page
    assert "session 139" in page and "session 119" not in page  # the newest first
    second = therapist.get(f"{plan_page}?older=20").get_data(as_text=True)
    assert "session 119" in second and "session 139" not in second

    page = after[history_page][0]
    assert len(re.findall(r"<h2>Revision \d+</h2>", page)) == 10 and "Revision 21" in page
    assert "Older revisions" in page
    oldest = therapist.get(f"{history_page}?before=2").get_data(as_text=True)
    assert re.findall(r"<h2>Revision (\d+)</h2>", oldest) == ["1"] and "The first approved revision." in oldest
