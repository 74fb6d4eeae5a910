"""ENG-04: a patient with five years of data. The patient page, its timeline, the plan page and the plan
history show a bounded number of rows, newest first with a link to the older ones, and cost the same
number of queries whatever the length of the history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from clinic.domain.screening import Answer
from clinic.domain.screening_rules import questions_for
from clinic.extensions import db
from clinic.library import screening_rules
from clinic.models import Clearance, Patient, ScreeningOverride, User
from clinic.screening import operations as screening_ops
from tests.helpers.plans import add_years_of_history, approved_plan


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def _statements(app, browser, url: str) -> tuple[str, list[str]]:
    """(page text, the SQL statements it took, without BEGIN/COMMIT)."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = browser.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), statements


def _measure(app, browser, url: str) -> tuple[str, int]:
    """(page text, how many SQL statements it took, transaction control aside)."""
    text, statements = _statements(app, browser, url)
    return text, len(statements)


def test_eng04_pages_of_a_patient_with_a_long_history_show_a_bounded_number_of_rows(
        app, therapist, make_patient, clock):
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid, "fracture")
    patient_page, plan_page = f"/patients/{pid}", f"/patients/{pid}/plans/{plan_id}"
    history_page = f"{plan_page}/history"
    add_years_of_history(app, plan_id, clock() - dt.timedelta(days=5 * 365), 60)
    before = {url: _measure(app, therapist, url) for url in (patient_page, plan_page, history_page)}
    add_years_of_history(app, plan_id, clock() - dt.timedelta(days=4 * 365), 140)  # now five years: 200 sessions
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


# The patient page's statements for a patient with five years of data (transaction control not counted): the
# page's own reads, one per kind of row whatever the count, and the audit row of the view. A figure: a read per
# session, measure, revision, print, screening, override or clearance fails it long before the history is long.
PATIENT_PAGE_STATEMENTS = 24


def _screen_often(app, pid: int, first: dt.datetime, count: int) -> None:
    """``count`` general screenings a month apart from ``first``, each finding a fever (do not treat), each with
    the therapist's override and a doctor's clearance recorded."""
    with app.app_context():
        patient = db.session.get(Patient, pid)
        therapist = db.session.scalars(select(User).where(User.role == "therapist")).first()
        answers = {rule.id: Answer("no") for group in questions_for(screening_rules(), None)
                   for rule in group.questions} | {"fever": Answer("yes")}
        for n in range(count):
            at = first + dt.timedelta(days=30 * n)
            screening, _ = screening_ops.record_screening(
                db.session, patient, answers=answers, facts={}, condition=None, rules=screening_rules(),
                user=therapist, now=at, valid_days=30)
            db.session.flush()
            db.session.add(ScreeningOverride(patient_id=pid, screening_id=screening.id, rule_ids="fever",
                                             reason="Temperature rechecked: 36.8 now.", by=therapist.email,
                                             by_id=therapist.id, at=at + dt.timedelta(minutes=5)))
            db.session.add(Clearance(patient_id=pid, screening_id=screening.id, rule_id="fever", cleared_by="Dr Okafor",
                                     cleared_on=at.date(), note="", recorded_by=therapist.email,
                                     recorded_by_id=therapist.id, recorded_at=at + dt.timedelta(minutes=10)))
        db.session.commit()


def test_eng04_the_patient_page_reads_five_years_in_a_fixed_number_of_queries(app, therapist, make_patient, clock):
    """The therapist opens a patient with five years of sessions, measures, revisions, prints and screenings (each
    overridden and cleared): the page and its older timeline page cost the same few statements with 2 screenings
    as with 14, and no more than PATIENT_PAGE_STATEMENTS, so they stay quick however long the history grows."""
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid, "fracture")
    add_years_of_history(app, plan_id, clock() - dt.timedelta(days=5 * 365), 200)
    _screen_often(app, pid, clock() - dt.timedelta(days=400), 2)
    newest, older = f"/patients/{pid}", f"/patients/{pid}?before={(clock() - dt.timedelta(days=300)).isoformat()}"
    few = {url: _statements(app, therapist, url) for url in (newest, older)}
    _screen_often(app, pid, clock() - dt.timedelta(days=370), 12)
    many = {url: _statements(app, therapist, url) for url in (newest, older)}

    assert "Contraindication overridden" in many[newest][0] and "clearance recorded" in many[newest][0]
    assert "Contraindication overridden" in many[older][0]
    for url in (newest, older):
        assert len(many[url][1]) == len(few[url][1]), (url, many[url][1])
        assert len(many[url][1]) <= PATIENT_PAGE_STATEMENTS, (url, many[url][1])
