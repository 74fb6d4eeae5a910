"""Patient privacy and data guarantees: SEC-03, PRIV-01/02/03/05, AUD-01 (export, erase), REL-07."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from clinic.extensions import db
from clinic.models import AuditEvent, Patient, PatientChange, PatientSearchHead, PatientSearchTerm
from clinic.patients import fields as F
from clinic.patients import operations as ops
from clinic.patients.forms import RECORD_NUMBER_RE
from tests.conftest import csrf_from
from tests.helpers.properties import examples
from tests.helpers.sweep import all_rules, snapshot


def canaries(tag: str) -> dict:
    """Patient values with a unique, findable string in every free-text field."""
    return {
        "record_number": f"{tag}-R0001",
        "family_name": f"{tag}Family", "given_names": f"{tag}Given",
        "birth_date": dt.date(1971, 7, 7) if tag == "Bee" else dt.date(1966, 6, 16),
        "phone": "+1 555 010 999" if tag == "Bee" else "+1 555 020 888",
        "email": f"{tag.lower()}canary@example.org", "address": f"{tag}Address Street",
        "emergency_contact": f"{tag}Emergency", "occupation": f"{tag}Occupation",
        "referring_doctor": f"{tag}Doctor", "history_notes": f"{tag}Notes", "medications": f"{tag}Medication",
        "retention_hold": "",
    }


def strings_of(values: dict) -> list[str]:
    return [v for k, v in values.items() if isinstance(v, str) and v and k != "retention_hold"]


def birth_date_forms(day: dt.date) -> list[str]:
    return [day.isoformat(), f"{day:%d/%m/%Y}", f"{day:%d.%m.%Y}", f"{day:%Y%m%d}", f"{day.day} {day:%B %Y}"]


# ---------------------------------------------------------------------------------------------- SEC-03


@pytest.mark.parametrize("role", ["therapist", "admin", "reception"])
def test_sec03_no_route_opens_another_clinics_patient_and_no_body_carries_their_data(
        app, make_user, login, make_patient, role):
    values = canaries("Bee")
    other = make_patient(clinic="Clinic B", **values)
    make_patient(clinic="Clinic A")
    browser = login(make_user(role, clinic="Clinic A")[1])
    forbidden = [*strings_of(values), *birth_date_forms(values["birth_date"]), str(values["birth_date"].year)]
    exclude = frozenset({"audit_events", "audit_chain_head", "form_drafts"})
    before = snapshot(app, exclude)
    id_routes = [(rule, method) for rule, method, _url in all_rules(app) if "patient_id" in rule.arguments]
    assert len(id_routes) >= 10
    for rule, method in id_routes:
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, patient_id=other, **{a: 1 for a in rule.arguments - {"patient_id"}})
        form = {"csrf_token": browser.token(), "confirm": values["record_number"], "reason": "x", "archived": "1",
                "version": "1", "phone": "+1 555 123 456", **{k: str(v) for k, v in values.items()}}
        response = browser.client.open(url, method=method, data=form if method == "POST" else None)
        body = response.get_data(as_text=True)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        for canary in forbidden:
            assert canary not in body, (method, url, canary)
    assert snapshot(app, exclude) == before


def test_sec03_search_never_lists_another_clinics_patients(app, make_user, login, make_patient):
    other = make_patient(clinic="Clinic B", **canaries("Bee"))
    browser = login(make_user("therapist", clinic="Clinic A")[1])
    for query in ("Bee", "BeeFamily", "Bee-R0001", "1971-07-07", "07/07/1971", ""):
        browser.post("/patients/search", data={"q": query, "archived": "y"})
        page = browser.get("/patients/").get_data(as_text=True)
        assert "No patients" in page and f"/patients/{other}" not in page and "BeeGiven" not in page


# ---------------------------------------------------------------------------------------------- PRIV-01


def _registered_with_history(app, make_patient, clock, tag: str, clinic: str = "Clinic A") -> int:
    pid = make_patient(clinic=clinic, **canaries(tag))
    with app.app_context():
        patient = db.session.get(Patient, pid)
        ops.update_patient(db.session, patient, {"medications": f"{tag}Medication2", "phone": "+1 555 777 000"},
                           expected_version=1, user=None, now=clock())
        db.session.commit()
    return pid


def test_priv01_json_export_has_every_row_of_the_patient_and_none_of_anyone_elses(app, make_user, login,
                                                                                 make_patient, clock):
    mine = _registered_with_history(app, make_patient, clock, "Ant")
    _registered_with_history(app, make_patient, clock, "Bee")
    browser = login(make_user("therapist")[1])
    response = browser.get(f"/patients/{mine}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    document = json.loads(body)
    for key, value in canaries("Ant").items():
        if key not in ("medications", "phone"):
            assert document["patient"][key] == (value.isoformat() if isinstance(value, dt.date) else value), key
    assert document["patient"]["medications"] == "AntMedication2"
    with app.app_context():
        changes = db.session.scalars(select(PatientChange).where(PatientChange.patient_id == mine)).all()
        assert len(document["tables"]["patient_changes"]) == len(changes) == 2
    assert {c["old_value"] for c in document["tables"]["patient_changes"]} == {"AntMedication", "+1 555 020 888"}
    assert "Bee" not in body


def test_priv01_pdf_export_is_readable_and_holds_only_this_patient(app, make_user, login, make_patient, clock):
    from pypdf import PdfReader

    mine = _registered_with_history(app, make_patient, clock, "Ant")
    _registered_with_history(app, make_patient, clock, "Bee")
    browser = login(make_user("therapist")[1])
    response = browser.get(f"/patients/{mine}/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    content = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = re.sub(r"\s+", " ", content)
    for needle in ("ANTFAMILY", "AntGiven", "Ant-R0001", "16 June 1966", "AntMedication2", "AntNotes",
                   "AntDoctor", "Takes blood thinners or has a bleeding disorder", "Change history"):
        assert needle in flat, needle
    assert "Bee" not in flat


# ---------------------------------------------------------------------------------------------- PRIV-05


def test_priv05_no_url_or_download_name_carries_a_name_or_birth_date(app, make_user, login):
    browser = login(make_user("admin")[1])
    values = canaries("Ant")
    form = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    form |= {f"fact_{k}": "no" for k in F.FACT_KEYS} | {"sex": "", "dominant_hand": "right"}
    seen: list[str] = []

    def visit(response):
        if "Location" in response.headers:
            seen.append(response.headers["Location"])
        if response.mimetype == "text/html":
            seen.extend(re.findall(r'(?:href|action|src)="([^"]*)"', response.get_data(as_text=True)))
        if "Content-Disposition" in response.headers:
            seen.append(response.headers["Content-Disposition"])
        return response

    created = visit(browser.post("/patients/new", data=form))
    assert created.status_code == 302
    pid = int(created.headers["Location"].rsplit("/", 1)[1])
    visit(browser.post("/patients/search", data={"q": "AntFamily 16/06/1966"}))
    for url in ("/patients/", f"/patients/{pid}", f"/patients/{pid}/edit", f"/patients/{pid}/history",
                f"/patients/{pid}/erase", f"/patients/{pid}/export.json", f"/patients/{pid}/export.pdf"):
        assert visit(browser.get(url)).status_code == 200, url
    visit(browser.post(f"/patients/{pid}/edit", data=form | {"version": "1", "phone": "+1 555 000 111"}))
    dispositions = [s for s in seen if s.startswith("attachment")]
    assert dispositions == ['attachment; filename="patient-Ant-R0001.json"',
                            'attachment; filename="patient-Ant-R0001.pdf"']
    forbidden = [values["family_name"], values["given_names"], *birth_date_forms(values["birth_date"]), "1966"]
    for url in seen:
        for needle in forbidden:
            assert needle.lower() not in url.lower(), (url, needle)


# ---------------------------------------------------------------------------------------- PRIV-02, 03


def _rows_containing(app, needles: list[str]) -> list[tuple[str, str]]:
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                flat = " ".join(str(v) for v in row)
                found += [(table.name, n) for n in needles if n in flat]
        db.session.rollback()
    return found


def _erase(browser, pid: int, record_number: str):
    form = browser.get(f"/patients/{pid}/erase").get_data(as_text=True)
    return browser.client.post(f"/patients/{pid}/erase",
                               data={"confirm": record_number, "csrf_token": csrf_from(form)})


def test_priv02_erasure_leaves_no_byte_of_the_patient_in_the_database_its_wal_or_a_new_backup(
        app, make_user, login, make_patient, clock, runner, tmp_path, db_url):
    values = canaries("Ant")
    pid = _registered_with_history(app, make_patient, clock, "Ant")
    keep = _registered_with_history(app, make_patient, clock, "Bee")
    admin = login(make_user("admin")[1])
    admin.get(f"/patients/{pid}")
    admin.get(f"/patients/{pid}/export.json")
    needles = [*strings_of(values), "AntMedication2", values["birth_date"].isoformat()]
    assert _rows_containing(app, needles)  # the canaries are there before
    response = _erase(admin, pid, values["record_number"])
    assert response.status_code == 302 and response.headers["Location"] == "/patients/"
    assert _rows_containing(app, needles) == []
    with app.app_context():
        assert db.session.get(Patient, pid) is None
        assert db.session.scalars(select(PatientChange).where(PatientChange.patient_id == pid)).all() == []
        assert db.session.scalars(select(PatientSearchTerm).where(PatientSearchTerm.patient_id == pid)).all() == []
        assert db.session.scalars(select(PatientSearchHead).where(PatientSearchHead.patient_id == pid)).all() == []
        assert db.session.get(Patient, keep) is not None
        stub = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient_erase")).one()
        assert stub.patient_ref == pid and stub.outcome == "ok" and stub.actor == admin.email
        assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.patient_ref == pid)).all()) >= 3
    assert admin.get(f"/patients/{pid}").status_code == 404
    path = db_url.removeprefix("sqlite:///")
    if db_url.startswith("sqlite"):
        backup = tmp_path / "after-erase.sqlite3"
        assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
        files = [Path(path), Path(path + "-wal"), backup]
        for file in files:
            if not file.exists():
                continue
            data = file.read_bytes()
            for needle in needles:
                assert needle.encode() not in data, (file.name, needle)
        assert b"BeeFamily" in Path(path).read_bytes()  # the check can see data: the other patient is there


def test_priv02_a_wrong_confirmation_erases_nothing(app, make_user, login, make_patient):
    pid = make_patient(record_number="P-000042")
    admin = login(make_user("admin")[1])
    response = _erase(admin, pid, "P-000041")
    assert response.status_code == 400 and "This is not the record number of this patient" in response.get_data(True)
    with app.app_context():
        assert db.session.get(Patient, pid) is not None


def test_priv02_patient_rows_cascade_even_through_raw_sql(app, make_patient, clock):
    pid = _registered_with_history(app, make_patient, clock, "Ant")
    with app.app_context():
        db.session.execute(text("DELETE FROM patients WHERE id = :id"), {"id": pid})
        db.session.commit()
        for table in ("patient_changes", "patient_search_terms"):
            count = db.session.execute(text(f"SELECT count(*) FROM {table} WHERE patient_id = :id"),  # noqa: S608
                                       {"id": pid}).scalar()
            assert count == 0, table


def test_priv03_a_retention_hold_restricts_instead_of_erasing(app, make_user, login, make_patient):
    pid = make_patient(**canaries("Ant"))
    admin = login(make_user("admin")[1])
    therapist = login(make_user("therapist")[1])
    reason = "Legal claim pending until 2031"
    assert admin.post(f"/patients/{pid}/hold", data={"reason": reason}).status_code == 302
    response = _erase(admin, pid, "Ant-R0001")
    assert response.status_code == 302 and response.headers["Location"] == f"/patients/{pid}"
    with app.app_context():
        patient = db.session.get(Patient, pid)
        assert patient.status == "restricted" and patient.restricted_reason == reason
        assert patient.family_name == "AntFamily"  # kept
        assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.patient_ref == pid)).all()[-1:] == [
            "patient_restrict"]
    # hidden: from every search, and from therapists entirely
    for who in (admin, therapist):
        who.post("/patients/search", data={"q": "", "archived": "y"})
        assert "ANTFAMILY" not in who.get("/patients/").get_data(as_text=True)
    assert therapist.get(f"/patients/{pid}").status_code == 404
    assert "ANTFAMILY" in admin.get("/patients/?restricted=1").get_data(as_text=True)
    page = admin.get(f"/patients/{pid}").get_data(as_text=True)
    assert "Restricted record" in page and reason in page
    # read-only
    edit = admin.post(f"/patients/{pid}/edit", data={"version": "2", "family_name": "Changed"})
    assert edit.status_code == 409 and "read-only" in edit.get_data(as_text=True)
    assert admin.post(f"/patients/{pid}/archive", data={"archived": "1"}).status_code == 409
    assert get_family(app, pid) == "AntFamily"
    # lifting the hold lets the erasure go ahead
    admin.post(f"/patients/{pid}/hold", data={"reason": ""})
    assert _erase(admin, pid, "Ant-R0001").headers["Location"] == "/patients/"
    with app.app_context():
        assert db.session.get(Patient, pid) is None


def test_priv03_a_hold_reason_of_only_spaces_lifts_the_hold_and_says_so(app, make_user, login, make_patient):
    pid = make_patient(**canaries("Ant"))
    admin = login(make_user("admin")[1])
    admin.post(f"/patients/{pid}/hold", data={"reason": "Legal claim pending"})
    response = admin.post(f"/patients/{pid}/hold", data={"reason": "   "}, follow_redirects=True)
    assert "No retention hold." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Patient, pid).retention_hold == ""
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.patient_ref == pid, AuditEvent.action.like("patient_hold%")).order_by(AuditEvent.id)).all()
    assert actions == ["patient_hold", "patient_hold_lifted"]


def get_family(app, pid: int) -> str:
    with app.app_context():
        return db.session.get(Patient, pid).family_name


# ---------------------------------------------------------------------------------------------- REL-07

# Records the pages could have saved: import holds every row to the registration form (REL-12), so a
# value the form refuses (a phone of letters, a consent date without its box) is refused on import too.
# Cc, Cf, Zl, Zp: control, bidi and line-separator characters are refused in single-line fields (SEC-25).
_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp"))
_line = st.text(_chars, max_size=60)
_text = st.text(_chars | st.sampled_from("\n\t"), max_size=60)  # notes and addresses: several lines
_name = st.text(_chars, min_size=1, max_size=100).filter(lambda s: s.strip())
_phone = st.just("") | st.from_regex(r"\+?[1-9][0-9]{5,14}", fullmatch=True)
_email = st.just("") | st.from_regex(r"[a-z]{1,12}@[a-z]{1,12}\.org", fullmatch=True)
_consent_day = st.dates(dt.date(1990, 1, 1), dt.date(2026, 3, 2))  # never after the test clock's today
_moment = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1),
                       timezones=st.just(dt.UTC))


def _consent(values: dict) -> dict:
    """A consent date exactly when its box is ticked, as the form requires."""
    for box in ("consent_treatment", "consent_data"):
        if not values[box]:
            values[f"{box}_on"] = None
        elif values[f"{box}_on"] is None:
            values[box] = False
    return values


patients = st.fixed_dictionaries({
    "record_number": st.from_regex(RECORD_NUMBER_RE, fullmatch=True),
    "family_name": _name, "given_names": _name,
    "birth_date": st.dates(dt.date(1907, 1, 1), dt.date(2026, 3, 1)),
    "sex": st.sampled_from(list(F.SEXES)), "dominant_hand": st.sampled_from(list(F.DOMINANT_HANDS)),
    "phone": _phone,
    "email": _email, "address": _text, "emergency_contact": _text, "occupation": _line,
    "referring_doctor": _line, "history_notes": _text, "medications": _text,
    "consent_treatment": st.booleans(), "consent_treatment_on": st.none() | _consent_day,
    "consent_data": st.booleans(), "consent_data_on": st.none() | _consent_day,
    **{f"history_facts.{k}": st.sampled_from(list(F.ANSWERS)) for k in F.FACT_KEYS},
}).map(_consent)
edits = st.lists(st.fixed_dictionaries({"medications": _text, "phone": _phone}), max_size=3)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=patients, changes=edits, created=_moment)
def test_rel07_export_import_export_is_byte_equal(app, values, changes, created):
    with app.app_context():
        clinic = ops.auth_ops.get_or_create_clinic(db.session, "Clinic Ω", created)
        patient = ops.create_patient(db.session, clinic_id=clinic.id, values=values, user=None, now=created,
                                     actor="prop@example.org")
        for i, change in enumerate(changes):
            ops.update_patient(db.session, patient, change, expected_version=patient.version, user=None,
                               now=created + dt.timedelta(minutes=i + 1))
        db.session.commit()
        first = ops.export_json(db.session, patient)
        ops.erase_patient(db.session, patient, user=None, now=created)
        db.session.commit()
        assert db.session.scalar(select(Patient.id)) is None  # the import goes into a database without them
        again = ops.import_json(db.session, first, now=created)
        db.session.commit()
        second = ops.export_json(db.session, again)
        ops.erase_patient(db.session, again, user=None, now=created)
        db.session.commit()
    assert second == first


def test_rel07_cli_export_and_import_into_an_empty_database_round_trip_byte_equal(
        app, runner, make_app, make_patient, clock, tmp_path):
    _registered_with_history(app, make_patient, clock, "Ant")
    _registered_with_history(app, make_patient, clock, "Bee", clinic="Clinic B")
    first = tmp_path / "first.json"
    result = runner.invoke(args=["export", "Ant-R0001", "-o", str(first)])
    assert result.exit_code == 0, result.output
    assert "Bee" not in first.read_text(encoding="utf-8")
    empty = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with empty.app_context():
        db.create_all()
    other = empty.test_cli_runner()
    imported = other.invoke(args=["import", str(first)])
    assert imported.exit_code == 0 and "Imported Ant-R0001." in imported.output, imported.output
    second = tmp_path / "second.json"
    assert other.invoke(args=["export", "Ant-R0001", "-o", str(second)]).exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    again = other.invoke(args=["import", str(first)])
    assert again.exit_code != 0 and "already used in Clinic A" in again.output
    with empty.app_context():
        assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
            "patient_import", "patient_export"]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(format="other"), "not a patient export"),
    (lambda d: d.update(format_version=99), "format_version 99 is not supported"),
    (lambda d: d["patient"].update(birth_date="27/03/1984"), "patient.birth_date: '27/03/1984' is not a valid"),
    (lambda d: d["patient"].update(family_name=None), "patient.family_name: a value is required"),
    (lambda d: d["patient"].update(shoe_size=42), "patient: unknown keys ['shoe_size']"),
    (lambda d: d["tables"].update(secrets=[]), "tables: unknown tables ['secrets']"),
])
def test_import_refuses_a_broken_file_with_a_message_naming_the_key(
        app, runner, make_patient, tmp_path, mutate, message):
    make_patient(record_number="P-000001")
    with app.app_context():
        document = ops.export_document(db.session, db.session.scalars(select(Patient)).one())
    document["patient"]["record_number"] = "P-000099"
    mutate(document)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0 and message in result.output, result.output
    with app.app_context():
        assert len(db.session.scalars(select(Patient)).all()) == 1


def test_cli_export_names_an_unknown_or_ambiguous_record_number(app, runner, make_patient):
    make_patient(clinic="Clinic A", record_number="P-000001")
    make_patient(clinic="Clinic B", record_number="P-000001")
    assert "No patient with record number P-000404" in runner.invoke(args=["export", "P-000404"]).output
    assert "name one with --clinic" in runner.invoke(args=["export", "P-000001"]).output
    result = runner.invoke(args=["export", "P-000001", "--clinic", "Clinic B"])
    assert result.exit_code == 0 and json.loads(result.output)["clinic"] == "Clinic B"
