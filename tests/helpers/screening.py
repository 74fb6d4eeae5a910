"""Screening through the web: the form a therapist sends, its address, the rows it leaves."""

from __future__ import annotations

from sqlalchemy import select

from clinic.domain.screening_rules import questions_for
from clinic.extensions import db
from clinic.models import Screening

BRUISE_FACTS = {"fact_injury_date": "2026-02-20", "fact_bruise_area": "wrist", "fact_affected_side": "left",
                "fact_vessel_or_muscle_damage": "no"}


def question_ids(app, condition=None) -> list[str]:
    rules = app.extensions["clinic.screening_rules"]
    return [q.id for g in questions_for(rules, condition) for q in g.questions]


def form_data(app, condition=None, answers=None, facts=None, **extra) -> dict:
    """Every question answered "no", the given answers and facts on top; the pre-fill box ticked."""
    data = {f"q_{rule_id}": "no" for rule_id in question_ids(app, condition)}
    data.update({f"q_{k}": v for k, v in (answers or {}).items()})
    data.update(facts if facts is not None else (BRUISE_FACTS if condition == "bruise" else {}))
    data.update({"confirm_prefilled": "y", "submit": "Screen"})
    data.update(extra)
    return data


def screen_url(pid, condition=None) -> str:
    return f"/patients/{pid}/screen?condition={condition or 'general'}"


def screenings(app) -> list[Screening]:
    with app.app_context():
        rows = db.session.scalars(select(Screening).order_by(Screening.id)).all()
        db.session.expunge_all()
        return rows


def override_data(**kw) -> dict:
    data = {"rule_ids": "fever", "reason": "Temperature 37.6 after a hot bath; rechecked 36.8 now."}
    data.update(kw)
    return data
