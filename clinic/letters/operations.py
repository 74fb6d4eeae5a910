"""Episodes of care and letters to the referring doctor (OUT-07). Operations flush, never commit.

An episode is opened (on demand, dated by the patient's first plan for the condition since the last discharge) and
closed by a final discharge letter with the outcome and the reason. A letter starts as a draft composed from the
record (``clinic.domain.letters``), the therapist edits it, then signs it: it is rendered to PDF once, through the
same safe renderer as the handouts, and never changes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from clinic import audit, localtime
from clinic.domain import planning
from clinic.domain.letters import LetterFacts, MeasureLine, compose
from clinic.domain.progress import current_stage
from clinic.domain.protocol_measures import target_for
from clinic.domain.protocols import Library
from clinic.domain.wording import describe_home_dose
from clinic.measures import diary as diary_ops
from clinic.measures import operations as measure_ops
from clinic.measures.kinds import KINDS, fmt
from clinic.models import Episode, Letter, Patient, Plan, User
from clinic.patients.fields import full_name
from clinic.patients.tables import LETTER_BODY_MAX
from clinic.plans import operations as plan_ops

BODY_MAX = LETTER_BODY_MAX

OUTCOMES = ("Goals met", "Goals partly met", "Goals not met", "Treatment stopped")


class LetterRefused(ValueError):
    """The letter cannot be changed or signed; ``problems`` say why."""

    def __init__(self, *problems: str):
        self.problems = problems
        super().__init__("; ".join(problems))


@event.listens_for(Letter, "before_update")
def _final_is_frozen(_mapper, _connection, target: Letter) -> None:
    history = inspect(target).attrs.status.history
    was = history.deleted[0] if history.deleted else target.status
    if was == "final":
        raise LetterRefused("A signed letter never changes; write a new letter instead.")


# ------------------------------------------------------------------------------------------ episodes


def _today(db: Session, patient: Patient, now: dt.datetime) -> dt.date:
    return plan_ops.clinic_today(db, patient, now)


def episodes_of(db: Session, patient: Patient) -> list[Episode]:
    """The patient's episodes, newest first."""
    return list(db.scalars(select(Episode).where(Episode.patient_id == patient.id).order_by(Episode.id.desc())))


def open_episode(db: Session, patient: Patient, plan: Plan, now: dt.datetime) -> Episode:
    """The open episode of the plan's condition, opened now if there is none: dated by the first plan for the
    condition since the last discharge."""
    episodes = [e for e in episodes_of(db, patient) if e.protocol_id == plan.protocol_id]
    for e in episodes:
        if e.closed_on is None:
            return e
    last_closed = max((e.closed_on for e in episodes if e.closed_on), default=None)
    zone = plan_ops.clinic_of(db, patient).time_zone
    plans = [p for p in plan_ops.plans_of(db, patient) if p.protocol_id == plan.protocol_id]
    starts = [localtime.local_date(p.created_at, zone) for p in plans]
    starts += [s.on_date for p in plans for s in plan_ops.sessions_of(db, patient, p)]  # sessions recorded late
    starts = [d for d in starts if last_closed is None or d > last_closed]
    episode = Episode(patient_id=patient.id, protocol_id=plan.protocol_id,
                      opened_on=min(starts) if starts else _today(db, patient, now))
    db.add(episode)
    db.flush()
    return episode


# ------------------------------------------------------------------------------------------- facts


def _diagnosis(plan: Plan, library: Library) -> str:
    draft = plan_ops.draft_of(plan)
    protocol = library.protocols.get(plan.protocol_id)
    words = [library.title_of(plan.protocol_id, "the condition treated")]
    for fact in draft.facts:
        spec = next((f for f in protocol.facts if f.name == fact.name), None) if protocol else None
        label = next((o.label for o in spec.options if o.value == fact.value), None) if spec else None
        if label and fact.value not in ("not_known", "no"):
            words.append(label)
    return "; ".join(words)


def _measure_lines(db: Session, patient: Patient, plan: Plan, since: dt.date, library: Library
                   ) -> tuple[MeasureLine, ...]:
    protocol = library.protocols.get(plan.protocol_id)
    facts = plan_ops.draft_of(plan).fact_values()
    by_kind: dict[str, list] = {}
    for o in measure_ops.outcomes_of(db, patient):
        if o.on_date >= since and o.score is not None and o.kind in KINDS:
            by_kind.setdefault(o.kind, []).append(o)
    lines = []
    for kind_id, rows in by_kind.items():
        kind = KINDS[kind_id]
        first, latest = rows[0], rows[-1]
        change = latest.score - first.score
        unit = kind.unit or " points"
        target = target_for(protocol.measures, kind_id, facts) if protocol else None
        if len(rows) < 2:
            verdict = "measured once so far"
        elif target is None:
            verdict = "no meaningful-change figure is set for this measure"
        else:
            threshold = target.threshold(first.score)
            better = (change < 0) == kind.lower_is_better and change != 0
            if abs(change) >= threshold:
                verdict = ("a meaningful improvement" if better else "a meaningful worsening")
            else:
                verdict = "not a meaningful change"
            verdict += f" (meaningful from {fmt(threshold)}{unit})"
        lines.append(MeasureLine(kind.title, f"{fmt(first.score)}{kind.unit}", first.on_date,
                                 f"{fmt(latest.score)}{kind.unit}", latest.on_date,
                                 f"{'+' if change > 0 else ''}{fmt(change)}{unit}", verdict))
    return tuple(lines)


def _measures_since(db: Session, patient: Patient, episode: Episode) -> dt.date:
    """Measures count from the day after the condition's last discharge (a baseline taken before the first plan
    belongs to the episode)."""
    closed = [e.closed_on for e in episodes_of(db, patient)
              if e.protocol_id == episode.protocol_id and e.closed_on and e.id != episode.id]
    return max(closed) + dt.timedelta(days=1) if closed else dt.date.min


def letter_facts(db: Session, patient: Patient, plan: Plan, episode: Episode, kind: str, library: Library,
                 today: dt.date) -> LetterFacts:
    """What the letter says, read from the record: the plan is the newest of the episode's condition."""
    draft = plan_ops.draft_of(plan)
    current = current_stage(draft)
    reached = tuple((s.title, s.earliest) for s in draft.stages if s.date_reached and not s.current)
    since = _measures_since(db, patient, episode)
    same_condition = {p.id for p in plan_ops.plans_of(db, patient) if p.protocol_id == plan.protocol_id}
    sessions = [s for s in plan_ops.sessions_of(db, patient) if s.on_date >= since and s.plan_id in same_condition]
    home = tuple(f"{e.title} ({describe_home_dose(e.dose)})" for e in (current.home if current else ()))
    summary = diary_ops.summary(db, plan)
    adherence = ""
    if summary is not None and summary.adherence.percent is not None:
        adherence = (f"about {summary.adherence.percent:.0f} % of the prescribed home exercises between "
                     f"{summary.first.day} {summary.first:%B} and {summary.last.day} {summary.last:%B %Y}")
    return LetterFacts(
        kind=kind, recipient=patient.referring_doctor or "",
        patient_name=full_name(patient.family_name, patient.given_names, patient.name_order),
        birth_date=patient.birth_date, record_number=patient.record_number,
        diagnosis=_diagnosis(plan, library), opened_on=episode.opened_on, today=today, sessions=len(sessions),
        stages_passed=reached, current_stage=current.title if current else "",
        measures=_measure_lines(db, patient, plan, since, library),
        home_programme=home,
        adherence=adherence)


# ------------------------------------------------------------------------------------------ letters


def letters_of(db: Session, patient: Patient) -> list[Letter]:
    """The patient's letters, newest first."""
    return list(db.scalars(select(Letter).where(Letter.patient_id == patient.id).order_by(Letter.id.desc())))


def new_letter(db: Session, patient: Patient, plan: Plan, kind: str, *, library: Library, user: User,
               now: dt.datetime) -> Letter:
    """A draft letter for the plan's episode, composed from the record, audited."""
    if kind not in ("progress", "discharge"):
        raise LetterRefused(f"Unknown letter {kind!r}.")
    episode = open_episode(db, patient, plan, now)
    facts = letter_facts(db, patient, plan, episode, kind, library, _today(db, patient, now))
    letter = Letter(patient_id=patient.id, episode_id=episode.id, kind=kind, recipient=facts.recipient,
                    body=compose(facts), signed_name=user.full_name, created_by=user.email, created_at=now)
    db.add(letter)
    db.flush()
    audit.record(db, "letter_draft", user=user, patient_ref=patient.id, detail=f"{kind} letter {letter.id}")
    return letter


def save_draft(db: Session, letter: Letter, *, recipient: str, body: str, signed_name: str,
               qualification: str) -> None:
    """Keep the therapist's edits of a draft."""
    if letter.status == "final":
        raise LetterRefused("A signed letter never changes; write a new letter instead.")
    letter.recipient, letter.body = recipient.strip(), body.strip()
    letter.signed_name, letter.qualification = signed_name.strip(), qualification.strip()
    db.flush()


def sign(db: Session, letter: Letter, patient: Patient, *, render: Callable[[Letter], bytes], user: User,
         now: dt.datetime, outcome: str = "", reason: str = "") -> None:
    """Make the letter final, audited: signed today, rendered once; a discharge letter closes its episode."""
    problems = []
    if letter.status == "final":
        problems.append("This letter is already signed.")
    if not letter.signed_name or not letter.qualification:
        problems.append("Give your name and qualification for the signature.")
    if not letter.body.strip():
        problems.append("The letter has no text.")
    if letter.kind == "discharge" and outcome not in OUTCOMES:
        problems.append("Choose the outcome at discharge.")
    if problems:
        raise LetterRefused(*problems)
    letter.signed_on = _today(db, patient, now)
    if letter.kind == "discharge":
        episode = db.get(Episode, letter.episode_id)
        episode.closed_on, episode.outcome, episode.reason = letter.signed_on, outcome, reason.strip()
        episode.closed_by = user.email
    pdf = render(letter)
    letter.status, letter.final_by, letter.final_at = "final", user.email, now
    letter.pdf, letter.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    db.flush()
    audit.record(db, "letter_sign", user=user, patient_ref=patient.id,
                 detail=f"{letter.kind} letter {letter.id}; sha256 {letter.sha256[:16]}")


def save_letter(db: Session, letter: Letter, patient: Patient, *, recipient: str, body: str, signed_name: str,
                qualification: str, sign_it: bool, render: Callable[[Letter], bytes], user: User, now: dt.datetime,
                outcome: str = "", reason: str = "") -> None:
    """The letter form: keep the edits (:func:`save_draft`) and, when asked, sign it (:func:`sign`, audited;
    LetterRefused says why not, and the caller rolls the edits back with it)."""
    save_draft(db, letter, recipient=recipient, body=body, signed_name=signed_name, qualification=qualification)
    if sign_it:
        sign(db, letter, patient, render=render, user=user, now=now, outcome=outcome, reason=reason)


def record_letter_print(db: Session, letter: Letter, *, user: User) -> None:
    """``user`` downloaded the signed letter's PDF: an audit row."""
    audit.record(db, "letter_print", user=user, patient_ref=letter.patient_id, detail=f"letter {letter.id}")


def latest_plan(db: Session, patient: Patient) -> Plan | None:
    """The patient's newest plan (the episode a new letter is about)."""
    plans = plan_ops.plans_of(db, patient)
    return plans[0] if plans else None


def draft_of(plan: Plan) -> planning.PlanDraft:
    """The plan's draft (for the letters page)."""
    return plan_ops.draft_of(plan)
