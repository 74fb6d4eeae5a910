"""C31 in a real Chromium: when findings remove every item of the current stage, approval is refused with the
reason and the plan page shows what was removed and why.

Every shipped stage keeps a safe item under its own expected findings (tests/unit/test_never_empty_plan.py), so
the journey uses what a clinic may do: its own contraindications file (a higher version in a clinic folder of
PROTOCOL_DIRS) with a rule that blocks every kind of item but position and education, marked on the whole arm.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from clinic.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.helpers.journeys import TITLES, confirm_until, current_stage, make_plan, screen_with

pytestmark = pytest.mark.e2e

SHIPPED = Path(__file__).resolve().parents[2] / "protocols" / "contraindications.yaml"
WHOLE_ARM = ("neck_shoulder", "shoulder", "upper_arm", "elbow", "forearm", "wrist", "hand")


@pytest.fixture
def app(make_app, tmp_path):
    """The app with a clinic folder whose contraindications file adds one rule of the clinic's own."""
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    rule = copy.deepcopy(next(item for item in raw["items"] if item["id"] == "skin_condition"))
    rule.update(id="surgeon_no_exercise", name="a surgeon's order: no exercise on this arm",
                question="Has the surgeon ordered no treatment or exercise at all on part of the arm for now?",
                help="Mark the part of the arm the order covers.",
                blocks=["touch", "passive_movement", "active_movement", "load", "heat_water"],
                therapist_text="Surgeon's order: no treatment or exercise on the marked area for now.",
                patient_text="Do not massage or exercise {where} until your surgeon says so.",
                source="The clinic's own rule (test)")
    raw["items"].append(rule)
    raw["version"] += 1
    folder = tmp_path / "clinic-protocols"
    folder.mkdir()
    (folder / "contraindications.yaml").write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
    app = make_app(PROTOCOL_DIRS=[str(folder)])
    with app.app_context():
        db.create_all()
    return app


def test_c31_when_findings_remove_every_item_of_the_current_stage_approval_is_refused_with_what_and_why(
        live_server, page, make_user, make_patient):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Okafor", given_names="Chidi")
    log_in(page, live_server, email, PASSWORD)
    facts = {"tendon_area": "wrist_extensors", "affected_side": "right", "onset_date": "2026-01-01",
             "acute_over_date": "2026-02-10"}
    screen_with(page, live_server, pid, "tendinitis", facts, surgeon_no_exercise=(WHOLE_ARM, "right"))

    make_plan(page, live_server, pid, TITLES["tendinitis"])
    confirm_until(page, "Loading stage")  # its date has come; the therapist confirms the criteria today
    stage = current_stage(page)
    text = stage.inner_text()
    assert "Nothing in the clinic in this stage" in text and "No home exercises in this stage" in text
    removed = stage.locator("ul.removed li").all_inner_texts()
    assert removed, "the page does not say what was removed"
    assert all("Surgeon's order" in line for line in removed), removed  # each with its reason
    status = page.locator(".plan-status").first.inner_text()
    assert "It cannot be approved yet" in status and "has nothing left to do" in status
    assert page.get_by_role("button", name="Approve the plan").count() == 0
    assert page.dialogs == []
