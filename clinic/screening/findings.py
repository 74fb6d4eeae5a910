"""What a screening's findings still block, and whether the rules let an override or a clearance be recorded on
it: the pages (through clinic/screening/operations.py) and the patient import (clinic/screening/import_checks.py)
ask the same questions here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic.models import Clearance, Screening, ScreeningOverride

OVERRIDE_MIN_REASON = 20


# Why an urgent refer can be neither overridden nor cleared, in the words the pages show.
URGENT_NO_OVERRIDE = ("This screening found a possible emergency: it can never be overridden. Send the patient to A&E "
                      "or their doctor today.")
URGENT_NO_CLEARANCE = ("This screening found a possible emergency: send the patient to A&E or their doctor today, "
                       "then screen again.")


def overrides_of(db: Session, screening: Screening) -> list[ScreeningOverride]:
    """Overrides recorded on ``screening``, oldest first."""
    return list(db.scalars(select(ScreeningOverride).where(ScreeningOverride.screening_id == screening.id)
                           .order_by(ScreeningOverride.at, ScreeningOverride.id)))


def clearances_of(db: Session, screening: Screening) -> list[Clearance]:
    """Clearances recorded on ``screening``, oldest first."""
    return list(db.scalars(select(Clearance).where(Clearance.screening_id == screening.id)
                           .order_by(Clearance.recorded_at, Clearance.id)))


def findings_of(screening: Screening, category: str) -> list[dict[str, Any]]:
    """The stored findings of one category (``absolute`` for defer, ``refer``...)."""
    return [f for f in screening.result.get("findings", []) if f["category"] == category]


def open_findings(db: Session, screening: Screening) -> dict[str, list[str]]:
    """Rule ids still blocking a plan: absolute ones not overridden, refer ones not cleared."""
    overridden = {r for o in overrides_of(db, screening) for r in o.rules}
    cleared = {c.rule_id for c in clearances_of(db, screening)}
    return {
        "defer": [f["rule_id"] for f in findings_of(screening, "absolute") if f["rule_id"] not in overridden],
        "refer": [f["rule_id"] for f in findings_of(screening, "refer") if f["rule_id"] not in cleared],
        "urgent": [f["rule_id"] for f in findings_of(screening, "urgent_refer")],
    }


def override_problem(db: Session, screening: Screening, rule_ids: list[str], reason: str) -> str | None:
    """Why the rules do not let these absolute findings of ``screening`` be overridden with this reason (never an
    urgent refer, only open defer findings, a reason of 20 characters), or None; the page and the import ask."""
    if len(reason.strip()) < OVERRIDE_MIN_REASON:
        return f"Give a reason of at least {OVERRIDE_MIN_REASON} characters."
    if findings_of(screening, "urgent_refer"):
        return URGENT_NO_OVERRIDE
    allowed = open_findings(db, screening)["defer"]
    if screening.decision != "defer" or not allowed:
        return "This screening has no contraindication left to override."
    if not rule_ids:
        return "Name the contraindication you override."
    wrong = [r for r in rule_ids if r not in allowed]
    if wrong:
        return f"Not an absolute finding of this screening: {', '.join(wrong)}."
    return None


def clearance_problem(db: Session, screening: Screening, *, rule_id: str, cleared_by: str, cleared_on: dt.date,
                      note: str, today: dt.date) -> str | None:
    """Why the rules do not let this clearance be recorded on ``screening`` (never on an urgent refer, only an open
    refer finding, who and what required, not dated after ``today``), or None; the page and the import ask."""
    if findings_of(screening, "urgent_refer"):
        return f"{URGENT_NO_CLEARANCE} A clearance cannot be recorded on it."
    if rule_id not in open_findings(db, screening)["refer"]:
        return "Not a refer finding of this screening that is still waiting for clearance."
    if not (cleared_by or "").strip():
        return "Say who cleared the patient."
    if not (note or "").strip():
        return "Write what the doctor cleared."
    if cleared_on > today:
        return "The clearance date cannot be in the future."
    return None
