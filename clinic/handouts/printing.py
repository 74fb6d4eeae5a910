"""Handout PDFs of approved revisions: render once, keep the bytes, serve them again (PERFORMANCE target 1).

Print options and their cache key, the header values, the stored PDFs and the print records. Used by the
web routes, the approval (which renders the default handout inside its transaction) and ``clinic handout``.
WeasyPrint is imported only when a PDF is actually rendered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from clinic import localtime, staff
from clinic.handouts import plan_context as handout
from clinic.handouts.context import ClinicInfo, HandoutOptions, PatientInfo
from clinic.models import Clinic, HandoutFile, HandoutPrint, Patient, PlanRevision, User
from clinic.patients.fields import full_name
from clinic.settings import operations as settings_ops


@dataclass(frozen=True)
class HandoutOptionsKey:
    """A handout's print options and the cache key they make with the header values they print."""

    kind: str  # "handout" or "summary"
    paper: str
    large_print: bool = False
    show_next_stage: bool = True

    def key(self, header: str) -> str:
        """'handout:A4:normal:next:<12 hex of the header values>' (a renamed patient gets a new render)."""
        fingerprint = hashlib.sha256(header.encode("utf-8")).hexdigest()[:12]
        if self.kind == "summary":
            return f"summary:{self.paper}:{fingerprint}"
        return (f"handout:{self.paper}:{'large' if self.large_print else 'normal'}:"
                f"{'next' if self.show_next_stage else 'nonext'}:{fingerprint}")


def people(db: Session, revision: PlanRevision, patient: Patient) -> handout.People:
    """Clinic, patient and approving therapist of a revision, as printed in the header."""
    clinic = db.get(Clinic, patient.clinic_id)
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
    from clinic.handouts.render import render_document

    p = people(db, revision, patient)
    key = options.key(_header(p))
    if options.kind == "summary":
        return key, render_document(handout.summary_context(revision.canonical, revision.digest, p, options.paper))
    return key, render_document(handout.handout_context(revision.canonical, revision.digest, p, HandoutOptions(
        paper=options.paper, large_print=options.large_print, show_next_stage=options.show_next_stage)))


def paper_of(clinic: Clinic) -> str:
    """The clinic's paper size as the handout options name it: "A4" or "Letter"."""
    return "Letter" if str(clinic.paper_size).lower() == "letter" else "A4"


def render_at_approval(db: Session, revision: PlanRevision, patient: Patient) -> tuple[str, bytes] | None:
    """(cache key, PDF) of the default handout of a revision being approved (REL-05: it is stored in the
    approval's transaction); None while the clinic cannot print yet (its settings page says why)."""
    clinic = db.get(Clinic, patient.clinic_id)
    if settings_ops.print_problems(clinic):
        return None
    return render(db, revision, patient, HandoutOptionsKey("handout", paper_of(clinic)))


def cache_key(db: Session, revision: PlanRevision, patient: Patient, options: HandoutOptionsKey) -> str:
    """The cache key of these options for this revision and today's header values."""
    return options.key(_header(people(db, revision, patient)))


def handout_pdf(db: Session, revision: PlanRevision, patient: Patient, options: HandoutOptionsKey,
                now: dt.datetime) -> tuple[str, bytes, bool]:
    """(key, bytes, from_cache): the stored PDF, or a fresh render that is stored for next time."""
    key = cache_key(db, revision, patient, options)
    row = cached_handout(db, revision, key)
    if row is not None:
        return key, row.pdf, True
    key, pdf = render(db, revision, patient, options)
    store_handout(db, revision, key, pdf, now)
    return key, pdf, False


def file_name(patient: Patient, revision: PlanRevision, kind: str) -> str:
    """``handout-P-000123-r2.pdf``: the record number and revision, never a name or birth date (PRIV-05)."""
    safe = re.sub(r"[^A-Za-z0-9-]", "-", patient.record_number) or str(patient.id)
    return f"{kind}-{safe}-r{revision.number}.pdf"


def store_handout(db: Session, revision: PlanRevision, key: str, pdf: bytes, now: dt.datetime) -> HandoutFile:
    """Keep a rendered PDF of a revision under its options key (a concurrent identical render is fine)."""
    row = HandoutFile(revision_id=revision.id, patient_id=revision.patient_id, options=key, pdf=pdf,
                      sha256=hashlib.sha256(pdf).hexdigest(), created_at=now)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:  # another worker stored the same bytes first; serve theirs
        return cached_handout(db, revision, key)
    return row


def cached_handout(db: Session, revision: PlanRevision, key: str) -> HandoutFile | None:
    """The stored PDF of this revision and options key, or None."""
    return db.scalars(select(HandoutFile).where(HandoutFile.revision_id == revision.id,
                                                HandoutFile.options == key)).first()


def record_print(db: Session, revision: PlanRevision, key: str, kind: str, *, user: User | None,
                 now: dt.datetime) -> HandoutPrint:
    """A handout or summary was handed out: a print row (timeline; the operation that printed it writes the
    audit row). Without a user (the command line) the printer is ``cli``."""
    row = HandoutPrint(revision_id=revision.id, patient_id=revision.patient_id, kind=kind, options=key,
                       by=user.email if user else "cli", at=now)
    db.add(row)
    db.flush()
    return row


def prune_superseded(db: Session, *, days: int, now: dt.datetime) -> int:
    """Delete the stored PDFs of revisions replaced by a newer revision at least ``days`` ago (how many).
    A revision never changes, so its PDF renders again, with the same cache key, if it is ever asked for."""
    newer = aliased(PlanRevision)
    replaced = select(PlanRevision.id).where(exists().where(
        newer.plan_id == PlanRevision.plan_id, newer.number > PlanRevision.number,
        newer.approved_at <= now - dt.timedelta(days=days)))
    return db.execute(delete(HandoutFile).where(HandoutFile.revision_id.in_(replaced))).rowcount or 0
