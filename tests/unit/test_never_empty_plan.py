"""Never an empty plan (CLINICAL.md §2.1, issue 12 item 5): every stage of every shipped protocol keeps at least
one safe item — position, active movement of free joints, or education — under its own expected findings:
the protocol's own injury marked honestly at its place, for every place its case facts can name."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest

from clinic.domain.planning import generate_plan
from clinic.domain.protocols import illustration_ids_in, load_library
from clinic.domain.screening import Answer, screen
from clinic.domain.screening_rules import load_rules, questions_for

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = load_library([ROOT / "protocols"], illustration_ids_in(ROOT / "clinic" / "static" / "illustrations"))
RULES = load_rules(ROOT / "protocols" / "contraindications.yaml", LIBRARY.case_facts())
D = dt.date(2026, 3, 20)
SAFE_KINDS = ("position", "active_movement", "education")

# Case facts with every date filled in, so every stage of the protocol is in the plan.
BASE: dict[str, dict[str, Any]] = {
    "stroke": {"stroke_date": D - dt.timedelta(40), "stroke_type": "ischaemic", "affected_side": "left",
               "medically_stable_date": D - dt.timedelta(38), "cleared_by": "Dr Ray"},
    "fracture": {"fracture_date": D - dt.timedelta(60), "bone": "distal_radius", "affected_side": "right",
                 "treatment": "cast_or_splint", "cast_removal_date": D - dt.timedelta(20),
                 "healing_confirmed_date": D - dt.timedelta(5), "cast_holds": "forearm_and_wrist"},
    "tendinitis": {"tendon_area": "thumb_side_wrist", "affected_side": "right", "onset_date": D - dt.timedelta(90),
                   "acute_over_date": D - dt.timedelta(60)},
    "arthritis": {"arthritis_type": "osteoarthritis", "affected_side": "both", "joints": "finger joints",
                  "flare_settled_date": D - dt.timedelta(30)},
    "bruise": {"injury_date": D - dt.timedelta(20), "bruise_area": "forearm", "affected_side": "left",
               "vessel_or_muscle_damage": "no", "swelling_pain_gone_date": D - dt.timedelta(10)},
}


def cases() -> list[Any]:
    """(protocol, facts) for every value of every fact that places the protocol's own injury."""
    out = []
    for pid, protocol in sorted(LIBRARY.protocols.items()):
        injury = protocol.injury
        sources = [*(injury.at if injury else ()), *(injury.held if injury else ())]
        choices = [[(s.fact, value) for value, _ in s.regions] for s in sources] or [[]]
        for combo in itertools.product(*choices):
            facts = {**BASE[pid], **dict(combo)}
            if facts.get("bone") == "finger_phalanx" and "broken_finger" not in facts:
                continue
            out.append(pytest.param(pid, facts, id=f"{pid}-" + "-".join(v for _, v in combo)))
    return out


def own_findings(pid: str, facts: dict[str, Any]) -> dict[str, Answer]:
    """The generic finding for the protocol's own injury, marked where the facts put it."""
    protocol = LIBRARY.protocol(pid)
    if protocol.injury is None or not protocol.injury.owns:
        return {}
    regions = []
    for source in protocol.injury.at:
        regions += [r for value, rs in source.regions if value == facts.get(source.fact) for r in rs]
    asked = {r.id for g in questions_for(RULES, pid) for r in g.questions}
    return {rid: Answer("yes", regions=tuple(dict.fromkeys(regions)), side=facts["affected_side"])
            for rid in protocol.injury.owns if rid in asked and regions}


@pytest.mark.parametrize(("pid", "facts"), cases())
def test_every_stage_keeps_a_safe_item_under_its_own_injury(pid, facts):
    answers = {r.id: Answer("no") for g in questions_for(RULES, pid) for r in g.questions}
    answers.update(own_findings(pid, facts))
    result = screen(answers, facts, RULES, D, condition=pid)
    assert result.decision in ("clear", "local", "caution"), (result.decision, result.findings)
    draft = generate_plan(LIBRARY.protocol(pid), facts, result, D, library=LIBRARY)
    for stage in draft.stages:
        kept = [*stage.clinic, *stage.home]
        assert kept, f"{pid} stage {stage.id} is empty: {[r.reason for r in stage.removed]}"
        assert any(item.item_kind in SAFE_KINDS for item in kept), f"{pid} stage {stage.id} has no safe item"
