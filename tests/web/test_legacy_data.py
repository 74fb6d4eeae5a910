"""Issue 12, item 10: plans and screenings stored before issue 12 still open, keep the digest they were approved
with, print it, and say plainly that they were made with the earlier rules.

The rows come from tests/data/legacy (one plan and its screening per condition, dumped once from the app as it
was before issue 12, see its README) and are put into a fresh database as they were stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess

import pytest
from sqlalchemy import select

from clinic.domain import planning
from clinic.extensions import db
from clinic.handouts import printing
from clinic.handouts.printing import HandoutOptionsKey
from clinic.models import Patient, Plan, PlanRevision, Screening
from clinic.patients import operations as patient_ops
from tests.conftest import require_tool
from tests.helpers.legacy import LEGACY, as_day, as_when, legacy_fixture
from tests.helpers.pages import text_of
from tests.helpers.plans import approve, new_plan, plan_row, screen

CONDITIONS = ("arthritis", "bruise", "fracture", "stroke", "tendinitis")


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


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def plan_url(legacy: Legacy, tail: str = "") -> str:
    return f"/patients/{legacy.patient_id}/plans/{legacy.plan_id}{tail}"


def stored_revisions(app, plan_id: int) -> list[PlanRevision]:
    with app.app_context():
        rows = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan_id)
                                  .order_by(PlanRevision.number)).all()
        db.session.expunge_all()
        return rows


def pdf_words(data: bytes) -> str:
    tool = require_tool("pdftotext")
    text = subprocess.run([tool, "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


def printed_digest(text: str) -> str:
    (digest,) = set(re.findall(r"plan ([0-9a-f]{12}) ·", text))
    return digest


# ------------------------------------------------------------------------------------------ plans


@pytest.mark.parametrize("condition", CONDITIONS)
def test_item10_a_plan_made_before_issue_12_opens_with_the_earlier_rules_note_and_its_digest_unchanged(
        app, clock, therapist, condition):
    legacy = load_legacy(app, clock, condition)
    newest = legacy.data["revisions"][-1]

    page = therapist.get(plan_url(legacy))
    assert page.status_code == 200
    words = text_of(page)
    assert "Made with the earlier rules." in words
    assert f"Revision {newest['number']} of this plan was made before the current plan rules" in words
    assert f"Revision {newest['number']} is kept exactly as it was approved (digest {newest['digest'][7:19]})" in words
    history = therapist.get(plan_url(legacy, "/history"))
    assert history.status_code == 200
    assert all(r["digest"] in text_of(history) for r in legacy.data["revisions"])
    for stored, dumped in zip(stored_revisions(app, legacy.plan_id), legacy.data["revisions"], strict=True):
        assert stored.canonical == dumped["canonical"] and stored.digest == dumped["digest"]  # never rewritten
        assert planning.plan_digest(stored.canonical) == stored.digest  # CS-09 still holds for old data
        assert planning.plan_from_canonical(stored.canonical).protocol_id == condition  # and it reads


@pytest.mark.parametrize("condition", CONDITIONS)
def test_item10_the_old_approved_revision_prints_the_digest_and_exercises_it_was_approved_with(
        app, clock, therapist, condition):
    legacy = load_legacy(app, clock, condition)
    newest = legacy.data["revisions"][-1]
    then = " ".join((LEGACY / f"{condition}-r{newest['number']}-handout.txt").read_text().split())
    with app.app_context():
        revision = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == legacy.plan_id,
                                                                 PlanRevision.number == newest["number"])).one()
        patient = db.session.get(Patient, legacy.patient_id)
        _key, pdf = printing.render(db.session, revision, patient, HandoutOptionsKey("handout", "A4"))
    now = pdf_words(pdf)
    assert printed_digest(now) == printed_digest(then) == newest["digest"][7:19]
    draft = planning.plan_from_canonical(newest["canonical"])
    current = next(s for s in draft.stages if s.current)
    for exercise in current.home:
        assert exercise.title in then and exercise.title in now
    if draft.patient_notes:
        assert draft.patient_notes in now

    # Through the web the revision prints as it is when its protocol is unchanged; when the protocol file changed
    # since (issue 12 changed every one), it is up for review and the handout waits for it (CS-11), saying why.
    response = therapist.get(plan_url(legacy, f"/revisions/{newest['number']}/handout.pdf"))
    protocol = app.extensions["clinic.library"].protocol(condition)
    if (protocol.version, protocol.content_hash) == (newest["protocol_version"], newest["content_hash"]):
        assert response.status_code == 200 and printed_digest(pdf_words(response.data)) == newest["digest"][7:19]
    else:
        assert response.status_code == 409
        assert f"Protocol {condition}" in text_of(response) or f"protocol file {condition}" in text_of(response)


# ------------------------------------------------------------------------------------- screenings


def newer_rules(app) -> None:
    """The screening rules as after a change of rules: the same rules, one version on."""
    rules = app.extensions["clinic.screening_rules"]
    app.extensions["clinic.screening_rules"] = dataclasses.replace(rules, version=rules.version + 1)


@pytest.mark.parametrize("condition", CONDITIONS)
def test_item10_a_screening_made_before_issue_12_opens_and_says_when_it_was_made_with_earlier_rules(
        app, clock, therapist, condition):
    legacy = load_legacy(app, clock, condition)
    stored = legacy.data["screening"]["rules_version"]
    page = therapist.get(f"/screenings/{legacy.screening_id}")
    assert page.status_code == 200
    current = app.extensions["clinic.screening_rules"].version
    assert ("Made with the earlier rules." in text_of(page)) == (stored < current)
    newer_rules(app)
    words = text_of(therapist.get(f"/screenings/{legacy.screening_id}"))
    assert "Made with the earlier rules." in words
    assert f"This screening used the screening rules of version {stored}; they are now version " in words
    assert "screen the patient again before a new plan" in words and "✔ Valid" not in words


def test_item10_an_old_plan_is_updated_only_from_a_new_screening_and_keeps_the_therapists_edits(
        app, clock, therapist):
    legacy = load_legacy(app, clock, "fracture")  # revision 2: a dose one more time a day and two notes
    old = planning.plan_from_canonical(legacy.data["revisions"][-1]["canonical"])
    newer_rules(app)
    refused = new_plan(therapist, legacy.patient_id, "fracture")
    assert refused.status_code == 422
    assert "made with the earlier screening rules" in text_of(refused)

    clock.advance(minutes=5)
    assert screen(therapist, app, legacy.patient_id, "fracture").status_code == 302
    response = new_plan(therapist, legacy.patient_id, "fracture")
    assert response.status_code == 302, text_of(response)[:2000]
    draft = planning.plan_from_canonical(plan_row(app, legacy.plan_id).draft)
    assert plan_row(app, legacy.plan_id).draft["format"] == planning.PLAN_FORMAT
    assert (draft.patient_notes, draft.team_notes) == (old.patient_notes, old.team_notes)
    stage = next(s for s in old.stages if s.current)
    edited = stage.home[0]
    assert next(e for e in draft.stage(stage.id).home if e.ref == edited.ref).dose == edited.dose
    assert approve(therapist, app, legacy.patient_id, legacy.plan_id).status_code == 302
    *before, third = stored_revisions(app, legacy.plan_id)
    assert [(r.number, r.digest) for r in before] == [(r["number"], r["digest"]) for r in legacy.data["revisions"]]
    assert third.number == 3 and third.canonical["format"] == planning.PLAN_FORMAT
    page = text_of(therapist.get(plan_url(legacy)))
    assert "Made with the earlier rules." not in page  # the approved plan now follows the current rules
