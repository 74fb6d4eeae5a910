"""The readable record PDF in three steps: plain values -> templates/patients/record_pdf.html + CSS ->
clinic.pdf (the only WeasyPrint import)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template
from sqlalchemy.orm import Session

from clinic import localtime, pdf
from clinic.models import Clinic, Patient
from clinic.patients import fields as F
from clinic.patients import operations as ops


def record_context(db: Session, patient: Patient, today: dt.date) -> dict[str, Any]:
    """Everything the PDF shows, as plain values."""
    values = ops.patient_values(patient)
    clinic = db.get(Clinic, patient.clinic_id)

    def section(names):
        return [(F.LABELS[n], n, values[n]) for n in names]

    return {
        "clinic": clinic.name if clinic else "",
        "patient": patient,
        "age": ops.age_on(patient.birth_date, today),
        "alerts": ops.alerts(patient),
        "identity": section(F.IDENTITY_FIELDS),
        "contact": section(F.CONTACT_FIELDS),
        "clinical": section(["occupation", "referring_doctor"]),
        "facts": [(f.label, f"history_facts.{f.key}", values[f"history_facts.{f.key}"]) for f in F.HISTORY_FACTS],
        "notes": section(["history_notes", "medications"]),
        "consent": section(["consent_treatment", "consent_treatment_on", "consent_data", "consent_data_on"]),
        "changes": ops.history(db, patient, clinical=True),
        "labels": F.LABELS,
        "today": today,
    }


def record_pdf(db: Session, patient: Patient, now: dt.datetime) -> bytes:
    """The patient's whole record as PDF bytes."""
    clinic = db.get(Clinic, patient.clinic_id)
    today = localtime.local_date(now, clinic.time_zone if clinic else None)
    html = render_template("patients/record_pdf.html", **record_context(db, patient, today))
    loader = current_app.jinja_env.loader
    css, _path, _uptodate = loader.get_source(current_app.jinja_env, "patients/record_pdf.css")
    return pdf.render_pdf(html, css)
