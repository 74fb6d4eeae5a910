"""Patient search takes one of two roads by how many words match (clinic.patients.search.DENSE_MATCHES):
the matches in list order from the word index, or, with many, a walk in list order (of the patients under the
word's first letters when listed by name, of the list itself in another order) probing each patient's words.
A person searching must not be able to tell which: the same patients, in the same order, on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from clinic.extensions import db
from clinic.models import Clinic, Patient, User
from clinic.patients import operations as ops
from clinic.patients import search

NAMES = [("Smith", "Anna"), ("Smith-García", "José"), ("Smithers", "Zoë"), ("Schmidt", "Anna"), ("Ångström", "Sam"),
         ("Smyth", "Anne"), ("O'Smith", "Lee"), ("Silva", "Smitha"), ("Smith", "Ángel"), ("Smíth", "Bo")]


@pytest.fixture
def clinic_id(app, make_user, clock):
    """60 patients registered as the registration page does (one transaction: what is searched is the same)."""
    user_id, _ = make_user("therapist")
    with app.app_context():
        clinic = db.session.get(User, user_id).clinic_id
        for n in range(60):
            family, given = NAMES[n % len(NAMES)]
            ops.create_patient(db.session, clinic_id=clinic, user=None, now=clock(), actor="test", values={
                "record_number": f"P-{n + 1:06d}", "family_name": f"{family}{'' if n < 10 else n}",
                "given_names": given, "birth_date": dt.date(1950, 1, 1) + dt.timedelta(days=97 * n)})
        db.session.commit()
        return clinic


@pytest.mark.parametrize("query", ["smith", "smi", "s", "anna", "smith anna", "angstrom", "smith 1950-01-01", "zz"])
@pytest.mark.parametrize("sort", ["name", "-name", "-birth"])
def test_both_roads_find_the_same_patients_in_the_same_order(app, clinic_id, monkeypatch, query, sort):
    def every_page(dense_above: int) -> list[list[int]]:
        """Each page of 7 up to the last (a page past the last is clamped only when the count is known)."""
        monkeypatch.setattr(search, "DENSE_MATCHES", dense_above)
        pages = []
        with app.app_context():
            assert db.session.scalar(select(Clinic.id).where(Clinic.id == clinic_id)) == clinic_id
            for page in range(1, 11):
                result = search.search_patients(db.session, clinic_id, query, sort=sort, page=page, per_page=7)
                pages.append([p.id for p in result.patients])
                if not result.has_next:
                    break
        return pages

    indexed, walked = every_page(10_000), every_page(0)
    assert indexed == walked
    if query not in ("zz",):
        assert indexed[0], query  # something was found, so the comparison means something


def test_a_renamed_patient_is_found_by_the_new_name_on_every_road_and_never_by_the_old(app, clinic_id, monkeypatch,
                                                                                       clock):
    """The words, their heads and the sort name beside them all follow a change of name."""
    with app.app_context():
        patient = db.session.scalar(select(Patient).where(Patient.family_name == "Smithers"))
        ops.update_patient(db.session, patient, {"family_name": "Quist"}, expected_version=patient.version, user=None,
                           now=clock())
        db.session.commit()
        pid = patient.id
        for dense_above in (10_000, 0):
            monkeypatch.setattr(search, "DENSE_MATCHES", dense_above)
            for query in ("q", "qui", "quist", "quist zoe"):
                assert [p.id for p in search.search_patients(db.session, clinic_id, query).patients] == [pid], query
            for query in ("smithers", "smithers zoe", "smi", "s"):
                found = [p.id for p in search.search_patients(db.session, clinic_id, query, per_page=100).patients]
                assert found and pid not in found, query  # the other Smithers still, not this one


def test_the_word_with_fewer_matches_leads_so_a_common_word_beside_a_rare_one_is_not_walked(app, clinic_id,
                                                                                             monkeypatch):
    """"Smith Bo": the few Bos are read and sorted, each checked for a Smith word; not every Smith walked in list
    order and checked for Bo, as when the longer word led (the same patients either way)."""
    monkeypatch.setattr(search, "DENSE_MATCHES", 20)  # "smith" starts more than 20 words here, "bo" fewer
    seen = []
    listen = lambda *args: seen.append((args[2], args[3]))  # noqa: E731 - (statement, parameters)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            found = {p.id for p in search.search_patients(db.session, clinic_id, "smith bo", per_page=100).patients}
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        bos = {p.id for p in search.search_patients(db.session, clinic_id, "bo", per_page=100).patients}
    assert found and found == bos  # every Bo here is a Smíth
    listing = [(sql, params) for sql, params in seen if sql.lstrip().startswith("SELECT patients.")]
    values = [list(params.values()) if isinstance(params, dict) else list(params) for _, params in listing]
    assert listing and all("smi" not in bound for bound in values), listing  # no walk under Smith's first letters
    assert all("bo" in bound for bound in values), listing  # the word range read is Bo's


@pytest.mark.sqlite_only
@pytest.mark.parametrize("query", ["s", "smi"])
def test_a_short_common_prefix_reads_its_page_from_the_head_index_in_list_order(app, clinic_id, monkeypatch, query):
    """Up to three letters, a word is a head: its patients come from the head index in list order, one index range,
    with nothing to sort and no patient probed. Walking the name index instead took 1.5 s for "O'B" at 1,000,000
    patients (its matches cluster half way down the alphabet; make bench)."""
    monkeypatch.setattr(search, "DENSE_MATCHES", 0)
    with app.app_context():
        found, plan = _plan_of(lambda: search.search_patients(db.session, clinic_id, query, per_page=7).patients,
                               lambda sql: sql.lstrip().startswith("SELECT patients."))
    assert found
    assert "ix_patient_search_heads_clinic_head (clinic_id=? AND head=?)" in plan, plan
    assert "TEMP B-TREE" not in plan and "SCAN patients" not in plan and "EXISTS" not in plan, plan


@pytest.mark.sqlite_only
@pytest.mark.parametrize("query", ["smith", "smith anna"])
def test_a_longer_common_prefix_reads_the_words_under_its_head_in_list_order(app, clinic_id, monkeypatch, query):
    """"smith" reads the words under "smi" in list order and keeps, inside the index, those "smith" starts; a
    patient's other words are probed by the key (patient, word). Walking every patient under the head instead, each
    fetched and probed, took 140 ms for "O'Brien1" at 1,000,000 patients (a run of O'Brien-Costas first), and
    probing the clinic's word index (SQLite has no statistics) read every word with the prefix each time."""
    monkeypatch.setattr(search, "DENSE_MATCHES", 0)
    with app.app_context():
        found, plan = _plan_of(lambda: search.search_patients(db.session, clinic_id, query, per_page=7).patients,
                               lambda sql: sql.lstrip().startswith("SELECT patients."))
    assert found
    assert plan.startswith("SEARCH patient_search_terms USING COVERING INDEX ix_patient_search_terms_clinic_head "
                           "(clinic_id=? AND head=?)"), plan  # in list order, the word's start checked in the index
    assert "TEMP B-TREE" not in plan and "SCAN" not in plan, plan
    assert "(patient_id=? AND term>? AND term<?)" in plan, plan  # a patient once; its other words by the key


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
