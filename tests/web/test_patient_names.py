"""HO-02 on the pages: a name is stored and shown in the order the patient writes it (family name first where
that is the custom), existing patients keep showing as before, and a Chinese name typed whole finds her."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Patient, PatientChange
from clinic.patients import fields as F
from tests.helpers.patients import found_ids, patient_form, search

pytestmark = pytest.mark.db


@pytest.fixture
def therapist(make_user, login):
    _, email = make_user("therapist")
    return login(email)


@dataclasses.dataclass
class Name:
    family: str
    given: str
    order: str
    written: str  # as the patient writes it


NAMES = {
    "chinese": Name("王", "秀英", "family_first", "王秀英"),
    "hungarian": Name("Nagy", "Anna", "family_first", "Nagy Anna"),
    "japanese": Name("山田", "花子", "family_first", "山田花子"),
    "korean": Name("김", "민준", "family_first", "김민준"),
    "vietnamese": Name("Nguyễn", "Thị Minh Khai", "family_first", "Nguyễn Thị Minh Khai"),
    "english": Name("Smith", "Anna Maria", "given_first", "Anna Maria Smith"),
    "arabic": Name("عبد الله", "محمد", "given_first", "محمد عبد الله"),
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_ho02_the_name_is_written_in_the_patients_own_order(name):
    assert F.full_name(name.family, name.given, name.order) == name.written


def test_ho02_register_a_chinese_name_family_first_and_find_her_by_the_whole_name(app, therapist):
    form = therapist.get("/patients/new").get_data(as_text=True)
    assert "How the patient writes their name" in form and 'value="family_first"' in form
    response = therapist.post("/patients/new", data=patient_form(family_name="王", given_names="秀英",
                                                                  name_order="family_first"))
    assert response.status_code == 302
    with app.app_context():
        patient = db.session.scalars(select(Patient)).one()
        pid, order = patient.id, patient.name_order
    assert order == "family_first"
    page = therapist.get(f"/patients/{pid}").get_data(as_text=True)
    assert "<dd>王秀英</dd>" in page  # "Name as written"
    assert "<bdi><strong>王</strong>秀英</bdi>" in page  # the banner: family name in bold, no comma, no space
    assert "秀英 王" not in page and "秀英王" not in page
    for typed in ("王秀英", "秀英", "王", "王秀"):
        assert found_ids(search(therapist, typed)) == {pid}, typed
    listing = therapist.get("/patients/").get_data(as_text=True)
    assert "<bdi><strong>王</strong>秀英</bdi>" in listing


def test_ho02_existing_patients_show_as_before_and_a_change_of_order_is_in_the_history(app, therapist, make_patient):
    pid = make_patient(family_name="Ångström", given_names="Zoë")
    page = therapist.get(f"/patients/{pid}").get_data(as_text=True)
    assert "<bdi><strong>ÅNGSTRÖM</strong>, Zoë</bdi>" in page and "<dd>Zoë Ångström</dd>" in page
    edit = therapist.get(f"/patients/{pid}/edit").get_data(as_text=True)
    radios = {value: attrs for attrs, value in re.findall(r'<input([^>]*)value="(\w+_first)"', edit)}
    assert "checked" in radios["given_first"] and "checked" not in radios["family_first"]


def test_ho02_a_bad_name_order_is_refused_next_to_the_field_and_nothing_typed_is_lost(app, therapist):
    response = therapist.post("/patients/new", data=patient_form(family_name="王", given_names="秀英",
                                                                  name_order="sideways"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Not a valid choice" in page or "Choose" in page
    assert 'value="王"' in page and 'value="秀英"' in page


def test_ho02_changing_the_order_is_saved_and_recorded(app, therapist, make_patient):
    pid = make_patient(family_name="Nagy", given_names="Anna")
    page = therapist.get(f"/patients/{pid}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = patient_form(family_name="Nagy", given_names="Anna", name_order="family_first",
                        record_number=None, version=version)
    with app.app_context():
        data["record_number"] = db.session.get(Patient, pid).record_number
    response = therapist.post(f"/patients/{pid}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = therapist.get(f"/patients/{pid}").get_data(as_text=True)
    assert "<dd>Nagy Anna</dd>" in page and "<bdi><strong>NAGY</strong> Anna</bdi>" in page
    with app.app_context():
        change = db.session.scalars(select(PatientChange).where(PatientChange.field == "name_order")).one()
        assert (change.old_value, change.new_value) == ("given_first", "family_first")
    history = therapist.get(f"/patients/{pid}/history").get_data(as_text=True)
    assert "Family name first" in history and "family_first" not in history  # in words, never the stored code


def _row(table, **values):
    """A row for ``table`` as reflected: the given values, and a plain one in every other required column."""
    import sqlalchemy as sa

    row = {}
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type
        if isinstance(kind, sa.Boolean):
            row[column.name] = False
        elif isinstance(kind, sa.Integer):
            row[column.name] = 1
        elif isinstance(kind, sa.DateTime):
            row[column.name] = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
        elif isinstance(kind, sa.Date):
            row[column.name] = dt.date(2026, 3, 1)
        elif isinstance(kind, sa.JSON):
            row[column.name] = {}
        else:
            row[column.name] = ""
    return {**row, **values}


def test_ho02_the_migration_keeps_existing_patients_as_shown_and_makes_their_whole_name_searchable(make_app):
    """A database at the revision before name order, with a patient 王 秀英 and her word-by-word search
    terms, is upgraded: she shows as before (given names first) and 王秀英 typed whole finds her."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from clinic.patients import search

    app = make_app()
    with app.app_context():
        upgrade(revision="c7d2e91f4a10-1")
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        clinics, patients, terms = (meta.tables[n] for n in ("clinics", "patients", "patient_search_terms"))
        assert "name_order" not in patients.c
        with db.engine.begin() as conn:
            conn.execute(clinics.insert().values(_row(clinics, id=1, name="Clinic A")))
            conn.execute(patients.insert().values(_row(
                patients, id=1, clinic_id=1, record_number="P-000001", family_name="王", given_names="秀英",
                sort_name="王 秀英", birth_date=dt.date(1950, 5, 1), status="active")))
            for term in ("王", "秀英", "p000001"):
                conn.execute(terms.insert().values(patient_id=1, clinic_id=1, term=term))
        upgrade()
        patient = db.session.get(Patient, 1)
        assert patient.name_order == "given_first"  # shown as before: given names, then family name
        assert F.full_name(patient.family_name, patient.given_names, patient.name_order) == "秀英王"
        assert [p.id for p in search.search_patients(db.session, 1, "王秀英").patients] == [1]
        db.session.remove()
