"""The body map through the web (issue 12): a finding marked on one joint and side, and approval refused
for a plan whose current stage the findings have emptied (C31)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from tests.helpers.plans import approve, make_plan, plan_row
from tests.helpers.screening import screenings

ROOT = Path(__file__).resolve().parents[2]
WHOLE_LEFT_ARM = ["hand", "wrist", "forearm", "elbow", "upper_arm", "shoulder", "neck_shoulder"]


def plan_url(pid: int, plan_id: int) -> str:
    return f"/patients/{pid}/plans/{plan_id}"


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def test_a_finding_on_one_finger_joint_is_stored_with_its_side_and_shown_in_plain_words(app, therapist, make_patient):
    pid = make_patient()
    make_plan(therapist, app, pid, "arthritis", answers={
        "skin_condition": "yes", "skin_condition_regions": "index_pip", "skin_condition_side": "right"})
    answer = screenings(app)[-1].answers["skin_condition"]
    assert answer["regions"] == ["index_pip"] and answer["side"] == "right"
    page = text_of(therapist.get(f"/screenings/{screenings(app)[-1].id}"))
    assert "right index finger's middle joint" in page


@pytest.fixture
def touch_and_grip_only_stroke(make_app, tmp_path):
    """A clinic's stroke protocol whose one stage has only massage and a grip: nothing safe is left when an
    open wound covers the whole affected arm (the shipped protocols never allow that: test_never_empty_plan)."""
    raw = yaml.safe_load((ROOT / "protocols" / "stroke.yaml").read_text(encoding="utf-8"))
    raw["version"] = 99
    stage = raw["stages"][0]
    stage["clinic"] = [{"technique": "stroking", "dose": {"minutes": 5, "pressure": "light"}}]
    stage["home"] = [{"technique": "soft_ball_squeeze", "dose": {"repetitions": 10, "times_per_day": 2}}]
    raw["stages"] = [stage]
    folder = tmp_path / "clinic_protocols"
    folder.mkdir()
    (folder / "stroke.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return make_app(PROTOCOL_DIRS=[str(folder)])


def test_c31_approval_is_refused_when_findings_empty_the_current_stage_and_the_page_says_what_and_why(
    app, touch_and_grip_only_stroke, make_user, login, make_patient
):
    # Same database, the clinic's protocol folder: the browser talks to the app that loads it.
    browser = login(make_user("therapist")[1], client=touch_and_grip_only_stroke.test_client())
    pid = make_patient()
    plan_id = make_plan(browser, app, pid, "stroke", answers={
        "open_wound": "yes", "open_wound_regions": WHOLE_LEFT_ARM, "open_wound_side": "left"})
    response = approve(browser, app, pid, plan_id)
    page = text_of(browser.get(plan_url(pid, plan_id)))
    assert plan_row(app, plan_id).status == "draft"
    assert "has nothing left to do in the clinic or at home, so this plan cannot be approved" in page
    assert "Stroking (effleurage): It works on" in page and "Squeeze a soft ball: It works on" in page
    assert response.status_code in (200, 302, 409, 422)


def test_cs03_the_plan_made_from_a_stored_screening_blocks_only_the_kinds_the_finding_names(app, therapist,
                                                                                         make_patient):
    # An open wound blocks touch, load and heat (CLINICAL.md §2.1): after the cast, wrist circles (active
    # movement) and raising the hand (position) stay, while stroking leaves out the right wrist.
    from clinic.domain import planning

    pid = make_patient()
    plan_id = make_plan(therapist, app, pid, "fracture", answers={
        "open_wound": "yes", "open_wound_regions": "wrist", "open_wound_side": "right"})
    draft = planning.plan_from_canonical(plan_row(app, plan_id).draft)
    after_cast = draft.stage("after_cast")
    assert {"wrist_circles", "hand_elevation"} <= {h.ref for h in after_cast.home}
    stroking = next(c for c in after_cast.clinic if c.ref == "stroking")
    assert "right:wrist" in stroking.leave_out
    assert [a.blocks for a in draft.avoid] == [("touch", "load", "heat_water")]
