"""The plan engine with the shipped protocols and rules: real screenings and plans for unit tests.

Every screening here comes from the real ``screen()`` with the shipped rules, and every protocol from the shipped
files, so no test built on these can pass on a stub."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from clinic.domain.planning import Override, PlanDraft, generate_plan
from clinic.domain.protocols import illustration_ids_in, load_library
from clinic.domain.screening import Answer, ScreeningResult, screen
from clinic.domain.screening_rules import load_rules, questions_for

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = load_library([ROOT / "protocols"], illustration_ids_in(ROOT / "clinic" / "static" / "illustrations"))
RULES = load_rules(ROOT / "protocols" / "contraindications.yaml", LIBRARY.case_facts())
PROTOCOLS = ("arthritis", "bruise", "fracture", "stroke", "tendinitis")
DAY = dt.date(2026, 3, 20)
D = dt.date


# Realistic, complete case facts for each protocol on DAY; every screening gate has passed.
GOOD_FACTS: dict[str, dict[str, Any]] = {
    "stroke": {
        "stroke_date": D(2026, 3, 1),
        "stroke_type": "ischaemic",
        "affected_side": "left",
        "medically_stable_date": D(2026, 3, 5),
        "cleared_by": "Dr Ray, stroke unit",
    },
    "fracture": {
        "fracture_date": D(2026, 2, 1),
        "bone": "distal_radius",
        "affected_side": "right",
        "treatment": "cast_or_splint",
        "cast_removal_date": D(2026, 3, 15),
    },
    "tendinitis": {
        "tendon_area": "thumb_side_wrist",
        "affected_side": "right",
        "onset_date": D(2026, 2, 20),
        "acute_over_date": D(2026, 3, 10),
    },
    "arthritis": {
        "arthritis_type": "osteoarthritis",
        "affected_side": "both",
        "joints": "thumb bases and finger middle joints",
        "flare_settled_date": D(2026, 3, 1),
    },
    "bruise": {
        "injury_date": D(2026, 3, 14),
        "bruise_area": "hand",
        "affected_side": "left",
        "vessel_or_muscle_damage": "no",
        "swelling_pain_gone_date": D(2026, 3, 18),
    },
}


QUESTIONS = {c: tuple(r for g in questions_for(RULES, c) for r in g.questions) for c in PROTOCOLS}


def answers_for(condition: str, **special: Answer) -> dict[str, Answer]:
    """'no' to every question of this condition, except the ones given."""
    answers = {rule.id: Answer("no") for rule in QUESTIONS[condition]}
    answers.update(special)
    return answers


def yes(*regions: str, side: str | None = None) -> Answer:
    return Answer("yes", regions=tuple(regions), side=side)


def screened(
    condition: str, facts: dict[str, Any] | None = None, on: dt.date = DAY, **special: Answer
) -> ScreeningResult:
    """The real screening of the shipped rules for this condition."""
    facts = GOOD_FACTS[condition] if facts is None else facts
    return screen(answers_for(condition, **special), facts, RULES, on, condition=condition)


class _EveryCriterion:
    """Every entry criterion of every stage confirmed: the stage is then chosen by its date alone. For tests
    about a stage's content; tests of how stages begin pass ``confirmed`` themselves (C02)."""

    def __contains__(self, item: object) -> bool:
        return True

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


EVERY_CRITERION = _EveryCriterion()


def plan(
    condition: str,
    facts: dict[str, Any] | None = None,
    on: dt.date = DAY,
    screening: ScreeningResult | None = None,
    **kw: Any,
) -> PlanDraft:
    facts = GOOD_FACTS[condition] if facts is None else facts
    result = screening if screening is not None else screened(condition, facts, on)
    kw.setdefault("confirmed", EVERY_CRITERION)
    return generate_plan(LIBRARY.protocol(condition), facts, result, on, library=LIBRARY, **kw)


def override_for(result: ScreeningResult, on: dt.date | None = None) -> Override:
    """A valid override naming every absolute finding."""
    names = " and ".join(f.rule_id for f in result.findings if f.category == "absolute") or "defer"
    return Override(
        by="Sam Lee",
        role="therapist",
        reason=f"Treating despite {names}: discussed with the patient's GP by phone today.",
        recorded_on=on or result.on_date,
    )
