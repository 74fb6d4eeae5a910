"""ENG-02: every table of the models with a patient_id column is covered by export and erasure, through the one
list in clinic/patients/tables.py, whatever order the feature modules were imported in."""

from __future__ import annotations

from clinic.extensions import db
from clinic.patients.tables import PATIENT_TABLES


def _tables_with_a_patient_column() -> set[str]:
    return {table.name for table in db.metadata.tables.values() if "patient_id" in table.columns}


def test_eng02_every_table_with_a_patient_id_is_exported_or_derived_and_erased():
    listed = [table.model.__table__.name for table in PATIENT_TABLES]
    assert len(listed) == len(set(listed)), "a table is listed twice"
    assert {"screenings", "plans", "plan_revisions"} <= _tables_with_a_patient_column()  # the check sees the models
    missing = _tables_with_a_patient_column() - set(listed)
    assert not missing, f"add these to clinic/patients/tables.py, or erasure leaves their rows: {sorted(missing)}"
    for table in PATIENT_TABLES:
        assert table.patient_column in table.model.__table__.columns, table.name


def test_eng02_a_listed_table_comes_after_every_listed_table_it_points_at():
    # Import writes rows in list order and points a child row at its parent's new id; erasure deletes in reverse.
    position = {table.model.__table__.name: i for i, table in enumerate(PATIENT_TABLES)}
    late = [(name, fk.column.table.name) for name, i in position.items()
            for fk in db.metadata.tables[name].foreign_keys
            if fk.column.table.name in position and position[fk.column.table.name] > i]
    assert late == [], "(table, the table it points at that comes later)"
