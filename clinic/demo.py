"""Fictional demo data so a newcomer sees a working clinic right after `make run`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from clinic import localtime
from clinic.auth import operations as auth_ops

CLINIC_NAME = "Riverside Hand Therapy (demo)"
ACCOUNTS = (
    ("admin@demo.clinic", "Alex Morgan", "admin", "demo-admin-pass"),
    ("therapist@demo.clinic", "Sam Rivera", "therapist", "demo-therapist-pass"),
    ("reception@demo.clinic", "Jo Patel", "reception", "demo-reception-pass"),
)

# Every clinic setting, so the demo prints handouts at once (a real clinic sets these under Settings).
SETTINGS = {
    "address": "12 River Street, Springfield", "phone": "+1 555 0100", "emergency_number": "911",
    "time_zone": "America/Chicago", "paper_size": "A4", "screening_valid_days": 30,
}


def logo_png() -> bytes:
    """A small made-up logo (a river under a sun), drawn here so the demo ships no picture file."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 10, 120, 110), fill="#0b6e6e")
    draw.ellipse((45, 30, 95, 80), fill="#f2b632")
    for top in (82, 94):
        draw.arc((10, top - 12, 70, top + 12), 200, 340, fill="white", width=5)
        draw.arc((70, top - 12, 130, top + 12), 200, 340, fill="white", width=5)
    draw.rectangle((140, 38, 340, 50), fill="#0b6e6e")
    draw.rectangle((140, 64, 300, 74), fill="#5a8f8f")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


LOGIN_HELP = "\n".join(
    ["Log in with one of the demo accounts:"]
    + [f"  {role:<10} {email:<24} password: {password}" for email, _name, role, password in ACCOUNTS]
)


# Fictional patients: (family, given, birth date, hand, occupation, facts answered yes, medications, phone).
PATIENTS = (
    ("Ångström", "Zoë", dt.date(1984, 3, 27), "right", "Violinist", ("blood_thinners",), "Apixaban 5 mg twice daily",
     "+1 555 0141"),
    ("Παπαδοπούλου", "Ελένη", dt.date(1957, 11, 2), "right", "Retired teacher", ("osteoporosis", "diabetes"),
     "Metformin 500 mg\nAlendronate 70 mg weekly", "+1 555 0172"),
    ("Иванов", "Дмитрий", dt.date(1979, 6, 14), "left", "Carpenter", (), "", "+1 555 0133"),
    ("O'Brien", "Siobhán", dt.date(1992, 1, 8), "right", "Office worker (typing all day)", ("pregnancy",), "",
     "+1 555 0188"),
    ("García Márquez", "José Luis", dt.date(1949, 9, 30), "both", "Retired builder",
     ("heart_disease", "high_blood_pressure"), "Bisoprolol 5 mg\nRamipril 10 mg", "+1 555 0119"),
    ("Nguyen", "Minh", dt.date(2001, 4, 19), "right", "Barista", (), "", "+1 555 0155"),
)


def load(db: Session, now: dt.datetime) -> None:
    """Add the demo clinic, its accounts and a few fictional patients (flushes, never commits)."""
    from clinic.patients import fields as patient_fields
    from clinic.patients import operations as patient_ops
    from clinic.settings import operations as settings_ops

    clinic = auth_ops.get_or_create_clinic(db, CLINIC_NAME, now)
    settings_ops.update_settings(db, clinic, SETTINGS, logo=logo_png(), user=None, actor="demo")
    today = localtime.local_date(now, clinic.time_zone)  # the demo clinic's own date (WF-02)
    users = {}
    patients = []
    for email, name, role, password in ACCOUNTS:
        users[role] = auth_ops.create_user(db, clinic=clinic, email=email, full_name=name, role=role,
                                           password=password, now=now)
    for family, given, born, hand, occupation, yes, medications, phone in PATIENTS:
        values = {
            "record_number": patient_ops.suggest_record_number(db, clinic.id),
            "family_name": family, "given_names": given, "birth_date": born, "dominant_hand": hand,
            "occupation": occupation, "medications": medications, "phone": phone,
            "consent_treatment": True, "consent_treatment_on": today,
            "consent_data": True, "consent_data_on": today,
            **{f"history_facts.{key}": ("yes" if key in yes else "no") for key in patient_fields.FACT_KEYS},
        }
        patients.append(patient_ops.create_patient(db, clinic_id=clinic.id, values=values, user=users["therapist"],
                                                   now=now))
    from clinic.plans import demo as plan_demo

    plan_demo.load(db, patients, users["therapist"], now)
