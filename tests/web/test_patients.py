"""Patient records through the web: register, validate, find, edit safely, history, roles and archive."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, text

from clinic.extensions import db
from clinic.models import AuditEvent, Clinic, Patient, PatientChange
from clinic.patients import fields as F
from clinic.patients import operations as ops
from clinic.patients import search as patient_search
from tests.helpers.patients import found_ids, patient_form, search


def edit_form(patient: Patient | None = None, **overrides) -> dict[str, str]:
    return patient_form(**overrides)


def get_patient(app, patient_id: int) -> Patient:
    with app.app_context():
        patient = db.session.get(Patient, patient_id)
        db.session.expunge_all()
        return patient


def only_patient_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Patient.id)).one()


@pytest.fixture
def therapist(make_user, login):
    _, email = make_user("therapist")
    return login(email)


# --------------------------------------------------------------------------------------- register


def test_therapist_registers_a_patient_with_a_generated_record_number(app, therapist):
    page = therapist.get("/patients/new").get_data(as_text=True)
    assert 'value="P-000001"' in page
    response = therapist.post("/patients/new", data=patient_form())
    assert response.status_code == 302
    pid = only_patient_id(app)
    assert response.headers["Location"] == f"/patients/{pid}"
    patient = get_patient(app, pid)
    assert patient.record_number == "P-000001" and patient.given_names == "Zoë"
    assert ops.facts_for_screening(patient)["blood_thinners"] == "yes"
    assert patient.consent_treatment_on == dt.date(2026, 3, 1) and patient.version == 1
    assert patient.address == "1 Fjord Road\nBergen"
    page = therapist.get(f"/patients/{pid}").get_data(as_text=True)
    assert "ÅNGSTRÖM" in page and "27 March 1984" in page and "(41 years)" in page
    assert "Blood thinners" in page and "P-000001" in page
    # the next registration suggests the next number
    assert 'value="P-000002"' in therapist.get("/patients/new").get_data(as_text=True)


def test_all_ten_history_facts_default_to_not_known_with_the_screening_keys(app, make_patient):
    pid = make_patient()
    assert F.FACT_KEYS == ("blood_thinners", "diabetes", "heart_disease", "high_blood_pressure",
                           "low_blood_pressure", "osteoporosis", "cancer", "pregnancy", "reduced_sensation",
                           "oil_allergy")
    assert set(ops.facts_for_screening(get_patient(app, pid)).values()) == {"not_known"}


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"family_name": ""}, "family_name", "Enter the family name."),
    ({"given_names": "  "}, "given_names", "Enter the given names."),
    ({"birth_date": ""}, "birth_date", "Enter the date of birth."),
    ({"birth_date": "2026-03-03"}, "birth_date", "The date of birth cannot be in the future."),
    ({"birth_date": "1906-03-01"}, "birth_date", "That would make the patient 120 years old."),
    ({"birth_date": "31/02/1990"}, "birth_date", "Enter the date of birth as a real date"),
    ({"birth_date": "yesterday"}, "birth_date", "Enter the date of birth as a real date"),
    ({"email": "zoe@"}, "email", "Enter an email address like name@example.org."),
    ({"phone": "call me"}, "phone", "Enter a phone number of 6 to 15 digits"),
    ({"phone": "123"}, "phone", "Enter a phone number of 6 to 15 digits"),
    ({"record_number": ""}, "record_number", "Enter a record number."),
    ({"record_number": "P 1/<x>"}, "record_number", "Use up to 20 letters, digits or hyphens"),
    ({"family_name": "x" * 101}, "family_name", "Use at most 100 characters."),
    ({"consent_data": None}, "consent_data", "Tick the box, or clear the date"),
    ({"consent_data_on": "2027-01-01"}, "consent_data_on", "This date is in the future."),
    ({"fact_diabetes": "maybe"}, "fact_diabetes", "Not a valid choice"),
    ({"dominant_hand": "third"}, "dominant_hand", "Not a valid choice"),
])
def test_validation_names_the_problem_next_to_the_field_and_keeps_what_was_typed(
        app, therapist, overrides, field, message):
    form = patient_form(**overrides)
    response = therapist.post("/patients/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error-1">(.*?)</p>', page, re.S)
    assert error and message in error.group(1), page[:3000]
    assert 'value="Violinist"' in page and "Apixaban 5 mg" in page  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(select(Patient.id)) is None


def test_a_taken_record_number_is_refused_next_to_the_field_with_the_next_free_one(app, therapist, make_patient):
    make_patient(clinic="Clinic A", record_number="P-000001")
    response = therapist.post("/patients/new", data=patient_form(record_number="P-000001"))
    assert response.status_code == 400
    assert "Another patient has this record number. The next free one is P-000002." in response.get_data(True)


def test_the_same_record_number_may_be_used_by_another_clinic(app, therapist, make_patient):
    # Changed on purpose: it asserted only the redirect; the therapist relies on the new patient being filed in
    # their own clinic under the number they typed, and the other clinic's patient staying as it was.
    other = make_patient(clinic="Clinic B", record_number="P-000001", family_name="Okafor")
    page = therapist.get("/patients/new").get_data(as_text=True)
    assert 'value="P-000001"' in page  # the other clinic's numbers do not count against ours
    response = therapist.post("/patients/new", data=patient_form(record_number="P-000001"))
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(select(Patient.id, Clinic.name, Patient.record_number, Patient.family_name)
                                  .join(Clinic, Clinic.id == Patient.clinic_id).order_by(Patient.id)).all()
    new = next(row.id for row in rows if row.id != other)
    assert response.headers["Location"] == f"/patients/{new}"
    assert [tuple(row)[1:] for row in rows] == [("Clinic B", "P-000001", "Okafor"),
                                                ("Clinic A", "P-000001", "Ångström")]
    shown = therapist.get(f"/patients/{new}").get_data(as_text=True)
    assert "ÅNGSTRÖM" in shown and "P-000001" in shown
    assert therapist.get(f"/patients/{other}").status_code == 404  # still the other clinic's alone


def test_garbage_in_every_field_is_a_400_never_a_500(app, therapist, make_patient):
    pid = make_patient()
    junk = {name: "\x00" * 3 + "x" * 6000 for name in patient_form()}
    assert therapist.post("/patients/new", data=junk).status_code == 400
    junk["version"] = "not-a-number"
    assert therapist.post(f"/patients/{pid}/edit", data=junk).status_code == 400
    assert therapist.post(f"/patients/{pid}/edit", data={"version": "x"}).status_code == 400


# ----------------------------------------------------------------------------------------- search


@pytest.fixture
def registry(make_patient):
    ids = {
        "zoe": make_patient(family_name="Ångström", given_names="Zoë", birth_date=dt.date(1984, 3, 27)),
        "eleni": make_patient(family_name="Παπαδοπούλου", given_names="Ελένη", birth_date=dt.date(1957, 11, 2)),
        "dmitri": make_patient(family_name="Иванов", given_names="Дмитрий", birth_date=dt.date(1979, 6, 14)),
        "siobhan": make_patient(family_name="O'Brien", given_names="Siobhán", birth_date=dt.date(1992, 1, 8)),
        "jose": make_patient(family_name="García Márquez", given_names="José Luis", birth_date=dt.date(1949, 9, 30)),
        "zoey": make_patient(family_name="Zoellner", given_names="Anna", birth_date=dt.date(1984, 3, 27)),
    }
    make_patient(clinic="Clinic B", family_name="Zoë", given_names="Other Clinic", birth_date=dt.date(1984, 3, 27))
    return ids


@pytest.mark.parametrize(("query", "expected"), [
    ("Zoe", {"zoe", "zoey"}),
    ("zoë ångström", {"zoe"}),
    ("ANGSTROM", {"zoe"}),
    ("angs zo", {"zoe"}),
    ("ελένη", {"eleni"}),
    ("ΕΛΕΝΗ παπαδ", {"eleni"}),
    ("дмитрий", {"dmitri"}),
    ("obrien", {"siobhan"}),
    ("O'Brien", {"siobhan"}),
    ("siobhan", {"siobhan"}),
    ("marquez", {"jose"}),
    ("garcia jose", {"jose"}),
    ("000002", {"eleni"}),  # changed on purpose (WF-04): the whole record number now opens the patient
    ("p000003", {"dmitri"}),
    ("4", {"siobhan"}),
    ("1984-03-27", {"zoe", "zoey"}),
    ("27/03/1984", {"zoe", "zoey"}),
    ("27.03.1984 anna", {"zoey"}),
    ("nobody", set()),
])
def test_one_box_finds_by_name_without_accents_or_case_by_record_number_and_by_birth_date(
        app, therapist, registry, query, expected):
    page = search(therapist, query)
    assert found_ids(page) == {registry[k] for k in expected}


def test_an_impossible_date_in_the_search_box_says_so(app, therapist, registry):
    page = search(therapist, "31/02/1984")
    assert "31/02/1984 is not a date" in page and found_ids(page) == set()


def test_archived_patients_are_hidden_unless_asked_for(app, therapist, registry):
    pid = registry["zoe"]
    assert therapist.post(f"/patients/{pid}/archive", data={"archived": "1"}).status_code == 302
    assert pid not in found_ids(search(therapist, "zoe"))
    page = search(therapist, "zoe", archived=True)
    assert pid in found_ids(page) and "Archived" in page
    therapist.post(f"/patients/{pid}/archive", data={"archived": "0"})
    assert pid in found_ids(search(therapist, "zoe"))


def test_the_list_is_paginated_and_sortable(app, therapist, make_patient):
    for i in range(30):
        make_patient(family_name=f"Name{i:02d}", given_names="Pat", birth_date=dt.date(1950 + i, 1, 1))
    first = therapist.get("/patients/").get_data(as_text=True)
    assert "30 patients" in first and "page 1 of 2" in first
    assert first.index("NAME00") < first.index("NAME01") and "NAME29" not in first
    second = therapist.get("/patients/?page=2").get_data(as_text=True)
    assert "NAME29" in second and "NAME00" not in second
    newest_first = therapist.get("/patients/?sort=-birth").get_data(as_text=True)
    assert newest_first.index("NAME29") < newest_first.index("NAME28")
    assert therapist.get("/patients/?page=99&sort=nonsense").status_code == 200


def test_search_text_never_appears_in_a_url(app, therapist, registry):
    response = therapist.post("/patients/search", data={"q": "Zoë 27/03/1984"})
    assert response.headers["Location"] == "/patients/"
    page = therapist.get("/patients/").get_data(as_text=True)
    for href in re.findall(r'(?:href|action)="([^"]+)"', page):
        assert "zo" not in href.lower() and "1984" not in href


@pytest.mark.sqlite_only
def test_rel02_a_search_holds_no_sqlite_write_lock_while_it_reads_and_is_still_remembered(app, therapist, registry,
                                                                                         monkeypatch):
    """Every therapist searches every few clicks: a search that began IMMEDIATE held SQLite's write lock from its
    first read to its commit, so other workers' writes (audit rows of every patient view) waited for it. It reads
    first now and takes the lock only to store a changed search."""
    from clinic.models import LoginSession
    from tests.helpers.sqlite_lock import trying_the_lock_first

    others_could_write: list[bool] = []
    monkeypatch.setattr(ops, "patient_by_record_number", trying_the_lock_first(
        ops.patient_by_record_number, app.config["DATABASE_URL"], others_could_write))
    for q in ("Zoë", "Zoë", "Ångström"):  # a new search, the same again, another
        assert therapist.post("/patients/search", data={"q": q}).status_code == 302
        with app.app_context():
            assert db.session.scalars(select(LoginSession.search)).one() == {"q": q, "archived": False}
    assert others_could_write == [True, True, True]


# ------------------------------------------------------------------------------------------- edit


def _open_edit(browser, pid: int) -> dict[str, str]:
    page = browser.get(f"/patients/{pid}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return {"version": version}


def test_rel01_second_save_from_the_same_version_gets_a_conflict_page_and_keeps_what_they_typed(
        app, make_user, login, make_patient):
    pid = make_patient(family_name="Family1", given_names="Given1", birth_date=dt.date(1980, 1, 2),
                       record_number="P-000001", **patient_values_for_form())
    _, first_email = make_user("therapist")
    _, second_email = make_user("therapist")
    first, second = login(first_email), login(second_email)
    v1, v2 = _open_edit(first, pid), _open_edit(second, pid)
    assert v1 == v2 == {"version": "1"}
    same = {"family_name": "Family1", "given_names": "Given1", "birth_date": "1980-01-02"}
    saved = first.post(f"/patients/{pid}/edit", data=edit_form(
        phone="+44 1111 111111", occupation="Cellist", **same, **v1))
    assert saved.status_code == 302
    typed = edit_form(phone="+44 2222 222222", medications="Second user's careful list", **same, **v2)
    conflict = second.post(f"/patients/{pid}/edit", data=typed)
    assert conflict.status_code == 409
    page = conflict.get_data(as_text=True)
    # WF-07: the first editor by name, never by login e-mail (changed on purpose: it used to show the e-mail).
    assert "Someone else saved this record" in page and "Therapist 1" in page and first_email not in page
    both = re.search(r"You both changed these.*?</table>", page, re.S).group(0)
    assert "Phone" in both and "+44 20 7946 0958" in both and "+44 1111 111111" in both and "+44 2222 222222" in both
    theirs = re.search(r"Only they changed these.*?</table>", page, re.S).group(0)
    assert "Occupation" in theirs and "Cellist" in theirs and "Medications" not in theirs
    form = page[page.index("<h2>Your version</h2>"):]
    assert 'value="+44 2222 222222"' in form  # what they typed is kept...
    assert "Second user&#39;s careful list" in form
    assert 'value="Cellist"' in form  # ...and the first user's untouched-by-them change is not undone
    assert re.search(r'name="version" type="hidden" value="2"', page)
    assert get_patient(app, pid).phone == "+44 1111 111111"  # the first save is not lost
    # Saving from the conflict page (now based on version 2) is an explicit, recorded choice.
    resend = edit_form(phone="+44 2222 222222", medications="Second user's careful list", occupation="Cellist",
                       **same, version="2")
    assert second.post(f"/patients/{pid}/edit", data=resend).status_code == 302
    patient = get_patient(app, pid)
    assert patient.phone == "+44 2222 222222" and patient.occupation == "Cellist" and patient.version == 3
    assert patient.medications == "Second user's careful list"
    with app.app_context():
        phones = db.session.scalars(select(PatientChange.new_value).where(PatientChange.field == "phone")
                                    .order_by(PatientChange.id)).all()
    assert phones == ["+44 1111 111111", "+44 2222 222222"]  # 0 writes lost: both are in the history


def test_rel01_a_save_racing_past_the_check_is_caught_by_the_version_column(app, make_patient, clock):
    pid = make_patient()
    with app.app_context():
        patient = db.session.get(Patient, pid)
        db.session.expunge(patient)
        db.session.commit()
        with db.engine.begin() as other:  # another worker saves between our read and our write
            other.execute(text("UPDATE patients SET phone = '+1 555 0000', version = 2 WHERE id = :id"), {"id": pid})
        db.session.add(patient)  # still holding version 1 in memory
        with pytest.raises(ops.EditConflict):
            ops.update_patient(db.session, patient, {"phone": "+1 555 9999"}, expected_version=1, user=None,
                               now=clock())
        db.session.rollback()
    assert get_patient(app, pid).phone == "+1 555 0000"


def test_priv04_history_shows_who_when_and_old_and_new_values(app, make_user, login, make_patient, clock):
    pid = make_patient(**{"phone": "+1 555 0001", "medications": "None"})
    clock.advance(days=1)
    therapist = login(make_user("therapist")[1])
    form = edit_form(phone="+1 555 0002", medications="Ibuprofen 400 mg", version="1", family_name="Family1",
                     given_names="Given1", birth_date="1980-01-02")
    assert therapist.post(f"/patients/{pid}/edit", data=form).status_code == 302
    page = therapist.get(f"/patients/{pid}/history").get_data(as_text=True)
    # WF-07/WF-02: who by name (never the login e-mail) and when on the clinic's clock (a UTC clinic here).
    assert "Therapist 1" in page and therapist.email not in page and "3 March 2026, 09:00" in page
    for text_ in ("Phone", "+1 555 0001", "+1 555 0002", "Medications", "None", "Ibuprofen 400 mg"):
        assert text_ in page
    assert "Takes blood thinners" in page  # a fact changed from not known to yes


def test_clinical_changed_at_moves_only_when_history_or_medications_change(app, therapist, make_patient, clock):
    pid = make_patient(family_name="Family1", given_names="Given1", birth_date=dt.date(1980, 1, 2),
                       record_number="P-000001", **patient_values_for_form())
    registered = get_patient(app, pid).clinical_changed_at
    clock.advance(minutes=10)
    therapist.post(f"/patients/{pid}/edit", data=edit_form(phone="+1 555 0123", family_name="Family1",
                                                           given_names="Given1", birth_date="1980-01-02",
                                                           version="1"))
    patient = get_patient(app, pid)
    assert patient.phone == "+1 555 0123" and patient.clinical_changed_at == registered
    clock.advance(minutes=10)
    therapist.post(f"/patients/{pid}/edit", data=edit_form(phone="+1 555 0123", family_name="Family1",
                                                           given_names="Given1", birth_date="1980-01-02",
                                                           medications="Warfarin", version="2"))
    assert get_patient(app, pid).clinical_changed_at == clock()


def patient_values_for_form() -> dict:
    """Model values equal to ``patient_form()`` apart from identity, so an edit changes only what it names."""
    return {
        "sex": "female", "dominant_hand": "right", "phone": "+44 20 7946 0958", "email": "zoe@example.org",
        "address": "1 Fjord Road\nBergen", "emergency_contact": "Lars, brother, +47 555 0101",
        "occupation": "Violinist", "referring_doctor": "Dr Hansen", "history_notes": "Wrist fracture 2019",
        "medications": "Apixaban 5 mg", "consent_treatment": True, "consent_treatment_on": dt.date(2026, 3, 1),
        "consent_data": True, "consent_data_on": dt.date(2026, 3, 1),
        **{f"history_facts.{k}": "no" for k in F.FACT_KEYS}, "history_facts.blood_thinners": "yes",
    }


def test_saving_without_changes_writes_no_history_and_keeps_the_version(app, therapist, make_patient):
    pid = make_patient(family_name="Family1", given_names="Given1", birth_date=dt.date(1980, 1, 2),
                       record_number="P-000001", **patient_values_for_form())
    form = edit_form(family_name="Family1", given_names="Given1", birth_date="1980-01-02", version="1")
    response = therapist.post(f"/patients/{pid}/edit", data=form)
    assert response.status_code == 302
    assert get_patient(app, pid).version == 1
    with app.app_context():
        assert db.session.scalar(select(PatientChange.id)) is None


# ------------------------------------------------------------------------------------------ roles

CLINICAL_CANARY = "Canary-Medication-Xq7"


def test_reception_sees_and_edits_contact_details_only(app, make_user, login, make_patient, therapist):
    pid = make_patient(medications=CLINICAL_CANARY, occupation="Canary-Occupation",
                       history_notes="Canary-Notes", **{"history_facts.blood_thinners": "yes"})
    # a therapist changes a clinical field; reception must not see it even in the history
    therapist.post(f"/patients/{pid}/edit", data=edit_form(
        family_name="Family1", given_names="Given1", birth_date="1980-01-02", record_number="P-000001",
        medications=CLINICAL_CANARY + " changed", version="1"))
    _, email = make_user("reception")
    reception = login(email)
    for url in (f"/patients/{pid}", f"/patients/{pid}/history", f"/patients/{pid}/edit"):
        page = reception.get(url).get_data(as_text=True)
        assert CLINICAL_CANARY not in page and "Canary-Occupation" not in page and "Canary-Notes" not in page, url
        assert "Blood thinners" not in page and "Medications" not in page, url
    version = _open_edit(reception, pid)["version"]
    response = reception.post(f"/patients/{pid}/edit", data={
        "version": version, "phone": "+1 555 7777", "email": "", "address": "New street 5", "emergency_contact": "",
        "medications": "Reception tried", "family_name": "Renamed", "fact_blood_thinners": "no"})
    assert response.status_code == 302
    patient = get_patient(app, pid)
    assert patient.phone == "+1 555 7777" and patient.address == "New street 5"
    assert patient.medications == CLINICAL_CANARY + " changed" and patient.family_name == "Family1"
    assert ops.facts_for_screening(patient)["blood_thinners"] == "yes"
    for url in (f"/patients/{pid}/export.json", f"/patients/{pid}/export.pdf"):
        assert reception.get(url).status_code == 403
    assert reception.post(f"/patients/{pid}/archive", data={"archived": "1"}).status_code == 403
    assert reception.get(f"/patients/{pid}/erase").status_code == 403


def test_reception_registers_identity_and_contact_but_no_clinical_fields(app, make_user, login):
    _, email = make_user("reception")
    reception = login(email)
    page = reception.get("/patients/new").get_data(as_text=True)
    assert "Medications" not in page and "Clinical history" not in page
    response = reception.post("/patients/new", data=patient_form(medications="Sneaked in"))
    assert response.status_code == 302
    patient = get_patient(app, only_patient_id(app))
    assert patient.medications == "" and set(ops.facts_for_screening(patient).values()) == {"not_known"}


def test_therapist_cannot_erase_or_set_a_hold(app, therapist, make_patient):
    pid = make_patient()
    assert therapist.get(f"/patients/{pid}/erase").status_code == 403
    assert therapist.post(f"/patients/{pid}/erase", data={"confirm": "P-000001"}).status_code == 403
    assert therapist.post(f"/patients/{pid}/hold", data={"reason": "x"}).status_code == 403


def test_every_patient_page_shows_the_same_banner(app, make_user, login, make_patient):
    pid = make_patient(family_name="Ångström", given_names="Zoë", birth_date=dt.date(1984, 3, 27),
                       dominant_hand="left", **{"history_facts.blood_thinners": "yes"})
    _, email = make_user("admin")
    admin = login(email)
    for url in ("", "/edit", "/history", "/erase"):
        page = admin.get(f"/patients/{pid}{url}").get_data(as_text=True)
        banner = re.search(r'<section class="patient-banner.*?</section>', page, re.S).group(0)
        for text_ in ("ÅNGSTRÖM", "Zoë", "27 March 1984", "(41 years)", "P-000001", "Left", "Blood thinners"):
            assert text_ in banner, (url, text_)


def test_timeline_collects_entries_from_registered_sources(app, therapist, make_patient, clock):
    from clinic.patients.registry import TIMELINE_SOURCES, TimelineEntry, timeline_source

    pid = make_patient()

    @timeline_source
    def fake_screenings(session, patient, window):
        yield TimelineEntry(at=clock() + dt.timedelta(days=2), title="Screening: caution", kind="screening",
                            url=f"/patients/{patient.id}")

    try:
        page = therapist.get(f"/patients/{pid}").get_data(as_text=True)
        assert page.index("Screening: caution") < page.index("Registered")
    finally:
        TIMELINE_SOURCES.remove(fake_screenings)


def test_aud01_view_create_update_and_export_each_leave_one_row(app, therapist, make_user):
    def rows(action: str) -> list[AuditEvent]:
        with app.app_context():
            found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
            db.session.expunge_all()
            return found

    therapist.post("/patients/new", data=patient_form())
    pid = only_patient_id(app)
    therapist.get(f"/patients/{pid}")
    therapist.post(f"/patients/{pid}/edit", data=edit_form(phone="+1 555 4444", version="1"))
    therapist.get(f"/patients/{pid}/export.json")
    for action, detail in (("patient_create", ""), ("patient_view", ""), ("patient_update", "fields: phone"),
                           ("patient_export", "json")):
        found = rows(action)
        assert len(found) == 1, action
        row = found[0]
        assert row.patient_ref == pid and row.outcome == "ok" and row.actor == therapist.email
        assert row.detail == detail and row.at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("dense_at", [3, 10_000])
def test_many_and_few_matches_give_the_same_patients_in_the_same_order(app, therapist, make_patient, monkeypatch,
                                                                       dense_at):
    monkeypatch.setattr(patient_search, "DENSE_MATCHES", dense_at)
    ids = [make_patient(family_name=f"Müller{chr(ord('a') + i)}", given_names="Jo", birth_date=dt.date(1970, 1, 1))
           for i in range(30)]
    make_patient(family_name="Other", given_names="Mull", birth_date=dt.date(1970, 1, 1))
    therapist.post(f"/patients/{ids[0]}/archive", data={"archived": "1"})
    first = search(therapist, "MULLER")
    assert [int(i) for i in re.findall(r'href="/patients/(\d+)"', first)] == ids[1:26]
    second = therapist.get("/patients/?page=2").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'href="/patients/(\d+)"', second)] == ids[26:]
    assert ("Many patients" in first) == (dense_at == 3)
    assert ("29 patients" in first) == (dense_at != 3)
    with_archived = search(therapist, "muller jo", archived=True)
    assert int(re.findall(r'href="/patients/(\d+)"', with_archived)[0]) == ids[0]
