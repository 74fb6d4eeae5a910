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
from clinic.models import Clinic, Plan, PlanRevision
from tests.conftest import PASSWORD, Browser, csrf_from
from tests.helpers.legacy import as_day, as_when, legacy_fixture
from tests.helpers.pages import text_of

BEFORE_ISSUE_12 = "a984a4e5c8c9"  # the head of the migrations when the legacy rows were stored


def insert(conn, table_name: str, /, **values) -> int:
    """Insert a row with the table as the database has it now; columns not given get a plain empty value."""
    table = Table(table_name, MetaData(), autoload_with=conn)
    for column in table.c:
        if column.name in values or column.nullable or column.primary_key:
            continue
        values[column.name] = _empty(column)
    return conn.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


def _empty(column):
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = dict
    return {str: "", int: 0, bool: False, dict: {}}.get(kind, "")


@pytest.mark.db  # runs on PostgreSQL too (it builds its app without the app fixture)
def test_item10_the_migrations_upgrade_a_database_with_a_plan_made_before_issue_12(make_app, clock):
    data = legacy_fixture("fracture")
    app = make_app()
    with app.app_context():
        upgrade(revision=BEFORE_ISSUE_12)
        # Every row is written with the tables as they were then (reflected), never with today's models.
        conn = db.session.connection()
        clinic_id = insert(conn, "clinics", name=data["clinic"]["name"], created_at=clock())
        p = data["patient"]
        patient_id = insert(conn, "patients", clinic_id=clinic_id, **{**p, "birth_date": as_day(p["birth_date"])},
                            sort_name=f"{p['family_name']} {p['given_names']}".lower(), history_facts={},
                            created_at=clock() - dt.timedelta(hours=1), updated_at=clock() - dt.timedelta(hours=1),
                            clinical_changed_at=clock() - dt.timedelta(hours=1), version=1)
        s = data["screening"]
        screening_id = insert(conn, "screenings", patient_id=patient_id, condition=s["condition"], answers=s["answers"],
                              facts=s["facts"], result=s["result"], decision=s["decision"],
                              rules_version=s["rules_version"], screened_by=s["screened_by"],
                              screened_at=as_when(s["screened_at"]), on_date=as_day(s["on_date"]),
                              valid_until=as_day(s["valid_until"]))
        assert "carried_over" not in Table("plans", MetaData(), autoload_with=conn).c
        pl = data["plan"]
        plan_id = insert(conn, "plans", patient_id=patient_id, protocol_id=pl["protocol_id"], status=pl["status"],
                         draft=pl["draft"], screening_id=screening_id, created_by=pl["created_by"],
                         created_at=as_when(pl["created_at"]), updated_by=pl["updated_by"],
                         updated_at=as_when(pl["updated_at"]), version=pl["version"])
        for r in data["revisions"]:
            insert(conn, "plan_revisions", plan_id=plan_id, patient_id=patient_id, number=r["number"],
                   canonical=r["canonical"], digest=r["digest"], protocol_id=r["protocol_id"],
                   protocol_version=r["protocol_version"], content_hash=r["content_hash"], screening_id=screening_id,
                   approved_by=r["approved_by"], approved_by_name=r["approved_by_name"],
                   approved_at=as_when(r["approved_at"]))
        db.session.commit()
        db.session.remove()  # the migration needs the database to itself

        upgrade()

        plan = db.session.get(Plan, plan_id)
        assert plan.carried_over is None and plan.draft == pl["draft"]
        stored = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan_id)
                                    .order_by(PlanRevision.number)).all()
        assert [(r.digest, r.canonical) for r in stored] == [(r["digest"], r["canonical"]) for r in data["revisions"]]
        assert all(planning.plan_digest(r.canonical) == r.digest for r in stored)
        clinic = db.session.get(Clinic, clinic_id)
        auth_ops.create_user(db.session, clinic=clinic, email="ann@example.org", full_name="Ann Berg",
                             role="therapist", password=PASSWORD, now=clock())
        db.session.commit()
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
