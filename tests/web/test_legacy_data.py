"""Issue 12, item 10: plans and screenings stored before issue 12 still open, keep the digest they were approved
with, print it, and say plainly that they were made with the earlier rules.

The rows come from tests/data/legacy (one plan and its screening per condition, dumped once from the app as it
was before issue 12, see its README) and are put into a fresh database as they were stored.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from clinic.domain import planning
from clinic.extensions import db
from clinic.handouts import printing
from clinic.handouts.printing import HandoutOptionsKey
from clinic.models import AuditEvent, Patient, PlanRevision, RevisionReview
from tests.conftest import require_tool
from tests.helpers.legacy import LEGACY, Legacy, load_legacy
from tests.helpers.pages import text_of
from tests.helpers.plans import approve, new_plan, plan_row, screen

CONDITIONS = ("arthritis", "bruise", "fracture", "stroke", "tendinitis")


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

    # Through the web it waits for a therapist's review (CS-11): it was made with the earlier rules (issue 12
    # changed every protocol file), and the refusal says so in plain words, with the day it was made.
    response = therapist.get(plan_url(legacy, f"/revisions/{newest['number']}/handout.pdf"))
    assert response.status_code == 409
    assert "Made with the earlier plan rules on 2 March 2026; check it against today's rules." in text_of(response)


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


# ------------------------------------------------------------------ "Reviewed — still correct" (item 10)


def newer_protocol(app, condition: str) -> None:
    """The library as after another change of this protocol: one version on, another file."""
    lib = app.extensions["clinic.library"]
    newer = dataclasses.replace(lib.protocol(condition), version=lib.protocol(condition).version + 1,
                                content_hash="sha256:" + "1" * 64)
    app.extensions["clinic.library"] = dataclasses.replace(lib, protocols={**lib.protocols, condition: newer})


def cli_handout(app, runner, legacy: Legacy, number: int, out: Path):
    with app.app_context():
        revision_id = db.session.scalars(select(PlanRevision.id).where(PlanRevision.plan_id == legacy.plan_id,
                                                                       PlanRevision.number == number)).one()
    return runner.invoke(args=["handout", str(revision_id), "-o", str(out)])


@pytest.mark.parametrize("condition", CONDITIONS)
def test_item10_an_old_revision_reviewed_still_correct_prints_again_unchanged_from_the_web_and_the_cli(
        app, clock, therapist, runner, tmp_path, condition):
    legacy = load_legacy(app, clock, condition)
    newest = legacy.data["revisions"][-1]
    number = newest["number"]
    assert cli_handout(app, runner, legacy, number, tmp_path / "before.pdf").exit_code != 0

    page = text_of(therapist.get(plan_url(legacy)))
    assert "NEEDS REVIEW — the handout is blocked" in page
    assert "Made with the earlier plan rules on 2 March 2026; check it against today's rules." in page
    assert "What today's rules would change in this plan" in page
    assert "Make it again with today's rules." in page and "Reviewed — still correct" in page

    clock.advance(minutes=3)
    response = therapist.post(plan_url(legacy, f"/revisions/{number}/reviewed"),
                              data={"note": "Compared with today's rules: nothing applies to her."})
    assert response.status_code == 302, text_of(response)[:1500]
    page = text_of(therapist.get(plan_url(legacy)))
    assert "NEEDS REVIEW" not in page and f"APPROVED — revision {number}" in page
    assert ("Reviewed against today's rules by Therapist 1 on 2 March 2026" in page
            and "still correct. “Compared with today's rules: nothing applies to her.”" in page)
    assert "Therapist 1 reviewed it against today's rules on 2 March 2026 and found it still correct" in page

    response = therapist.get(plan_url(legacy, f"/revisions/{number}/handout.pdf"))
    assert response.status_code == 200
    assert printed_digest(pdf_words(response.data)) == newest["digest"][7:19]
    result = cli_handout(app, runner, legacy, number, tmp_path / "after.pdf")
    assert result.exit_code == 0, result.output
    assert printed_digest(pdf_words((tmp_path / "after.pdf").read_bytes())) == newest["digest"][7:19]
    for stored, dumped in zip(stored_revisions(app, legacy.plan_id), legacy.data["revisions"], strict=True):
        assert (stored.canonical, stored.digest) == (dumped["canonical"], dumped["digest"])  # CS-09
    protocol = app.extensions["clinic.library"].protocol(condition)
    with app.app_context():
        (row,) = db.session.scalars(select(RevisionReview)).all()
        assert (row.protocol_version, row.content_hash, row.by_name) == (protocol.version, protocol.content_hash,
                                                                          "Therapist 1")
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_reviewed")).one()
        assert audit.patient_ref == legacy.patient_id and f"revision {number} still correct" in audit.detail


def test_item10_a_still_correct_lapses_when_the_protocol_changes_again(app, clock, therapist):
    legacy = load_legacy(app, clock, "fracture")
    # what today's rules would change, in the therapist's words: this cast-treated fracture loses the scar line
    page = text_of(therapist.get(plan_url(legacy)))
    assert "take care removed: Do not massage over a surgical scar until it has fully closed." in page
    assert therapist.post(plan_url(legacy, "/revisions/2/reviewed"), data={"note": ""}).status_code == 302
    assert therapist.get(plan_url(legacy, "/revisions/2/handout.pdf")).status_code == 200

    newer_protocol(app, "fracture")
    refused = therapist.get(plan_url(legacy, "/revisions/2/handout.pdf"))
    assert refused.status_code == 409
    page = text_of(therapist.get(plan_url(legacy)))
    assert "NEEDS REVIEW — the handout is blocked" in page and "Reviewed — still correct" in page
    assert "Reviewed against today's rules by" not in page
    assert therapist.post(plan_url(legacy, "/revisions/2/reviewed"), data={"note": ""}).status_code == 302
    assert therapist.get(plan_url(legacy, "/revisions/2/handout.pdf")).status_code == 200
    with app.app_context():
        assert db.session.query(RevisionReview).count() == 2  # one per protocol version checked against


def test_item10_still_correct_does_not_clear_an_expired_screening(app, clock, therapist, login):
    legacy = load_legacy(app, clock, "bruise")
    clock.advance(days=40)
    therapist = login(therapist.email)
    page = text_of(therapist.get(plan_url(legacy)))
    assert "expired on" in page and "The other reasons above still hold it" in page
    assert therapist.post(plan_url(legacy, "/revisions/1/reviewed"), data={"note": ""}).status_code == 302
    refused = therapist.get(plan_url(legacy, "/revisions/1/handout.pdf"))
    assert refused.status_code == 409 and "expired on" in text_of(refused)
    assert "Made with the earlier plan rules" not in text_of(refused)


def test_item10_the_still_correct_form_keeps_a_too_long_note_with_its_message_and_needs_csrf_and_a_therapist(
        app, clock, therapist, make_user, login):
    legacy = load_legacy(app, clock, "stroke")
    url = plan_url(legacy, "/revisions/1/reviewed")
    note = "Checked. " + "x" * 1000
    response = therapist.post(url, data={"note": note})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Field cannot be longer than 1000 characters." in text_of(response)
    assert re.search(r'class="field +has-error"', body) and note in body  # the message by the field, text kept
    assert therapist.client.post(url, data={"note": "no token"}).status_code == 400
    reception = login(make_user("reception")[1])
    assert reception.post(url, data={"note": ""}).status_code == 403
    assert therapist.post(plan_url(legacy, "/revisions/9/reviewed"), data={"note": ""}).status_code == 404
    with app.app_context():
        assert db.session.query(RevisionReview).count() == 0
    assert therapist.get(plan_url(legacy, "/revisions/1/handout.pdf")).status_code == 409
