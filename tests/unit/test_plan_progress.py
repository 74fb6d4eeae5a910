"""Pure pieces of plans: moving to the next stage (CS-05 at the move), the handout context of a plan (the
same exercises and doses as the plan, CS-12 by construction) and the progress chart geometry."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from clinic.domain.planning import PlanEditError, plan_to_canonical
from clinic.domain.progress import current_stage, move_to_next_stage, next_stage, next_stage_criteria
from clinic.handouts import plan_context as handout
from clinic.handouts.context import ClinicInfo, HandoutOptions, PatientInfo
from clinic.plans import chart
from tests.helpers.planning import DAY, GOOD_FACTS, override_for, plan, screened, yes

PEOPLE = handout.People(clinic=ClinicInfo("Clinic", "1 Road", "555"),
                        patient=PatientInfo("Ann Example", dt.date(1950, 1, 1), "P-000001"),
                        therapist="Sam", on_date=DAY)


def test_moving_on_needs_the_criteria_and_the_stages_day_and_marks_only_the_new_stage_current():
    # Stages by confirmed criteria: the move needs the current stage's move-on criteria AND the next stage's
    # own confirm lines (its entry criteria), not the move-on criteria alone as before.
    draft = plan("tendinitis")  # acute over 10 March: loading from 24 March, back to activity from 7 April
    current, coming = current_stage(draft), next_stage(draft)
    criteria = next_stage_criteria(draft)
    assert criteria == (*current.move_on_when, *coming.confirmations)
    with pytest.raises(PlanEditError, match="Confirm every criterion"):
        move_to_next_stage(draft, current.move_on_when, coming.earliest)
    with pytest.raises(PlanEditError, match="cannot start before"):
        move_to_next_stage(draft, criteria, coming.earliest - dt.timedelta(days=1))
    moved = move_to_next_stage(draft, criteria, coming.earliest)
    assert moved.current_stage == coming.id and [s.id for s in moved.stages if s.current] == [coming.id]
    assert draft.current_stage == current.id  # the input is unchanged


def test_a_stage_waiting_for_a_date_cannot_be_entered_and_the_last_stage_has_no_next():
    draft = plan("fracture", {**GOOD_FACTS["fracture"], "cast_removal_date": DAY - dt.timedelta(days=3)})
    with pytest.raises(PlanEditError, match="Record the missing date"):
        move_to_next_stage(draft, next_stage_criteria(draft), DAY)
    last = plan("tendinitis", on=dt.date(2026, 5, 1))
    assert next_stage(last) is None
    with pytest.raises(PlanEditError, match="last stage"):
        move_to_next_stage(last, (), dt.date(2026, 5, 1))


@pytest.mark.parametrize("condition", ["stroke", "fracture", "tendinitis", "arthritis", "bruise"])
def test_the_handout_prints_the_current_stages_exercises_with_the_plans_doses(condition):
    draft = plan(condition)
    canonical = plan_to_canonical(draft)
    ctx = handout.handout_context(canonical, "sha256:" + "ab" * 32, PEOPLE, HandoutOptions())
    stage = current_stage(draft)
    assert [e.name for e in ctx.exercises] == [e.title for e in stage.home]
    for printed, planned in zip(ctx.exercises, stage.home, strict=True):
        assert (printed.dose.repetitions, printed.dose.times_per_day, printed.dose.minutes,
                printed.dose.hold_seconds, printed.dose.sets) == (
            planned.dose.repetitions, planned.dose.times_per_day, planned.dose.minutes, planned.dose.hold_seconds,
            planned.dose.sets)
    assert ctx.plan_digest == "ab" * 32 and ctx.protocol.version == draft.protocol_version
    assert [s.is_current for s in ctx.timeline] == [s.current for s in draft.stages]
    assert set(stage.precautions) <= set(ctx.precautions)
    summary = handout.summary_context(canonical, "sha256:" + "ab" * 32, PEOPLE, "Letter")
    assert len(summary.stages) == len(draft.stages) and summary.paper == "Letter"


def test_the_override_and_local_contraindications_are_printed_in_plain_words():
    result = screened("bruise", fever=yes(), open_wound=yes("wrist", side="left"))
    draft = plan("bruise", screening=result, override=override_for(result))
    ctx = handout.handout_context(plan_to_canonical(draft), "ab" * 32, PEOPLE, HandoutOptions())
    assert any(draft.override.reason in line for line in ctx.overrides)
    assert [a.patient_text for a in draft.avoid] == list(ctx.avoid)


def test_before_the_first_stage_starts_the_handout_prints_no_exercise():
    # A stroke the day before (its first stage starts on day 2); the bruise now has a protect stage from day 0.
    facts = {**GOOD_FACTS["stroke"], "stroke_date": DAY - dt.timedelta(days=1),
             "medically_stable_date": DAY - dt.timedelta(days=1)}
    result = screened("stroke", facts)
    draft = plan("stroke", facts, screening=result, override=override_for(result))
    assert draft.current_stage is None
    ctx = handout.handout_context(plan_to_canonical(draft), "ab" * 32, PEOPLE, HandoutOptions())
    assert ctx.exercises == () and ctx.stage_title.startswith("Your plan starts from")


def _session(day, before, after):
    return SimpleNamespace(on_date=day, pain_before=before, pain_after=after)


def _outcome(day, kind, score):
    return SimpleNamespace(on_date=day, kind=kind, score=score)


def test_the_chart_has_one_panel_per_measure_distinct_markers_and_the_quickdash_band():
    d = dt.date(2026, 3, 2)
    c = chart.build([_session(d, 7, 5), _session(d + dt.timedelta(days=7), 4, None)],
                    [_outcome(d, "quickdash", 70.5), _outcome(d + dt.timedelta(days=14), "quickdash", 40.0),
                     _outcome(d, "grip", 40.0), _outcome(d, "grip", None)])
    assert [p.title.split(" ")[0] for p in c.panels] == ["Pain", "QuickDASH", "Grip"]
    pain, qd, grip = c.panels
    assert [(s.marker, s.dash) for s in pain.series] == [("circle", ""), ("square", "6 4")]
    assert [len(s.points) for s in pain.series] == [2, 1]
    assert qd.band is not None and qd.band.top < qd.band.bottom and "±14" in qd.band.label
    assert "-30.5 points (a meaningful change, better)" in qd.note
    assert grip.reference is not None and [p.label for p in grip.series[0].points] == ["40 %"]
    assert all(c.left <= p.x <= c.width - c.right for panel in c.panels for s in panel.series for p in s.points)
    assert chart.build([], []) is None
