"""One print feature: the plan page's download and ``clinic handout`` ask the same question ("may this revision
print?", ``clinic.handouts.operations.print_check``) and give a therapist the same answer in the same words."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import HandoutFile, Patient, PlanRevision
from clinic.patients import operations as patient_ops
from tests.helpers.plans import approve, approved_plan, new_plan, screen


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def _revision_id(app, plan_id: int, number: int) -> int:
    with app.app_context():
        return db.session.scalars(select(PlanRevision.id).where(PlanRevision.plan_id == plan_id,
                                                                PlanRevision.number == number)).one()


def test_the_download_and_the_command_refuse_and_allow_the_same_revisions_for_the_same_reasons(
        app, therapist, make_patient, clock, runner, tmp_path):
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid, "fracture")
    url = f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf"
    out = tmp_path / "handout.pdf"

    def command(number: int):
        return runner.invoke(args=["handout", str(_revision_id(app, plan_id, number)), "-o", str(out)])

    # Fine: both print (the default handout was stored at approval, so both serve it from the cache).
    assert therapist.get(url).status_code == 200
    printed = command(1)
    assert printed.exit_code == 0 and "from the cache" in printed.output
    # A medication change: revision 1 needs review, and both say so.
    clock.advance(minutes=10)
    with app.app_context():
        row = db.session.get(Patient, pid)
        patient_ops.update_patient(db.session, row, {"medications": "Warfarin 5 mg"}, expected_version=row.version,
                                   user=None, now=clock())
        db.session.commit()
    page = therapist.get(url)
    refused = command(1)
    assert page.status_code == 409 and refused.exit_code == 1
    assert "history or medication changed" in html.unescape(page.get_data(as_text=True))
    assert "history or medication changed" in refused.output
    # Screened again and approved as revision 2: revision 1 is replaced, in the same words on both.
    clock.advance(minutes=10)
    assert screen(therapist, app, pid, "fracture").status_code == 302
    assert new_plan(therapist, pid, "fracture").status_code == 302
    assert approve(therapist, app, pid, plan_id).status_code == 302
    replaced = "Revision 1 was replaced by revision 2; print the newest one."
    assert replaced in html.unescape(therapist.get(url).get_data(as_text=True))
    assert replaced in command(1).output
    assert command(2).exit_code == 0 and out.read_bytes().startswith(b"%PDF")


@pytest.mark.sqlite_only
def test_an_approval_holds_no_sqlite_write_lock_while_its_handout_renders(app, therapist, make_patient, monkeypatch):
    from clinic.handouts import printing
    from tests.helpers.plans import make_plan
    from tests.helpers.sqlite_lock import trying_the_lock_first

    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "fracture")
    others_could_write: list[bool] = []
    monkeypatch.setattr(printing, "render", trying_the_lock_first(printing.render, app.config["DATABASE_URL"],
                                                                  others_could_write))
    assert approve(therapist, app, pid, plan_id).status_code == 302
    assert others_could_write == [True]
    with app.app_context():  # and the approval is whole: its revision with its stored handout (REL-05)
        revision = db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan_id)).one()
        assert db.session.scalars(select(HandoutFile.revision_id)).all() == [revision.id]


def test_stored_pdfs_of_revisions_replaced_long_ago_are_deleted_and_render_again_the_same(
        app, therapist, make_patient, clock, runner):
    from clinic.handouts import printing

    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid, "fracture")
    clock.advance(minutes=10)
    with app.app_context():
        row = db.session.get(Patient, pid)
        patient_ops.update_patient(db.session, row, {"medications": "Warfarin 5 mg"}, expected_version=row.version,
                                   user=None, now=clock())
        db.session.commit()
    clock.advance(minutes=10)
    assert screen(therapist, app, pid, "fracture").status_code == 302
    assert new_plan(therapist, pid, "fracture").status_code == 302
    assert approve(therapist, app, pid, plan_id).status_code == 302
    first, second = _revision_id(app, plan_id, 1), _revision_id(app, plan_id, 2)

    def stored() -> dict[int, list[str]]:
        with app.app_context():
            rows = db.session.execute(select(HandoutFile.revision_id, HandoutFile.options, HandoutFile.sha256)).all()
        return {revision: [(key, sha) for r, key, sha in rows if r == revision] for revision in (first, second)}

    kept = stored()
    assert len(kept[first]) == len(kept[second]) == 1
    assert "Deleted 0 stored PDF(s)" in runner.invoke(args=["prune-handouts"]).output  # replaced today
    clock.advance(days=app.config["SUPERSEDED_HANDOUT_DAYS"] + 1)
    assert "Deleted 1 stored PDF(s)" in runner.invoke(args=["prune-handouts"]).output
    assert stored() == {first: [], second: kept[second]}  # the newest revision's handout stays
    with app.app_context():  # asked for again (a held revision printed after review): rendered from the revision
        revision = db.session.get(PlanRevision, first)
        patient = db.session.get(Patient, pid)
        key, pdf, cached = printing.handout_pdf(db.session, revision, patient,
                                                printing.HandoutOptionsKey("handout", "A4"), clock())
        db.session.commit()
    assert not cached and pdf.startswith(b"%PDF")
    assert stored()[first] == kept[first]  # the same key and the same bytes as the PDF made at approval
