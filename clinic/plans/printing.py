"""Handout PDFs of approved revisions: render once, keep the bytes, serve them again (PERFORMANCE target 1).

Used by the web routes, the approval (which renders the default handout inside its transaction) and
``clinic handout``. WeasyPrint is imported only when a PDF is actually rendered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from sqlalchemy.orm import Session

from clinic import localtime, staff
from clinic.handouts.context import ClinicInfo, HandoutOptions, PatientInfo
from clinic.models import Patient, PlanRevision
from clinic.patients.fields import full_name
from clinic.plans import handout
from clinic.plans import operations as ops
from clinic.plans.operations import HandoutOptionsKey
from clinic.settings import operations as settings_ops


def people(db: Session, revision: PlanRevision, patient: Patient) -> handout.People:
    """Clinic, patient and approving therapist of a revision, as printed in the header."""
    clinic = ops.clinic_of(db, patient)
    logo = settings_ops.logo_of(clinic)
    return handout.People(
        clinic=ClinicInfo(name=clinic.name, address=clinic.address or "", phone=clinic.phone or "",
                          emergency_number=clinic.emergency_number or "", logo=logo.data_url() if logo else ""),
        patient=PatientInfo(display_name=full_name(patient.family_name, patient.given_names, patient.name_order),
                            birth_date=patient.birth_date, record_number=patient.record_number),
        therapist=revision.approved_by_name or staff.name_for_email(staff.names_by_email(db, clinic.id),
                                                                    revision.approved_by),
        on_date=localtime.local_date(revision.approved_at, clinic.time_zone),
    )


def _header(p: handout.People) -> str:
    from clinic.handouts.render import layout_fingerprint

    logo = hashlib.sha256(p.clinic.logo.encode("ascii")).hexdigest()[:16] if p.clinic.logo else ""
    return "\x1f".join([layout_fingerprint(), p.clinic.name, p.clinic.address, p.clinic.phone,
                         p.clinic.emergency_number, logo, p.patient.display_name,
                        p.patient.birth_date.isoformat() if p.patient.birth_date else "", p.patient.record_number,
                        p.therapist, p.on_date.isoformat()])


def render(db: Session, revision: PlanRevision, patient: Patient, options: HandoutOptionsKey) -> tuple[str, bytes]:
    """(cache key, PDF bytes) of a revision's handout or therapist summary."""
    from clinic.handouts.render import render_handout, render_summary

    p = people(db, revision, patient)
    key = options.key(_header(p))
    if options.kind == "summary":
        return key, render_summary(handout.summary_context(revision.canonical, revision.digest, p, options.paper))
    ctx = handout.handout_context(revision.canonical, revision.digest, p, HandoutOptions(
        paper=options.paper, large_print=options.large_print, show_next_stage=options.show_next_stage))
    return key, render_handout(ctx)


def cache_key(db: Session, revision: PlanRevision, patient: Patient, options: HandoutOptionsKey) -> str:
    """The cache key of these options for this revision and today's header values."""
    return options.key(_header(people(db, revision, patient)))


def handout_pdf(db: Session, revision: PlanRevision, patient: Patient, options: HandoutOptionsKey,
                now: dt.datetime) -> tuple[str, bytes, bool]:
    """(key, bytes, from_cache): the stored PDF, or a fresh render that is stored for next time."""
    key = cache_key(db, revision, patient, options)
    row = ops.cached_handout(db, revision, key)
    if row is not None:
        return key, row.pdf, True
    key, pdf = render(db, revision, patient, options)
    ops.store_handout(db, revision, key, pdf, now)
    return key, pdf, False


def file_name(patient: Patient, revision: PlanRevision, kind: str) -> str:
    """``handout-P-000123-r2.pdf``: the record number and revision, never a name or birth date (PRIV-05)."""
    safe = re.sub(r"[^A-Za-z0-9-]", "-", patient.record_number) or str(patient.id)
    return f"{kind}-{safe}-r{revision.number}.pdf"
