"""Patients through the web: a valid registration form and the patient list's search."""

from __future__ import annotations

import re

from clinic.patients import fields as F


def patient_form(**overrides) -> dict[str, str]:
    """A valid full registration/edit form."""
    data = {
        "record_number": "P-000001",
        "family_name": "Ångström",
        "given_names": "Zoë",
        "birth_date": "1984-03-27",
        "sex": "female",
        "dominant_hand": "right",
        "phone": "+44 20 7946 0958",
        "email": "zoe@example.org",
        "address": "1 Fjord Road\nBergen",
        "emergency_contact": "Lars, brother, +47 555 0101",
        "occupation": "Violinist",
        "referring_doctor": "Dr Hansen",
        "history_notes": "Wrist fracture 2019",
        "medications": "Apixaban 5 mg",
        "consent_treatment": "y",
        "consent_treatment_on": "2026-03-01",
        "consent_data": "y",
        "consent_data_on": "2026-03-01",
        **{f"fact_{k}": "no" for k in F.FACT_KEYS},
        "fact_blood_thinners": "yes",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def search(browser, q: str = "", archived: bool = False, **params) -> str:
    data = {"q": q}
    if archived:
        data["archived"] = "y"
    assert browser.post("/patients/search", data=data).status_code == 302
    return browser.get("/patients/", query_string=params).get_data(as_text=True)


def found_ids(page: str) -> set[int]:
    return {int(m) for m in re.findall(r'href="/patients/(\d+)"', page)}
