"""The one guard for "this patient, in my clinic": every route that loads a patient by id goes through it."""

from __future__ import annotations

from flask import abort, g

from clinic.extensions import db
from clinic.models import Patient, PatientStatus, Role


def patient_in_my_clinic(patient_id: int, *, restricted_ok: bool = False) -> Patient:
    """A patient of the logged-in user's clinic, or 404 with nothing of anyone else's (SEC-03). Restricted
    records exist only for administrators, and only where ``restricted_ok``."""
    patient = db.session.get(Patient, patient_id)
    if patient is None or patient.clinic_id != g.user.clinic_id:
        abort(404)
    if patient.status == PatientStatus.RESTRICTED and not (restricted_ok and g.user.has_role(Role.ADMIN)):
        abort(404)
    return patient
