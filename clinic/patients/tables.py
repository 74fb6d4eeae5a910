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

from clinic.measures import import_checks as measure_checks
from clinic.models import (
    Clearance,
    DiaryEntry,
    Episode,
    HandoutFile,
    HandoutPrint,
    Letter,
    OutcomeMeasure,
    PatientChange,
    PatientSearchHead,
    PatientSearchTerm,
    Plan,
    PlanRevision,
    RecordCorrection,
    RevisionReview,
    Screening,
    ScreeningOverride,
    StageConfirmation,
    StageMove,
    TreatmentSession,
)
from clinic.patients.registry import ImportContext, all_of, text_caps
from clinic.plans import import_checks as plan_checks
from clinic.screening import import_checks as screening_checks

# Text caps of the pages these rows come from (the letter editor, the correction form), held on import too.
LETTER_BODY_MAX = 20_000
CORRECTION_REASON_MAX = 2000


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
    # Import (REL-12): ``check(values, context) -> problems`` runs on each decoded row before it is written, with
    # the same rules the pages apply; one problem stops the import naming the row. References to other rows
    # are already the new ids (their rows are flushed), so a check may read them; it may also replace a
    # derived value in ``values`` with the one this installation computes.
    check: Callable[[dict, ImportContext], list[str]] | None = None
    # Columns left out of the export: derived bytes rendered again from the row (a signed letter's PDF).
    skip: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The key of this table in an export."""
        return self.export_name or self.model.__tablename__


PATIENT_TABLES: tuple[PatientTable, ...] = (
    PatientTable(PatientChange, order_by=("at", "id")),
    PatientTable(PatientSearchTerm, order_by=("term",), exported=False),  # derived: made again from the names
    PatientTable(PatientSearchHead, order_by=("head",), exported=False),  # derived, like the words
    # Import judges screenings again and holds overrides and clearances to the rules and caps of their pages
    # (REL-12).
    PatientTable(Screening, order_by=("screened_at", "id"), check=screening_checks.imported_screening_problems),
    PatientTable(ScreeningOverride, order_by=("at", "id"),
                 check=all_of(text_caps(reason=2000), screening_checks.imported_override_problems)),
    PatientTable(Clearance, order_by=("recorded_at", "id"),
                 check=all_of(text_caps(note=2000, cleared_by=300), screening_checks.imported_clearance_problems)),
    PatientTable(Plan, check=plan_checks.imported_plan_problems),
    PatientTable(PlanRevision, check=plan_checks.imported_revision_problems),
    PatientTable(TreatmentSession, check=plan_checks.imported_session_problems),
    PatientTable(StageMove, check=plan_checks.imported_stage_move_problems),
    PatientTable(StageConfirmation, check=plan_checks.imported_confirmation_problems),
    PatientTable(OutcomeMeasure, check=plan_checks.imported_measure_problems),
    PatientTable(HandoutPrint),
    PatientTable(RevisionReview, check=text_caps(note=1000)),
    PatientTable(HandoutFile, exported=False),  # derived: rendered again from the revision
    PatientTable(RecordCorrection, check=text_caps(reason=CORRECTION_REASON_MAX)),
    PatientTable(DiaryEntry, check=measure_checks.imported_day_problems),
    PatientTable(Episode),
    # The signed PDF is not exported: an imported letter is rendered again from its (unchanged) text and signature.
    PatientTable(Letter, check=text_caps(body=LETTER_BODY_MAX), skip=("pdf",)),
)
