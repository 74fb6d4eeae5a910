"""Every table whose rows belong to one patient, in one list: export writes their rows, import reads them back,
erasure deletes them (children first: the list in reverse) before the patient row (PRIV-01, PRIV-02, REL-12).

A new table with a ``patient_id`` column goes here, after the tables it points at, with
``ForeignKey("patients.id", ondelete="CASCADE")`` as well so even raw SQL cannot leave orphans; pass ``check=`` to
hold imported rows to the rules the pages apply. tests/unit/test_patient_tables.py (ENG-02) fails when a table of
the models with a ``patient_id`` column is missing or comes before a table it points at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clinic.models import (
    Clearance,
    HandoutFile,
    HandoutPrint,
    OutcomeMeasure,
    PatientChange,
    PatientSearchTerm,
    Plan,
    PlanRevision,
    Screening,
    ScreeningOverride,
    StageConfirmation,
    StageMove,
    TreatmentSession,
)
from clinic.plans import import_checks as plan_checks


@dataclass(frozen=True)
class PatientTable:
    """A table of patient rows. Export leaves out surrogate keys, the patient column and columns that
    point at accounts (keep a text copy of who did it, like ``PatientChange.actor``); columns that point
    at another listed table are written as the position of that row in its list."""

    model: type
    patient_column: str = "patient_id"
    order_by: tuple[str, ...] = ("id",)
    exported: bool = True
    export_name: str = ""
    # Import (REL-12): ``check(values) -> problems`` runs on each decoded row before it is written, with the
    # same rules the pages apply; one problem stops the import naming the row.
    check: Callable[[dict], list[str]] | None = None

    @property
    def name(self) -> str:
        """The key of this table in an export."""
        return self.export_name or self.model.__tablename__


def text_caps(**caps: int) -> Callable[[dict], list[str]]:
    """An import ``check`` holding text columns to the caps their web form applies: ``text_caps(note=2000)``."""

    def check(row: dict) -> list[str]:
        return [f"{name}: at most {cap:,} characters" for name, cap in caps.items()
                if isinstance(row.get(name), str) and len(row[name]) > cap]

    return check


PATIENT_TABLES: tuple[PatientTable, ...] = (
    PatientTable(PatientChange, order_by=("at", "id")),
    PatientTable(PatientSearchTerm, order_by=("term",), exported=False),  # derived: made again from the names
    PatientTable(Screening, order_by=("screened_at", "id")),
    # Import holds these to the caps of the override and clearance forms (REL-12).
    PatientTable(ScreeningOverride, order_by=("at", "id"), check=text_caps(reason=2000)),
    PatientTable(Clearance, order_by=("recorded_at", "id"), check=text_caps(note=2000, cleared_by=300)),
    PatientTable(Plan, check=plan_checks.imported_plan_problems),
    PatientTable(PlanRevision, check=plan_checks.imported_revision_problems),
    PatientTable(TreatmentSession, check=plan_checks.imported_session_problems),
    PatientTable(StageMove),
    PatientTable(StageConfirmation),
    PatientTable(OutcomeMeasure),
    PatientTable(HandoutPrint),
    PatientTable(HandoutFile, exported=False),  # derived: rendered again from the revision
)
