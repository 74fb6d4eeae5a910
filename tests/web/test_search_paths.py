"""Patient search takes one of two roads by how many words match (clinic.patients.operations.DENSE_MATCHES):
the matches in list order from the word index, or a walk of the name index probing each patient's words.
A person searching must not be able to tell which: the same patients, in the same order, on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from clinic.extensions import db
from clinic.models import Clinic, Patient, User
from clinic.patients import operations as ops

NAMES = [("Smith", "Anna"), ("Smith-García", "José"), ("Smithers", "Zoë"), ("Schmidt", "Anna"), ("Ångström", "Sam"),
         ("Smyth", "Anne"), ("O'Smith", "Lee"), ("Silva", "Smitha"), ("Smith", "Ángel"), ("Smíth", "Bo")]


@pytest.fixture
def clinic_id(app, make_user, make_patient):
    user_id, _ = make_user("therapist")
    for n in range(60):
        family, given = NAMES[n % len(NAMES)]
        make_patient(family_name=f"{family}{'' if n < 10 else n}", given_names=given,
                     birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=97 * n))
    with app.app_context():
        return db.session.get(User, user_id).clinic_id


@pytest.mark.parametrize("query", ["smith", "smi", "s", "anna", "smith anna", "angstrom", "smith 1950-01-01", "zz"])
@pytest.mark.parametrize("sort", ["name", "-name"])
def test_both_roads_find_the_same_patients_in_the_same_order(app, clinic_id, monkeypatch, query, sort):
    def every_page(dense_above: int) -> list[list[int]]:
        """Each page of 7 up to the last (a page past the last is clamped only when the count is known)."""
        monkeypatch.setattr(ops, "DENSE_MATCHES", dense_above)
        pages = []
        with app.app_context():
            assert db.session.scalar(select(Clinic.id).where(Clinic.id == clinic_id)) == clinic_id
            for page in range(1, 11):
                result = ops.search_patients(db.session, clinic_id, query, sort=sort, page=page, per_page=7)
                pages.append([p.id for p in result.patients])
                if not result.has_next:
                    break
        return pages

    indexed, walked = every_page(10_000), every_page(0)
    assert indexed == walked
    if query not in ("zz",):
        assert indexed[0], query  # something was found, so the comparison means something


@pytest.mark.sqlite_only
def test_the_walk_probes_each_patient_by_its_own_words_not_every_word_with_the_prefix(app, clinic_id, monkeypatch):
    """With many matches the name index is walked and each patient's words probed by the key (patient, word).
    Had SQLite (no statistics) probed the clinic's word index instead, each probe would read every word with
    the prefix: "s" took 1.4 s at 100,000 patients and would grow with the clinic (make bench)."""
    monkeypatch.setattr(ops, "DENSE_MATCHES", 0)
    with app.app_context():
        found, plan = _plan_of(lambda: ops.search_patients(db.session, clinic_id, "s", per_page=7).patients,
                               lambda sql: sql.lstrip().startswith("SELECT patients.") and "EXISTS" in sql)
    assert found
    assert "ix_patients_clinic_status_sort_name" in plan, plan  # the walk in list order
    assert "(patient_id=? AND term>? AND term<?)" in plan, plan  # each probe by the patient's own words


@pytest.mark.sqlite_only
def test_a_record_number_typed_in_full_is_found_by_its_search_word_not_by_reading_every_patient(app, clinic_id):
    """The search box opens the patient whose record number is typed in full (WF-04) on every search, so the
    lookup must not read the clinic's whole patient table (1.6 s a search at 1,000,000 patients)."""
    with app.app_context():
        record = db.session.scalar(select(Patient.record_number).where(Patient.clinic_id == clinic_id).limit(1))
        found, plan = _plan_of(lambda: ops.patient_by_record_number(db.session, clinic_id, f" {record.lower()} "),
                               lambda sql: sql.lstrip().startswith("SELECT patients."))
    assert found is not None and found.record_number == record
    assert "SCAN patients" not in plan and "patient_search_terms" in plan, plan


def _plan_of(call, wanted):
    """(what ``call`` returns, SQLite's plan of the first statement it ran that ``wanted`` picks)."""
    seen: list[tuple[str, tuple]] = []

    def listen(conn, cursor, statement, params, context, many):
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    sql, params = next((s, p) for s, p in seen if wanted(s))
    driver = db.session.connection().connection.driver_connection
    return result, " | ".join(row[3] for row in driver.execute("EXPLAIN QUERY PLAN " + sql, params))
