"""WF-06 duplicate warning: registering someone with the same name (case, accents, spaces set aside) and birth
date as a patient of the clinic warns before saving, links to them, and "Register anyway" keeps all typed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import Patient

TYPED = {"record_number": "P-000900", "family_name": "  ÅNGSTRÖM ", "given_names": "zoe   maria",
         "birth_date": "1984-03-27", "name_order": "given_first", "sex": "", "dominant_hand": "left",
         "phone": "+44 20 7946 0958", "address": "1 Fjord Road"}


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Patient))


@pytest.fixture
def existing(make_patient):
    return make_patient(family_name="Ångström", given_names="Zoë Maria", birth_date=dt.date(1984, 3, 27),
                        record_number="P-000007")


@pytest.mark.parametrize("role", ["therapist", "reception"])
def test_wf06_the_same_name_and_birth_date_warns_before_saving_and_links_to_them(
        app, make_user, login, existing, role):
    browser = login(make_user(role)[1])
    response = browser.post("/patients/new", data=TYPED)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This may be a patient already registered" in page
    assert f'href="/patients/{existing}"' in page and "Zoë Maria Ångström" in page and "P-000007" in page
    assert count(app) == 1  # nothing saved yet
    for name in ("phone", "address", "record_number"):  # everything typed is still in the form
        assert TYPED[name] in page, name
    assert re.search(r'<option selected value="left"|<option value="left" selected', page)
    again = browser.post("/patients/new", data={**TYPED, "register_anyway": "1"})
    assert again.status_code == 302 and count(app) == 2


@pytest.mark.parametrize("changes", [
    {"birth_date": "1984-03-28"},  # another birthday
    {"given_names": "Zoe Mary"},  # another name
])
def test_wf06_someone_else_registers_without_a_warning(app, make_user, login, existing, changes):
    browser = login(make_user("therapist")[1])
    response = browser.post("/patients/new", data={**TYPED, **changes})
    assert response.status_code == 302 and count(app) == 2


def test_wf06_a_namesake_in_another_clinic_is_not_shown(app, make_user, login, make_patient):
    make_patient(clinic="Clinic B", family_name="Ångström", given_names="Zoë Maria", birth_date=dt.date(1984, 3, 27))
    browser = login(make_user("therapist")[1])
    response = browser.post("/patients/new", data=TYPED)
    assert response.status_code == 302 and count(app) == 2
