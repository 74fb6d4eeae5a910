"""Screening verbs: take the session, flush, never commit. The validity rule lives in ``screening_status``."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import Select, bindparam, literal_column, select, union_all
from sqlalchemy.orm import Session, defer

from clinic import audit, localtime, staff
from clinic.clock import today as clinic_today
from clinic.clock import zone_name
from clinic.domain import planning
from clinic.domain.headline import Headline
from clinic.domain.headline import headline as headline_of
from clinic.domain.screening import Answer, ScreeningResult, screen
from clinic.domain.screening_json import result_from_json, result_to_json
from clinic.domain.screening_rules import REGION_WORDS, RuleSet
from clinic.domain.wording import format_day
from clinic.library import library, screening_rules
from clinic.models import Clearance, Clinic, LoginSession, Patient, Plan, Role, Screening, ScreeningOverride, User
from clinic.patients import operations as patient_ops
from clinic.patients.registry import TimelineEntry, Window, newest_first, timeline_source
from clinic.screening.findings import (
    clearance_problem,
    clearances_of,
    findings_of,
    open_findings,
    override_problem,
    overrides_of,
)
from clinic.staff import FORMER_STAFF


def _zone(db: Session, clinic_id: int) -> str | None:
    clinic = db.get(Clinic, clinic_id)
    return clinic.time_zone if clinic is not None else None


def _clinic_day(db: Session, screening: Screening, moment: dt.datetime) -> dt.date:
    """The screened patient's clinic's date at ``moment`` (WF-02)."""
    patient = db.get(Patient, screening.patient_id)
    return localtime.local_date(moment, _zone(db, patient.clinic_id))


class ScreeningRefused(ValueError):
    """An override or clearance that the rules do not allow; the message says why."""


# ------------------------------------------------------------------------------------------ values


def answers_to_json(answers: Mapping[str, Answer]) -> dict[str, Any]:
    """Answers as stored (the format ``answers_from_json`` reads)."""
    out: dict[str, Any] = {}
    for rule_id in sorted(answers):
        a = answers[rule_id]
        item: dict[str, Any] = {"answer": a.value}
        if a.detail:
            item["detail"] = a.detail
        if a.regions:
            item["regions"] = list(a.regions)
        if a.side:
            item["side"] = a.side
        out[rule_id] = item
    return out


def facts_to_json(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Case facts as stored: dates as ISO text (the format ``facts_from_json`` reads)."""
    out: dict[str, Any] = {}
    for name in sorted(facts):
        value = facts[name]
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


# ------------------------------------------------------------------------------------------ screen


def record_screening(
    db: Session,
    patient: Patient,
    *,
    answers: Mapping[str, Answer],
    facts: Mapping[str, Any],
    condition: str | None,
    rules: RuleSet,
    user: User | None,
    now: dt.datetime,
    valid_days: int,
) -> tuple[Screening, ScreeningResult]:
    """Screen ``patient`` today with the engine and store answers, facts, result and rules version (the web
    form calls :func:`screen_patient`, which first writes answers that differ from the record into it, and
    audits)."""
    if condition is not None and condition not in rules.conditions:
        raise ValueError(f"unknown condition {condition!r}")
    on_date = localtime.local_date(now, _zone(db, patient.clinic_id))
    result = screen(answers, facts, rules, on_date, condition=condition)
    screening = Screening(
        patient_id=patient.id,
        condition=condition,
        answers=answers_to_json(answers),
        facts=facts_to_json(facts),
        result=result_to_json(result),
        decision=result.decision,
        rules_version=result.rules_version,
        screened_by=user.email if user else "",
        screened_by_id=user.id if user else None,
        screened_at=now,
        on_date=on_date,
        valid_until=on_date + dt.timedelta(days=valid_days),
    )
    db.add(screening)
    db.flush()
    return screening, result


def screen_patient(db: Session, patient: Patient, *, answers: Mapping[str, Answer], facts: Mapping[str, Any],
                   condition: str | None, rules: RuleSet, user: User, now: dt.datetime, valid_days: int) -> Screening:
    """The screening form: what the patient says today corrects their history (the old value kept, audited as
    ``patient_update``), then the screening is recorded (:func:`record_screening`) and audited as ``screen``."""
    changed = update_history_from_answers(db, patient, answers, rules, user=user, now=now)
    if changed:
        audit.record(db, "patient_update", user=user, patient_ref=patient.id,
                     detail="fields: " + ", ".join(changed) + "; from screening")
    screening, _result = record_screening(db, patient, answers=answers, facts=facts, condition=condition,
                                          rules=rules, user=user, now=now, valid_days=valid_days)
    audit.record(db, "screen", user=user, patient_ref=patient.id,
                 detail=f"screening {screening.id}; {condition or 'general'}; decision {screening.decision}; "
                        f"rules v{screening.rules_version}")
    return screening


def update_history_from_answers(
    db: Session, patient: Patient, answers: Mapping[str, Answer], rules: RuleSet, *, user: User | None,
    now: dt.datetime,
) -> list[str]:
    """Write into the patient's history each definite answer (yes or no) of a question that reads the record
    and differs from it; "Not known" never erases what the record knows. The changed field names."""
    record = patient_ops.facts_for_screening(patient)
    changes: dict[str, str] = {}
    for rule in rules.rules:
        answer = answers.get(rule.id)
        if rule.record_field is None or answer is None or answer.value not in ("yes", "no"):
            continue
        if record.get(rule.record_field) != answer.value:
            changes[f"history_facts.{rule.record_field}"] = answer.value
    if not changes:
        return []
    return patient_ops.update_patient(db, patient, changes, expected_version=patient.version, user=user, now=now)


# --------------------------------------------------------------------------------------- validity


@dataclass(frozen=True)
class ScreeningStatus:
    """Whether a screening may still be relied on; ``reason`` says why not."""

    state: str  # "valid" or "stale"
    reason: str = ""

    @property
    def valid(self) -> bool:
        """True when the screening is still valid."""
        return self.state == "valid"


def made_with_earlier_rules(screening: Screening) -> int | None:
    """The current rules version when ``screening`` was made with an earlier one (it did not ask what was added
    since), else None."""

    current = screening_rules().version
    return current if screening.rules_version < current else None


def screening_status(screening: Screening, patient: Patient, today: dt.date) -> ScreeningStatus:
    """The one validity rule: valid until ``valid_until``; stale earlier when the patient's history or
    medication changed after the screening, or when it was made with earlier rules (plans and handouts use
    this too)."""
    current = made_with_earlier_rules(screening)
    if current is not None:
        return ScreeningStatus("stale", "it was made with the earlier screening rules")
    if patient.clinical_changed_at > screening.screened_at:
        day = localtime.format_day(patient.clinical_changed_at, zone_name())  # a time: the clinic's day of it
        return ScreeningStatus("stale", f"the history or medication changed on {day} after this screening")
    if today > screening.valid_until:
        day = screening.valid_until
        return ScreeningStatus("stale", f"it expired after {format_day(day)}")
    return ScreeningStatus("valid")


# ---------------------------------------------------------------------------------------- queries


def screenings_of(db: Session, patient: Patient) -> list[Screening]:
    """The patient's screenings, newest first."""
    return list(db.scalars(select(Screening).where(Screening.patient_id == patient.id)
                           .order_by(Screening.screened_at.desc(), Screening.id.desc())))


# What a summary of a screening (the patient page's card, a timeline line) reads: not the answers or facts.
WITHOUT_ANSWERS = (defer(Screening.answers), defer(Screening.facts))


_LATEST_SCREENING = (select(Screening).options(*WITHOUT_ANSWERS).where(Screening.patient_id == bindparam("patient_id"))
                     .order_by(Screening.screened_at.desc(), Screening.id.desc()).limit(1))


def latest_screening(db: Session, patient: Patient) -> Screening | None:
    """The patient's newest screening, or None (its answers and facts are read only if asked for)."""
    return db.scalars(_LATEST_SCREENING, {"patient_id": patient.id}).first()


def plan_offer(db: Session, screening: Screening, patient: Patient, user: User, today: dt.date) -> str | None:
    """What the result page offers a therapist: "new" (make the plan) or "again" (make the open plan again from
    this screening), when this is the newest valid screening for a condition with a protocol and it allows
    treatment; else None."""
    if screening.condition is None or screening.condition not in library().protocols:
        return None
    if not user.has_role(Role.THERAPIST) or patient.status == "restricted":
        return None
    newest = db.scalars(select(Screening.id).where(Screening.patient_id == patient.id,
                                                   Screening.condition == screening.condition)
                        .order_by(Screening.screened_at.desc(), Screening.id.desc()).limit(1)).first()
    if newest != screening.id or not screening_status(screening, patient, today).valid:
        return None
    if not headline_of_screening(db, screening).allows_treatment:
        return None
    has_plan = db.scalars(select(Plan.id).where(Plan.patient_id == patient.id,
                                                Plan.protocol_id == screening.condition).limit(1)).first()
    return "again" if has_plan else "new"


def staff_names(db: Session, user_ids: Iterable[int | None]) -> dict[int | None, str]:
    """Full names of staff by id, for pages people read (never the login e-mail)."""
    return staff.names_by_id(db, user_ids)


def staff_name(db: Session, user_id: int | None) -> str:
    """One staff member's full name, or 'a former member of staff'."""
    return staff.names_by_id(db, [user_id]).get(user_id, FORMER_STAFF)


# --------------------------------------------------------------------------------- override (CS-02)


def login_is_fresh(login: LoginSession | None, now: dt.datetime, minutes: int) -> bool:
    """True when the user typed their password within the last ``minutes``."""
    return login is not None and now - login.authenticated_at <= dt.timedelta(minutes=minutes)


def record_override(
    db: Session,
    screening: Screening,
    *,
    rule_ids: Iterable[str],
    reason: str,
    user: User,
    login: LoginSession | None,
    now: dt.datetime,
    fresh_minutes: int,
) -> ScreeningOverride:
    """Record, and audit, that a therapist treats despite the named absolute findings. Refused
    (ScreeningRefused) without the therapist role, a fresh login, a reason of 20 characters or a named defer
    finding."""
    if user is None or not user.has_role(Role.THERAPIST):
        raise ScreeningRefused("Only a therapist can override a contraindication.")
    if login is None or login.user_id != user.id or not login_is_fresh(login, now, fresh_minutes):
        raise ScreeningRefused("Confirm your password first: overriding needs a fresh login.")
    reason = (reason or "").strip()
    chosen = list(dict.fromkeys(rule_ids))
    problem = override_problem(db, screening, chosen, reason)
    if problem:
        raise ScreeningRefused(problem)
    override = ScreeningOverride(
        patient_id=screening.patient_id, screening_id=screening.id, rule_ids=",".join(chosen), reason=reason,
        by=user.email, by_id=user.id, at=now,
    )
    db.add(override)
    db.flush()
    audit.record(db, "override", user=user, patient_ref=screening.patient_id,
                 detail=f"screening {screening.id}; overrides {override.rule_ids}")
    return override


# --------------------------------------------------------------------------------------- clearance


def record_clearance(
    db: Session,
    screening: Screening,
    *,
    rule_id: str,
    cleared_by: str,
    cleared_on: dt.date,
    note: str,
    user: User,
    now: dt.datetime,
) -> Clearance:
    """Record, and audit, a doctor's clearance of one refer finding (the patient is then screened again)."""
    problem = clearance_problem(db, screening, rule_id=rule_id, cleared_by=cleared_by, cleared_on=cleared_on,
                                note=note, today=_clinic_day(db, screening, now))
    if problem:
        raise ScreeningRefused(problem)
    clearance = Clearance(
        patient_id=screening.patient_id, screening_id=screening.id, rule_id=rule_id, cleared_by=cleared_by.strip(),
        cleared_on=cleared_on, note=(note or "").strip(), recorded_by=user.email, recorded_by_id=user.id,
        recorded_at=now,
    )
    db.add(clearance)
    db.flush()
    audit.record(db, "clearance", user=user, patient_ref=screening.patient_id,
                 detail=f"screening {screening.id}; cleared {rule_id}")
    return clearance


# ------------------------------------------------------------------------------- for the plan engine


def planning_inputs(db: Session, screening: Screening) -> tuple[Any, Any]:
    """(Override, Clearance) of ``clinic.domain.planning`` for this screening, or None each while any absolute
    finding is not overridden or any refer finding not cleared. The override reason starts with the words of
    the overridden contraindications, as the plan engine asks (CS-02)."""
    still = open_findings(db, screening)
    override = clearance = None
    records = overrides_of(db, screening)
    if records and not still["defer"]:
        names = {f["rule_id"]: f.get("name") or f["rule_id"].replace("_", " ")
                 for f in findings_of(screening, "absolute")}
        chosen = tuple(dict.fromkeys(r for o in records for r in o.rules))
        last = records[-1]
        override = planning.Override(
            by=staff_name(db, last.by_id), role=Role.THERAPIST.value, recorded_on=_clinic_day(db, screening, last.at),
            reason=" / ".join(o.reason for o in records), rule_ids=chosen,
            names=tuple(names.get(r, r.replace("_", " ")) for r in chosen))
    cleared = clearances_of(db, screening)
    if cleared and not still["refer"]:
        clearance = planning.Clearance(
            by="; ".join(dict.fromkeys(c.cleared_by for c in cleared)), cleared_on=max(c.cleared_on for c in cleared),
            note=" / ".join(c.note for c in cleared))
    return override, clearance


# ---------------------------------------------------------------------------------------- timeline


def condition_title(condition: str | None) -> str:
    """'general' or the protocol's own title, from the loaded library (nothing here lists the conditions)."""
    if condition is None:
        return "general"
    return library().title_of(condition, "a condition no longer in the library")


@functools.cache
def _timeline_queries(before: bool) -> tuple[Select, Select, Select]:
    """The screening timeline's queries, built once (``newest_first``); a screening without its answers and facts."""
    return (newest_first(select(Screening).options(*WITHOUT_ANSWERS)
                         .where(Screening.patient_id == bindparam("patient_id")), Screening.screened_at, before=before),
            newest_first(select(ScreeningOverride).where(ScreeningOverride.patient_id == bindparam("patient_id")),
                         ScreeningOverride.at, before=before),
            newest_first(select(Clearance).where(Clearance.patient_id == bindparam("patient_id")),
                         Clearance.recorded_at, before=before))


@timeline_source
def _screening_timeline(db: Session, patient: Patient, window: Window) -> Iterable[TimelineEntry]:
    """Each screening (decision in words, valid or stale), override and clearance (the window's newest)."""
    if not window.clinical:
        return
    today = clinic_today(db.get(Clinic, patient.clinic_id))

    params = window.params(patient.id)
    screenings, overrides, clearances = (list(db.scalars(query, params))
                                         for query in _timeline_queries(window.before is not None))
    by_id = {s.id: s for s in screenings}
    # An override or clearance in the window may belong to an older screening: named from it all the same.
    older = ({o.screening_id for o in overrides} | {c.screening_id for c in clearances}) - by_id.keys()
    named = by_id | ({s.id: s for s in db.scalars(select(Screening).where(Screening.id.in_(older)))} if older else {})
    names: dict[int | None, str] = {None: FORMER_STAFF, **window.people(db, patient.clinic_id).by_id}
    elsewhere = {*(s.screened_by_id for s in screenings), *(o.by_id for o in overrides),
                 *(c.recorded_by_id for c in clearances)} - names.keys()
    if elsewhere:  # not (or no longer) of this clinic's staff
        names |= staff_names(db, elsewhere)
    # From the first page, fewer than a window of overrides (clearances) are all the patient has: no query more.
    every = window.before is None
    heads = headlines_of_screenings(db, screenings,
                                    overrides=overrides if every and len(overrides) < window.limit else None,
                                    clearances=clearances if every and len(clearances) < window.limit else None)
    for s in screenings:
        status = screening_status(s, patient, today)
        head = heads[s.id]
        if not head.allows_treatment:
            state = "does not allow treatment"
        elif status.valid:
            state = f"valid until {format_day(s.valid_until)}"
        else:
            state = f"stale: {status.reason}"
        yield TimelineEntry(
            at=s.screened_at, title=f"Screening ({condition_title(s.condition)}): {headline_words(s, head)}",
            detail=f"by {names.get(s.screened_by_id, FORMER_STAFF)} · {state}", kind="screening",
            url=url_for("screening.result", screening_id=s.id),
        )
    for o in overrides:
        screening = named.get(o.screening_id)
        words = finding_labels(screening, o.rules) if screening is not None else "a contraindication"
        yield TimelineEntry(
            at=o.at, title="Contraindication overridden",
            detail=f"{words} · by {names.get(o.by_id, FORMER_STAFF)}",
            kind="override", url=url_for("screening.result", screening_id=o.screening_id)
            if o.screening_id in named else None,
        )
    for c in clearances:
        screening = named.get(c.screening_id)
        words = finding_labels(screening, [c.rule_id]) if screening is not None else "a referral"
        yield TimelineEntry(
            at=c.recorded_at, title="Doctor's clearance recorded",
            detail=f"{words} · cleared by {c.cleared_by} on {format_day(c.cleared_on)}",
            kind="clearance", url=url_for("screening.result", screening_id=c.screening_id),
        )


def finding_label(screening: Screening, rule_id: str) -> str:
    """A finding of a stored screening in plain words ('A raised temperature'), never its id."""
    for f in screening.result.get("findings", []):
        if f["rule_id"] == rule_id and f.get("name"):
            return f["name"][:1].upper() + f["name"][1:]
    return rule_id.replace("_", " ").capitalize()


def finding_labels(screening: Screening, rule_ids: Iterable[str]) -> str:
    """Several findings in plain words, joined."""
    return "; ".join(finding_label(screening, r) for r in rule_ids)


def where_words(finding: Mapping[str, Any]) -> str:
    """'left wrist and back of the left hand' for a finding's side and regions (therapist wording)."""
    side = {"left": "left", "right": "right", "both": "left and right"}.get(finding.get("side") or "", "")
    parts = []
    for region in finding.get("regions") or []:
        if region == "back_of_hand":
            parts.append(f"back of the {side} hand" if side else "back of the hand")
        elif region == "neck_shoulder":
            parts.append(f"neck and {side} shoulder" if side else "neck and shoulder")
        else:
            parts.append(f"{side} {REGION_WORDS.get(region, region)}".strip())
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def headline_of_screening(db: Session, screening: Screening) -> Headline:
    """The strongest blocker of a stored screening, once its overrides and clearances are set aside."""
    return headlines_of_screenings(db, [screening])[screening.id]


_OVERRIDDEN_AND_CLEARED = union_all(
    select(literal_column("'override'"), ScreeningOverride.screening_id, ScreeningOverride.rule_ids)
    .where(ScreeningOverride.screening_id.in_(bindparam("ids", expanding=True))),
    select(literal_column("'clearance'"), Clearance.screening_id, Clearance.rule_id)
    .where(Clearance.screening_id.in_(bindparam("ids", expanding=True))))


def headlines_of_screenings(db: Session, screenings: Iterable[Screening], *,
                            overrides: Iterable[ScreeningOverride] | None = None,
                            clearances: Iterable[Clearance] | None = None) -> dict[int, Headline]:
    """screening id -> :func:`headline_of_screening`, for many screenings in one query, none when the caller gives
    every override and clearance of these screenings (it may give more: the timeline's window)."""
    screenings = list(screenings)
    ids = [s.id for s in screenings]
    overridden: dict[int, set[str]] = {i: set() for i in ids}
    cleared: dict[int, set[str]] = {i: set() for i in ids}
    if ids and (overrides is None or clearances is None):  # both kinds in one query
        for kind, screening_id, rule_ids in db.execute(_OVERRIDDEN_AND_CLEARED, {"ids": ids}):
            (overridden if kind == "override" else cleared)[screening_id].update(r for r in rule_ids.split(",") if r)
    for override in overrides or ():
        overridden.get(override.screening_id, set()).update(override.rules)
    for clearance in clearances or ():
        cleared.get(clearance.screening_id, set()).add(clearance.rule_id)
    return {s.id: headline_of(result_from_json(s.result), overridden[s.id], cleared[s.id]) for s in screenings}


def headline_words(screening: Screening, head: Headline) -> str:
    """The headline in capitals: the date for a wait, the areas to avoid for a local result."""
    if head.key == "wait" and head.start is not None:
        return f"{head.words} {format_day(head.start)}".upper()
    if head.key == "local":
        places = [where_words(f) for f in findings_of(screening, "local")]
        places = [p for p in dict.fromkeys(places) if p]
        return f"{head.words} THE {'; '.join(places).upper()}" if places else f"{head.words} THE MARKED AREAS"
    return head.words


def headline(db: Session, screening: Screening) -> str:
    """The headline of a stored screening in capitals (patient page, history)."""
    return headline_words(screening, headline_of_screening(db, screening))
