"""The legacy records in tests/data/legacy, as the import reads them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from clinic.extensions import db
from clinic.models import Plan, PlanRevision, Screening
from clinic.patients import operations as patient_ops

LEGACY = Path(__file__).resolve().parents[1] / "data" / "legacy"


def legacy_fixture(condition: str) -> dict:
    return json.loads((LEGACY / f"{condition}.json").read_text())


def as_when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def as_day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


@dataclasses.dataclass
class Legacy:
    patient_id: int
    plan_id: int
    screening_id: int
    data: dict


def load_legacy(app, clock, condition: str) -> Legacy:
    """Put the stored rows of ``condition`` into the database, as the earlier app stored them."""
    from clinic.auth import operations as auth_ops

    data = legacy_fixture(condition)
    with app.app_context():
        clinic = auth_ops.get_or_create_clinic(db.session, data["clinic"]["name"], clock())
        p = data["patient"]
        patient = patient_ops.create_patient(
            db.session, clinic_id=clinic.id, values={**p, "birth_date": as_day(p["birth_date"])}, user=None,
            now=as_when(data["screening"]["screened_at"]) - dt.timedelta(hours=1), actor="test")
        s = data["screening"]
        screening = Screening(patient_id=patient.id, condition=s["condition"], answers=s["answers"], facts=s["facts"],
                              result=s["result"], decision=s["decision"], rules_version=s["rules_version"],
                              screened_by=s["screened_by"], screened_at=as_when(s["screened_at"]),
                              on_date=as_day(s["on_date"]), valid_until=as_day(s["valid_until"]))
        db.session.add(screening)
        db.session.flush()
        pl = data["plan"]
        plan = Plan(patient_id=patient.id, protocol_id=pl["protocol_id"], status=pl["status"], draft=pl["draft"],
                    screening_id=screening.id, created_by=pl["created_by"], created_at=as_when(pl["created_at"]),
                    updated_by=pl["updated_by"], updated_at=as_when(pl["updated_at"]), version=pl["version"])
        db.session.add(plan)
        db.session.flush()
        for r in data["revisions"]:
            db.session.add(PlanRevision(
                plan_id=plan.id, patient_id=patient.id, number=r["number"], canonical=r["canonical"],
                digest=r["digest"], protocol_id=r["protocol_id"], protocol_version=r["protocol_version"],
                content_hash=r["content_hash"], screening_id=screening.id, approved_by=r["approved_by"],
                approved_by_name=r["approved_by_name"], approved_at=as_when(r["approved_at"])))
        db.session.commit()
        return Legacy(patient.id, plan.id, screening.id, data)
