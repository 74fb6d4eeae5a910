"""Measure pages: thin views (parse the form, one operation, one commit, redirect). Every URL sits under the
patient, so another patient's or clinic's measure is a 404 (SEC-03)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from clinic import staff
from clinic.clock import now, today
from clinic.domain.wording import format_day
from clinic.extensions import db
from clinic.measures import diary, forms
from clinic.measures import operations as ops
from clinic.measures.kinds import KINDS, describe
from clinic.measures.wording import questionnaire
from clinic.models import Patient, Plan, Role
from clinic.patients.access import patient_in_my_clinic
from clinic.plans import operations as plan_ops
from clinic.security import roles_required

bp = Blueprint("measures", __name__)

CLINICAL_ROLES = (Role.ADMIN, Role.THERAPIST)
# The order of the buttons on the patient page and of this page's sections.
ORDER = ("quickdash", "prwe", "psfs", "pain", "grip", "pinch", "rom")


def form_class(kind: str) -> type[forms.MeasureForm]:
    """The form of a kind of measure (404 for an unknown kind)."""
    if kind == "quickdash":
        return forms.quickdash_form(questionnaire("quickdash"))
    if kind == "prwe":
        return forms.prwe_form(questionnaire("prwe"))
    classes = {"psfs": forms.PsfsForm, "pain": forms.PainForm, "rom": forms.RomForm, "pinch": forms.PinchForm,
               "grip": forms.GripForm}
    if kind not in classes:
        abort(404)
    return classes[kind]


def _with_reason(cls: type[forms.MeasureForm]) -> type[forms.MeasureForm]:
    return type(f"Correct{cls.__name__}", (cls,), {"reason": forms.ReasonForm.reason})


def _editable(patient: Patient) -> None:
    if patient.status == "restricted":
        abort(403)


@bp.get("/patients/<int:patient_id>/outcomes")
@roles_required(*CLINICAL_ROLES)
def index(patient_id: int):
    """Every measure and session of the patient, newest first, with their corrections; correct or withdraw."""
    patient = patient_in_my_clinic(patient_id)
    outcomes = list(reversed(ops.outcomes_of(db.session, patient, withdrawn=True)))
    sessions = list(reversed(plan_ops.sessions_of(db.session, patient, withdrawn=True)))
    history: dict[tuple[str, int], list] = {}
    for c in ops.corrections_of(db.session, patient):
        key = ("session", c.session_id) if c.session_id else ("outcome", c.outcome_id)
        history.setdefault(key, []).append(c)
    names = staff.names_by_email(db.session, patient.clinic_id)
    return render_template("measures/index.html", patient=patient, outcomes=outcomes, sessions=sessions,
                           history=history, kinds=KINDS, order=ORDER, describe=describe,
                           who=lambda email: staff.name_for_email(names, email))


@bp.route("/patients/<int:patient_id>/outcomes/<kind>", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def record(patient_id: int, kind: str):
    """Record one measure of ``kind`` (QuickDASH, PRWE, PSFS, pain, grip, pinch, range of motion)."""
    patient = patient_in_my_clinic(patient_id)
    _editable(patient)
    cls = form_class(kind)
    form = cls() if request.method == "POST" else cls(data={"on_date": today()})
    problems: tuple[str, ...] = ()
    if form.validate_on_submit():
        try:
            row = ops.record_outcome(db.session, patient, kind=kind, on_date=form.on_date.data, values=form.values(),
                                     user=g.user, now=now())
        except (ValueError, ops.MeasureRefused) as exc:
            db.session.rollback()
            problems = getattr(exc, "problems", (str(exc),))
        else:
            db.session.commit()
            flash(f"{KINDS[kind].title} recorded: {describe(kind, row.values)}.",
                  "warning" if row.score is None else "success")
            return redirect(url_for("patients.show", patient_id=patient.id) + "#progress")
    return render_template("measures/form.html", patient=patient, form=form, kind=KINDS[kind], problems=problems,
                           action=url_for("measures.record", patient_id=patient.id, kind=kind),
                           correcting=None), (400 if form.errors or problems else 200)


@bp.route("/patients/<int:patient_id>/outcomes/<int:outcome_id>/correct", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def correct(patient_id: int, outcome_id: int):
    """Correct a measure: the same form, filled with what was recorded, and the reason."""
    patient = patient_in_my_clinic(patient_id)
    _editable(patient)
    row = ops.own_outcome(db.session, patient, outcome_id)
    if row is None or row.kind not in KINDS or row.withdrawn_at is not None:
        abort(404)
    cls = _with_reason(form_class(row.kind))
    form = cls() if request.method == "POST" else cls(data={"on_date": row.on_date, **cls.data_from(row.values)})
    problems: tuple[str, ...] = ()
    if form.validate_on_submit():
        try:
            ops.correct_measure(db.session, row, on_date=form.on_date.data, values=form.values(),
                                reason=form.reason.data, user=g.user, now=now())
        except (ValueError, ops.MeasureRefused) as exc:
            db.session.rollback()
            problems = getattr(exc, "problems", (str(exc),))
        else:
            db.session.commit()
            flash(f"{KINDS[row.kind].title} corrected; the value before is kept in the history.", "success")
            return redirect(url_for("measures.index", patient_id=patient.id))
    return render_template("measures/form.html", patient=patient, form=form, kind=KINDS[row.kind],
                           problems=problems, correcting=row,
                           action=url_for("measures.correct", patient_id=patient.id, outcome_id=row.id)), (
        400 if form.errors or problems else 200)


@bp.route("/patients/<int:patient_id>/outcomes/<int:outcome_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def withdraw(patient_id: int, outcome_id: int):
    """Withdraw a measure entered in error, with the reason."""
    patient = patient_in_my_clinic(patient_id)
    _editable(patient)
    row = ops.own_outcome(db.session, patient, outcome_id)
    if row is None or row.withdrawn_at is not None:
        abort(404)
    form = forms.ReasonForm()
    if form.validate_on_submit():
        ops.withdraw_measure(db.session, row, reason=form.reason.data, user=g.user, now=now())
        db.session.commit()
        flash(f"{KINDS.get(row.kind).title if row.kind in KINDS else 'Measure'} withdrawn; it stays in the history.",
              "success")
        return redirect(url_for("measures.index", patient_id=patient.id))
    words = f"{KINDS[row.kind].title if row.kind in KINDS else row.kind} of {format_day(row.on_date)}: " \
            f"{describe(row.kind, row.values)}"
    return render_template("measures/withdraw.html", patient=patient, form=form, what=words,
                           action=url_for("measures.withdraw", patient_id=patient.id, outcome_id=row.id)), (
        400 if form.errors else 200)


@bp.route("/patients/<int:patient_id>/sessions/<int:session_id>/correct", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def correct_session(patient_id: int, session_id: int):
    """Correct a session's date, pain scores or notes, with the reason."""
    patient = patient_in_my_clinic(patient_id)
    _editable(patient)
    row = ops.own_session(db.session, patient, session_id)
    if row is None or row.withdrawn_at is not None:
        abort(404)
    form = forms.SessionCorrectionForm() if request.method == "POST" else forms.SessionCorrectionForm(data={
        "on_date": row.on_date, "notes": row.notes,
        "pain_before": "" if row.pain_before is None else str(row.pain_before),
        "pain_after": "" if row.pain_after is None else str(row.pain_after)})
    problems: tuple[str, ...] = ()
    if form.validate_on_submit():
        try:
            ops.correct_session(db.session, row, on_date=form.on_date.data,
                                pain_before=forms.pain_number(form.pain_before.data),
                                pain_after=forms.pain_number(form.pain_after.data), notes=form.notes.data or "",
                                reason=form.reason.data, user=g.user, now=now())
        except ops.MeasureRefused as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            db.session.commit()
            flash("Session corrected; the values before are kept in the history.", "success")
            return redirect(url_for("measures.index", patient_id=patient.id))
    return render_template("measures/session.html", patient=patient, form=form, row=row, problems=problems), (
        400 if form.errors or problems else 200)


@bp.route("/patients/<int:patient_id>/sessions/<int:session_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def withdraw_session(patient_id: int, session_id: int):
    """Withdraw a session recorded in error, with the reason."""
    patient = patient_in_my_clinic(patient_id)
    _editable(patient)
    row = ops.own_session(db.session, patient, session_id)
    if row is None or row.withdrawn_at is not None:
        abort(404)
    form = forms.ReasonForm()
    if form.validate_on_submit():
        ops.withdraw_session(db.session, row, reason=form.reason.data, user=g.user, now=now())
        db.session.commit()
        flash("Session withdrawn; it stays in the history.", "success")
        return redirect(url_for("measures.index", patient_id=patient.id))
    pain = f"pain {row.pain_before} → {row.pain_after}"
    return render_template("measures/withdraw.html", patient=patient, form=form,
                           what=f"Session of {format_day(row.on_date)}: {pain}",
                           action=url_for("measures.withdraw_session", patient_id=patient.id, session_id=row.id)), (
        400 if form.errors else 200)


# ------------------------------------------------------------------------------------------ diary


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/diary", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def diary_back(patient_id: int, plan_id: int):
    """Copy the printed exercise diary into the record: days across, exercises down, pain before and after."""
    patient = patient_in_my_clinic(patient_id)
    _editable(patient)
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.patient_id != patient.id:
        abort(404)
    sheet = diary.sheet_for(db.session, plan, patient, today())
    if sheet is None:
        abort(404)
    cls = diary.diary_form_class(sheet)
    form = cls()
    if sheet.days and form.validate_on_submit():
        days = form.days()
        ops.record_diary(db.session, plan, sheet, days, user=g.user, now=now())
        db.session.commit()
        flash(f"Diary recorded: {len(days)} day{'s' if len(days) != 1 else ''}.", "success")
        return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id) + "#diary")
    return render_template("measures/diary.html", patient=patient, plan=plan, sheet=sheet, form=form,
                           tick_name=diary.tick_name, pain_name=diary.pain_name), (400 if form.errors else 200)


@bp.app_template_global()
def diary_summary(plan: Plan) -> diary.DiarySummary | None:
    """The plan's diary read back (adherence, pain rule), or None before any day was copied."""
    return diary.summary(db.session, plan)


@bp.app_template_global()
def diary_summaries(patient: Patient, plans: list[Plan] | None = None) -> list[tuple[Plan, diary.DiarySummary]]:
    """(plan, diary summary) of each of the patient's plans with a diary, for the progress chart. ``plans``: the
    patient's plans newest first, when the page has them already."""
    out = []
    for plan in plan_ops.plans_of(db.session, patient) if plans is None else plans:
        found = diary.summary(db.session, plan)
        if found is not None:
            out.append((plan, found))
    return out


@bp.app_template_global()
def diary_pain_rule_broken(plan: Plan) -> bool:
    """True when the plan's diary breaks its protocol's pain rule (a stage move then asks for a tick)."""
    from clinic.library import library

    return diary.pain_rule_broken(db.session, plan, library())


@bp.app_template_global()
def diary_pain_check(plan: Plan):
    """(the protocol's pain rule, the diary summary or None) when the plan's protocol uses a pain rule, else None."""
    from clinic.library import library

    return diary.pain_check(db.session, plan, library())
