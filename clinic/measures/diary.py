"""The printed exercise diary brought back at a visit (OUT-06): which days and exercises the form shows, its form
(laid out like the sheet: days across, exercises down, pain before and after), storing the days, and reading them
back as adherence and the 24-hour pain response. Operations flush, never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from clinic import localtime
from clinic.domain import diary as domain
from clinic.domain.progress import current_stage
from clinic.forms import ClinicForm
from clinic.models import DiaryEntry, HandoutPrint, Patient, Plan, PlanRevision, User
from clinic.plans import operations as plan_ops
from clinic.plans.decoded import read_plan


@dataclass(frozen=True)
class SheetExercise:
    """An exercise row of the sheet: its key in the stored ticks, its name, the boxes a day."""

    ref: str
    name: str
    boxes: int


@dataclass(frozen=True)
class Sheet:
    """What the diary form shows: the revision the sheet came with, its exercises, the days still to fill in."""

    revision: PlanRevision
    exercises: tuple[SheetExercise, ...]
    days: tuple[dt.date, ...]
    captured: tuple[DiaryEntry, ...]


def entries_of(db: Session, plan: Plan) -> list[DiaryEntry]:
    """The plan's diary days, oldest first."""
    return list(db.scalars(_ENTRIES_OF, {"plan_id": plan.id}))


_ENTRIES_OF = select(DiaryEntry).where(DiaryEntry.plan_id == bindparam("plan_id")).order_by(DiaryEntry.day)


def sheet_for(db: Session, plan: Plan, patient: Patient, today: dt.date) -> Sheet | None:
    """The sheet of the plan's latest approved revision: its current stage's home exercises, and the days from the
    last handout print (or the approval) to today, at most 28, less the days already brought back. None when the
    plan has no approved revision."""
    revision = plan_ops.latest_revision(db, plan)
    if revision is None:
        return None
    draft = read_plan(revision.canonical)
    stage = current_stage(draft)
    exercises = tuple(SheetExercise(e.ref or e.title, e.title, domain.boxes(e.dose.times_per_day))
                      for e in (stage.home if stage else ()))
    zone = plan_ops.clinic_of(db, patient).time_zone
    printed = db.scalars(select(HandoutPrint.at).where(HandoutPrint.revision_id == revision.id,
                                                       HandoutPrint.kind == "handout")
                         .order_by(HandoutPrint.at.desc())).first()
    first = localtime.local_date(printed or revision.approved_at, zone)
    first = max(first, today - dt.timedelta(days=domain.MAX_DIARY_DAYS - 1))
    captured = tuple(entries_of(db, plan))
    taken = {e.day for e in captured}
    days = tuple(d for d in (first + dt.timedelta(days=i) for i in range((today - first).days + 1)) if d not in taken)
    return Sheet(revision, exercises, days, captured)


# ------------------------------------------------------------------------------------------- form


def tick_name(day_index: int, exercise_index: int) -> str:
    """Field name of one cell: ticks of exercise ``exercise_index`` on day ``day_index``."""
    return f"d{day_index}_e{exercise_index}"


def pain_name(day_index: int, which: str) -> str:
    """Field name of a day's pain before or after."""
    return f"d{day_index}_{which}"


class DiaryFormBase(ClinicForm):
    """The sheet's cells; fields are added by ``diary_form_class``."""

    sheet: Sheet

    def days(self) -> list[domain.DiaryDay]:
        """The days with anything written (a blank day is a day the sheet does not cover)."""
        out = []
        for i, day in enumerate(self.sheet.days):
            ticks = [self[tick_name(i, j)].data for j in range(len(self.sheet.exercises))]
            before, after = self[pain_name(i, "before")].data, self[pain_name(i, "after")].data
            if all(v is None for v in (*ticks, before, after)):
                continue
            out.append(domain.DiaryDay(day, {e.ref: (t or 0, e.boxes) for e, t in zip(self.sheet.exercises, ticks,
                                                                                       strict=True)},
                                       before, after))
        return out

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.days():
            first = self[tick_name(0, 0)] if self.sheet.exercises else self[pain_name(0, "before")]
            first.errors = [*first.errors, "Nothing was filled in. Copy at least one day from the diary."]
            valid = False
        return valid


def diary_form_class(sheet: Sheet) -> type[DiaryFormBase]:
    """The diary form of this sheet."""
    attrs: dict[str, Any] = {"sheet": sheet}
    for i, day in enumerate(sheet.days):
        words = f"{day.day} {day:%b}"
        for j, exercise in enumerate(sheet.exercises):
            attrs[tick_name(i, j)] = IntegerField(
                f"{exercise.name}, {words}: times done (of {exercise.boxes})", validators=[
                    Optional(), NumberRange(min=0, max=exercise.boxes, message=f"0 to {exercise.boxes}.")])
        for which in ("before", "after"):
            attrs[pain_name(i, which)] = IntegerField(f"Pain {which}, {words} (0 to 10)", validators=[
                Optional(), NumberRange(min=0, max=10, message="0 to 10.")])
    return type("DiaryForm", (DiaryFormBase,), attrs)


# ----------------------------------------------------------------------------------------- store


def record_days(db: Session, plan: Plan, sheet: Sheet, days: list[domain.DiaryDay], *, user: User,
                now: dt.datetime) -> list[DiaryEntry]:
    """Store the diary days brought back (a day already stored is refused by the unique key)."""
    rows = [DiaryEntry(plan_id=plan.id, patient_id=plan.patient_id, revision_id=sheet.revision.id, day=d.day,
                       ticks={ref: list(v) for ref, v in d.ticks.items()}, pain_before=d.pain_before,
                       pain_after=d.pain_after, recorded_by=user.email, recorded_at=now) for d in days]
    db.add_all(rows)
    db.flush()
    return rows


def as_days(entries: list[DiaryEntry]) -> list[domain.DiaryDay]:
    """Stored rows as domain days."""
    return [domain.DiaryDay(e.day, {ref: (v[0], v[1]) for ref, v in e.ticks.items()}, e.pain_before, e.pain_after)
            for e in entries]


@dataclass(frozen=True)
class DiarySummary:
    """What the plan page and chart show: adherence per exercise (by name) and overall, and the pain response."""

    adherence: domain.Adherence
    names: dict[str, str]
    pain: domain.PainResponse
    first: dt.date
    last: dt.date


def pain_check(db: Session, plan: Plan, library: Any) -> tuple[Any, DiarySummary | None] | None:
    """(the protocol's pain rule, the diary read against it or None) when the plan's protocol uses a pain rule;
    None when it does not (OUT-06: the 24-hour pain response feeds the stage-move check)."""
    rule = getattr(library.protocols.get(plan.protocol_id), "pain_rule", None)
    if rule is None:
        return None
    return rule, summary(db, plan, limit=rule.after_max)


def pain_rule_broken(db: Session, plan: Plan, library: Any) -> bool:
    """True when the diary shows the protocol's pain rule was not kept (pain after exercising above the limit,
    or worse the next morning): a stage move then needs the therapist to say she has seen it."""
    check = pain_check(db, plan, library)
    return check is not None and check[1] is not None and not check[1].pain.keeps_the_rule


def summary(db: Session, plan: Plan, limit: int = 5) -> DiarySummary | None:
    """The plan's diary read back; None before any day was brought back."""
    entries = entries_of(db, plan)
    if not entries:
        return None
    names: dict[str, str] = {}
    for revision in plan_ops.revisions_of(db, plan):
        for stage in read_plan(revision.canonical).stages:
            for e in stage.home:
                names.setdefault(e.ref or e.title, e.title)
    days = as_days(entries)
    return DiarySummary(domain.adherence(days), names, domain.pain_response(days, limit), entries[0].day,
                        entries[-1].day)
