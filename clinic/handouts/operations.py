"""Printing an approved revision: the one operation the web route and ``clinic handout`` both call.

"May this revision print?" is answered once, by :func:`print_check`; :func:`print_revision` refuses with
its answer or serves the PDF (from the cache, or rendered and stored for next time) and records the print.
It flushes and never commits, like every operation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from clinic import audit
from clinic.domain.protocols import Library
from clinic.handouts import printing
from clinic.handouts.printing import HandoutOptionsKey
from clinic.models import Clinic, Patient, Plan, PlanRevision, User
from clinic.plans import operations as plan_ops
from clinic.settings import operations as settings_ops


@dataclass(frozen=True)
class PrintCheck:
    """Why a revision may not print now; both empty: it may."""

    not_set_up: tuple[str, ...]  # the clinic cannot print anything yet (its settings say why)
    problems: tuple[str, ...]  # this revision may not print: replaced by a newer one, or needs review

    @property
    def printable(self) -> bool:
        """True when nothing stands in the way."""
        return not self.not_set_up and not self.problems


class PrintRefused(Exception):
    """The revision may not print now; ``check`` says why, each reason a sentence."""

    def __init__(self, check: PrintCheck):
        self.check = check
        super().__init__(" ".join(check.not_set_up + check.problems))


def print_check(db: Session, plan: Plan, revision: PlanRevision, patient: Patient, *, library: Library,
                today: dt.date) -> PrintCheck:
    """May this revision print today? Only the plan's newest revision, and only when it needs no review
    (CS-06, CS-11), in a clinic whose handouts can print (its phone number is set)."""
    not_set_up = tuple(settings_ops.print_problems(db.get(Clinic, patient.clinic_id)))
    latest = plan_ops.latest_number(db, plan)
    if latest != revision.number:
        problems = (f"Revision {revision.number} was replaced by revision {latest}; print the newest one.",)
    else:
        problems = tuple(plan_ops.review_reasons(db, plan, revision, patient, library=library, today=today))
    return PrintCheck(not_set_up, problems)


@dataclass(frozen=True)
class Printed:
    """A handed-out PDF: its bytes, the file name to save it under, and whether it came from the cache."""

    pdf: bytes
    file_name: str
    from_cache: bool


def print_revision(db: Session, revision: PlanRevision, options: HandoutOptionsKey, *, library: Library,
                   user: User | None, now: dt.datetime) -> Printed:
    """Hand out a revision's handout or summary: refused (PrintRefused) unless :func:`print_check` allows it;
    else the stored PDF or a fresh render (stored for next time), with a print row and an audit row.
    ``user`` None is the command line."""
    plan, patient = db.get(Plan, revision.plan_id), db.get(Patient, revision.patient_id)
    check = print_check(db, plan, revision, patient, library=library,
                        today=plan_ops.clinic_today(db, patient, now))
    if not check.printable:
        raise PrintRefused(check)
    key, pdf, cached = printing.handout_pdf(db, revision, patient, options, now)
    printing.record_print(db, revision, key, options.kind, user=user, now=now)
    audit.record(db, "print_handout", patient_ref=revision.patient_id, user=user, clinic_id=patient.clinic_id,
                 actor=None if user else "cli",
                 detail=f"plan {revision.plan_id} revision {revision.number} {key.rsplit(':', 1)[0]}")
    return Printed(pdf=pdf, file_name=printing.file_name(patient, revision, options.kind), from_cache=cached)
