"""Stages by confirmed criteria on the pages (CLINICAL.md §3, C02): a first plan starts at its first stage even
when later dates have come; the therapist confirms a later stage's entry criteria on the move page, each
criterion is recorded (who, when, which) and shown in the plan's history, and making the plan again keeps
the stage reached."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from clinic.domain import planning
from clinic.domain.progress import next_stage_criteria
from clinic.domain.staging import choose_current, entry_criteria
from clinic.extensions import db
from clinic.models import StageConfirmation
from tests.helpers.pages import text_of
from tests.helpers.plans import approve, make_plan, new_plan, plan_row, revisions

# First seen today (2 March 2026, the test clock), 30 days after an ischaemic stroke, stable 27 days ago.
C02 = {"stroke_date": "2026-01-31", "medically_stable_date": "2026-02-03"}


def _draft(app, plan_id):
    return planning.plan_from_canonical(plan_row(app, plan_id).draft)


def _confirmations(app, plan_id) -> list[StageConfirmation]:
    with app.app_context():
        rows = db.session.scalars(select(StageConfirmation).where(StageConfirmation.plan_id == plan_id)
                                  .order_by(StageConfirmation.id)).all()
        db.session.expunge_all()
        return rows


def test_c02_a_first_plan_starts_at_the_early_stage_though_later_dates_have_come(app, make_user, login,
                                                                                   make_patient):
    therapist = login(make_user("therapist")[1])
    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "stroke", confirm=False, **C02)
    draft = _draft(app, plan_id)
    assert draft.current_stage == "early"
    assert all(s.date_reached for s in draft.stages)
    page = text_of(therapist.get(f"/patients/{pid}/plans/{plan_id}"))
    assert "The date of stage 2 has come" in page and "Move to stage 2" in page
    assert "Stage 2 could start by its dates: if its criteria hold for this patient today" in page  # the flash


def test_c02_confirming_the_recovery_criteria_is_recorded_and_shown_in_the_history(app, make_user, login,
                                                                                     make_patient):
    user_id, email = make_user("therapist")
    therapist = login(email)
    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "stroke", confirm=False, **C02)
    criteria = next_stage_criteria(_draft(app, plan_id))
    move_page = text_of(therapist.get(f"/patients/{pid}/plans/{plan_id}/move"))
    for criterion in criteria:
        assert criterion in move_page

    # one criterion short: refused, nothing recorded, still the early stage
    partly = therapist.post(f"/patients/{pid}/plans/{plan_id}/move",
                            data={"version": str(plan_row(app, plan_id).version), "criteria": list(criteria[:-1])})
    assert partly.status_code == 409 and "Confirm every criterion" in text_of(partly)
    assert _confirmations(app, plan_id) == [] and _draft(app, plan_id).current_stage == "early"

    moved = therapist.post(f"/patients/{pid}/plans/{plan_id}/move",
                           data={"version": str(plan_row(app, plan_id).version), "criteria": list(criteria)})
    assert moved.status_code == 302
    assert _draft(app, plan_id).current_stage == "recovery"
    rows = _confirmations(app, plan_id)
    assert [(r.stage_id, r.criterion) for r in rows] == [("recovery", c) for c in criteria]
    assert {(r.by, r.by_name, r.before_change) for r in rows} == {(email, "Therapist 1", False)}

    history = text_of(therapist.get(f"/patients/{pid}/plans/{plan_id}/history"))
    assert "Stage criteria confirmed" in history
    assert f"Stage 2: {_draft(app, plan_id).stage('recovery').title}" in history
    for criterion in criteria:
        assert f"{criterion} · confirmed by Therapist 1 on 2 March 2026" in history
    assert email not in history

    # the function stage's date has come too, but it was not confirmed: the plan stays at recovery, and approving
    # freezes that
    assert approve(therapist, app, pid, plan_id).status_code == 302
    assert revisions(app, plan_id)[-1].canonical["plan"]["current_stage"] == "recovery"


def test_making_the_plan_again_keeps_the_stage_the_therapist_confirmed(app, make_user, login, make_patient):
    therapist = login(make_user("therapist")[1])
    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "stroke", **C02)  # every reached stage confirmed at this visit
    assert _draft(app, plan_id).current_stage == "function"
    again = new_plan(therapist, pid, "stroke", **C02, cleared_by="Dr Ray, stroke unit (letter of 3 February)")
    assert again.status_code == 302
    assert _draft(app, plan_id).current_stage == "function"


def test_a_plan_made_before_this_change_keeps_its_stage_as_confirmed_before_the_change(app, make_user, login,
                                                                                      make_patient):
    """The migration writes the entry criteria of every stage up to the stored current one (not the first)."""
    path = Path(__file__).resolve().parents[2] / "clinic/migrations/versions/c7d2e5a1f3b9_stage_confirmations.py"
    spec = importlib.util.spec_from_file_location("stage_confirmations_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    therapist = login(make_user("therapist")[1])
    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "stroke", **C02)
    row = plan_row(app, plan_id)
    draft = _draft(app, plan_id)
    old = SimpleNamespace(id=plan_id, patient_id=pid, draft=row.draft, updated_by="sam@example.org",
                          updated_at=row.updated_at)
    written = migration._before_change_rows(old)
    expected = [(stage, c) for stage in ("recovery", "function")
                for c in entry_criteria(draft.stages, stage)]
    assert [(r["stage_id"], r["criterion"]) for r in written] == expected
    assert all(r["before_change"] for r in written)
    # the engine reads these pairs, so making the plan again keeps the stored stage
    assert choose_current(draft.stages, {(r["stage_id"], r["criterion"]) for r in written}) == "function"
