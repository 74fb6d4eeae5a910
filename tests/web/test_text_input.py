"""SEC-25: control characters and bidi overrides are refused in names (and every single-line field) with a
message next to the field, and removed from notes; NUL never reaches the database (PostgreSQL refuses it)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from clinic.domain import planning
from clinic.extensions import db
from clinic.inputs import LINE_MESSAGE
from clinic.models import Patient, Plan, TreatmentSession
from clinic.patients import fields as F
from tests.conftest import csrf_from
from tests.helpers.forms import every_form_class
from tests.helpers.plans import approved_plan

HOSTILE = {"NUL": "\x00", "ESC": "\x1b[31m", "CRLF": "\r\n", "RLO": "\u202e", "RLI": "\u2067", "C1": "\x85",
           "DEL": "\x7f"}


def registration(**overrides) -> dict[str, str]:
    data = {"record_number": "P-000001", "family_name": "Okafor", "given_names": "Ada", "birth_date": "1960-05-04",
            "sex": "female", "dominant_hand": "right", "phone": "+44 20 7946 0958",
            **{f"fact_{k}": "no" for k in F.FACT_KEYS}}
    data.update(overrides)
    return data


def refused_next_to(response, field_id: str) -> bool:
    page = response.get_data(as_text=True).replace("&#39;", "'")
    return re.search(rf'id="{field_id}-error-\d+">.*?{re.escape(LINE_MESSAGE)}', page) is not None


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.mark.parametrize("bad", HOSTILE.values(), ids=HOSTILE.keys())
def test_sec25_a_name_with_a_control_or_bidi_character_is_refused_next_to_the_field(app, therapist, bad):
    for field in ("family_name", "given_names"):
        response = therapist.post("/patients/new", data=registration(**{field: f"Oka{bad}for"}))
        assert response.status_code == 400
        assert refused_next_to(response, field), field
        assert "+44 20 7946 0958" in response.get_data(as_text=True)  # nothing else typed is lost
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 0


def test_sec25_notes_are_saved_without_control_and_bidi_characters_but_with_lines_and_tabs(
        app, therapist, make_patient):
    response = therapist.post("/patients/new", data=registration(
        history_notes="Wrist\x00 fracture\r\n2019\tcast\u202e", medications="Apixaban\x1b[31m 5 mg\u2066"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        patient = db.session.scalars(select(Patient)).one()
        assert patient.history_notes == "Wrist fracture\n2019\tcast"
        assert patient.medications == "Apixaban[31m 5 mg"
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid, "fracture")
    with app.app_context():
        draft = planning.plan_from_canonical(db.session.get(Plan, plan_id).draft)
    saved = therapist.post(f"/patients/{pid}/plans/{plan_id}/sessions/new", data={
        "on_date": "2026-03-02", "stage_id": draft.current_stage, "pain_before": "", "pain_after": "",
        "notes": "Tolerated\x00 well \u202eevil"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalars(select(TreatmentSession.notes)).one() == "Tolerated well evil"


@pytest.mark.parametrize("bad", ["\x00", "\u202e"], ids=["NUL", "RLO"])
def test_sec25_login_and_search_with_nul_or_bidi_answer_with_a_message_never_a_500(app, make_user, client, login,
                                                                                   bad):
    _, email = make_user()
    token = csrf_from(client.get("/login").data)
    response = client.post("/login", data={"email": f"{email}{bad}", "password": f"pw{bad}", "csrf_token": token})
    assert response.status_code == 400 and refused_next_to(response, "email")
    browser = login(email)
    found = browser.post("/patients/search", data={"q": f"Oka{bad}for"}, follow_redirects=True)
    assert found.status_code == 200 and "invisible control" in found.get_data(as_text=True)


def test_sec25_every_text_field_of_every_form_refuses_or_cleans_through_the_one_check(app):
    """Single-line fields refuse, multi-line fields clean: for every field of every form, including the ones
    built from the protocol files."""
    checked = {"line": 0, "notes": 0}
    for form_class in every_form_class(app):
        fields = {}
        with app.test_request_context(method="POST"):
            try:
                probe = form_class(formdata=MultiDict(), meta={"csrf": False})
            except TypeError:  # forms that need their draft etc. are covered by their dynamic subclasses
                continue
            for field in probe:
                if isinstance(field, PasswordField | HiddenField):
                    continue
                if isinstance(field, TextAreaField):
                    fields[field.name] = ("notes", "a\x00b\u202ec")
                elif isinstance(field, StringField):
                    fields[field.name] = ("line", "a\u202eb")
        if not fields:
            continue
        with app.test_request_context(method="POST", data={k: v for k, (_kind, v) in fields.items()}):
            form = form_class(meta={"csrf": False})
            for field in form:
                if getattr(field, "choices", ()) is None:  # choices the route fills in
                    field.choices = []
            form.validate()
            for name, (kind, _value) in fields.items():
                if kind == "line":
                    assert LINE_MESSAGE in form[name].errors, (form_class.__name__, name)
                else:
                    assert form[name].data == "abc", (form_class.__name__, name)
                checked[kind] += 1
    assert checked["line"] >= 15 and checked["notes"] >= 8, checked
