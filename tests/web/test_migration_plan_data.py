"""A database made before issue 12 is upgraded in place by the migrations: its plans gain ``carried_over`` (empty),
keep their JSON and digests, and open and update as every other plan (issue 12, item 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, select

from clinic.auth import operations as auth_ops
from clinic.domain import planning
from clinic.extensions import db
from clinic.models import Plan, PlanRevision, Screening
from clinic.patients import operations as patient_ops
from tests.conftest import PASSWORD, Browser, csrf_from
from tests.web.test_legacy_data import _day, _when, fixture
from tests.web.test_screening_pages import text_of

BEFORE_ISSUE_12 = "a984a4e5c8c9"  # the head of the migrations when the legacy rows were stored


@pytest.mark.db  # runs on PostgreSQL too (it builds its app without the app fixture)
def test_item10_the_migrations_upgrade_a_database_with_a_plan_made_before_issue_12(make_app, clock):
    data = fixture("fracture")
    app = make_app()
    with app.app_context():
        upgrade(revision=BEFORE_ISSUE_12)
        clinic = auth_ops.get_or_create_clinic(db.session, data["clinic"]["name"], clock())
        auth_ops.create_user(db.session, clinic=clinic, email="ann@example.org", full_name="Ann Berg",
                             role="therapist", password=PASSWORD, now=clock())
        p = data["patient"]
        patient = patient_ops.create_patient(
            db.session, clinic_id=clinic.id, values={**p, "birth_date": _day(p["birth_date"])}, user=None,
            now=clock() - dt.timedelta(hours=1), actor="test")
        s = data["screening"]
        screening = Screening(patient_id=patient.id, condition=s["condition"], answers=s["answers"], facts=s["facts"],
                              result=s["result"], decision=s["decision"], rules_version=s["rules_version"],
                              screened_by=s["screened_by"], screened_at=_when(s["screened_at"]),
                              on_date=_day(s["on_date"]), valid_until=_day(s["valid_until"]))
        db.session.add(screening)
        db.session.flush()
        # The plans table as it was then (no carried_over column): written with the old table, not the model.
        plans = Table("plans", MetaData(), autoload_with=db.session.connection())
        assert "carried_over" not in plans.c
        pl = data["plan"]
        plan_id = db.session.execute(plans.insert().values(
            patient_id=patient.id, protocol_id=pl["protocol_id"], status=pl["status"], draft=pl["draft"],
            screening_id=screening.id, created_by=pl["created_by"], created_at=_when(pl["created_at"]),
            updated_by=pl["updated_by"], updated_at=_when(pl["updated_at"]), version=pl["version"],
        ).returning(plans.c.id)).scalar_one()
        for r in data["revisions"]:
            db.session.add(PlanRevision(
                plan_id=plan_id, patient_id=patient.id, number=r["number"], canonical=r["canonical"],
                digest=r["digest"], protocol_id=r["protocol_id"], protocol_version=r["protocol_version"],
                content_hash=r["content_hash"], screening_id=screening.id, approved_by=r["approved_by"],
                approved_by_name=r["approved_by_name"], approved_at=_when(r["approved_at"])))
        patient_id = patient.id
        db.session.commit()
        db.session.remove()  # the migration needs the database to itself

        upgrade()

        plan = db.session.get(Plan, plan_id)
        assert plan.carried_over is None and plan.draft == pl["draft"]
        stored = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan_id)
                                    .order_by(PlanRevision.number)).all()
        assert [(r.digest, r.canonical) for r in stored] == [(r["digest"], r["canonical"]) for r in data["revisions"]]
        assert all(planning.plan_digest(r.canonical) == r.digest for r in stored)
        db.session.remove()

    client = app.test_client()
    token = csrf_from(client.get("/login").data)
    assert client.post("/login", data={"email": "ann@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    therapist = Browser(client, "ann@example.org")
    page = therapist.get(f"/patients/{patient_id}/plans/{plan_id}")
    assert page.status_code == 200
    assert "Made with the earlier rules." in text_of(page)
    assert therapist.get(f"/patients/{patient_id}/plans/{plan_id}/history").status_code == 200
