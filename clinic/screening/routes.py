"""Screening pages: thin views (parse the form, one operation, one commit, redirect).

URLs carry numeric ids only. A screening belongs to a patient of the user's clinic or is a 404 (SEC-03).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from wtforms import SelectChoice

from clinic.auth import operations as auth_ops
from clinic.clock import now, today
from clinic.domain.headline import Headline, prompts
from clinic.domain.screening_json import result_from_json
from clinic.domain.screening_rules import REGION_WORDS
from clinic.extensions import db
from clinic.library import library, screening_rules
from clinic.models import Patient, Role, Screening
from clinic.patients import operations as patient_ops
from clinic.patients.access import patient_in_my_clinic
from clinic.screening import findings
from clinic.screening import operations as ops
from clinic.screening.forms import ClearanceForm, OverrideForm, prefill_data, screening_form_class
from clinic.security import client_address, device_for, login_policy, roles_required
from clinic.templating import request_staff

bp = Blueprint("screening", __name__)

CLINICAL_ROLES = (Role.ADMIN, Role.THERAPIST)
GENERAL = "general"


def _condition_arg() -> str | None:
    """The condition in the query string: a protocol id, 'general', or None when not chosen yet."""
    value = request.args.get("condition")
    if value is None:
        return None
    if value != GENERAL and value not in library().protocols:
        abort(404)
    return value


def _own_screening(screening_id: int) -> tuple[Screening, Patient]:
    """A screening of a patient of the user's clinic, or 404 with nothing of anyone else's (SEC-03)."""
    screening = db.session.get(Screening, screening_id)
    if screening is None:
        abort(404)
    return screening, patient_in_my_clinic(screening.patient_id, restricted_ok=True)


def _fact_words(condition: str | None) -> dict[str, str]:
    """Case fact name -> its question, for naming missing facts."""
    if condition is None:
        return {}
    return {fact.name: fact.question for fact in library().protocol(condition).facts}


def _fact_value_words(condition: str | None) -> dict[str, dict[str, str]]:
    """Case fact name -> {stored value: its label}, so a choice reads 'Cast or splint', never its id."""
    words = {"left": "Left", "right": "Right", "both": "Both", "yes": "Yes", "no": "No", "not_known": "Not known"}
    if condition is None or condition not in library().protocols:
        return {}
    return {fact.name: {**words, **{o.value: o.label for o in fact.options}}
            for fact in library().protocol(condition).facts}


@bp.app_template_filter("isodate")
def isodate(value: str | dt.date | None) -> dt.date | None:
    """A stored ISO date text as a date."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


@bp.app_template_global()
def screening_headline(screening: Screening, head: Headline | None = None) -> str:
    """Icon and headline of a screening: its strongest blocker (never colour alone); ``head`` when the page has
    worked it out already."""
    head = head or ops.headline_of_screening(db.session, screening)
    return f"{head.icon} {ops.headline_words(screening, head)}"


@bp.app_template_global()
def staff_name(user_id: int | None) -> str:
    """A staff member's full name for a page (never the login e-mail)."""
    name = request_staff().by_id.get(user_id) if user_id is not None else None
    return name or ops.staff_name(db.session, user_id)


@bp.app_template_global()
def screening_allows_treatment(screening: Screening) -> bool:
    """True when nothing blocks treatment on this screening (only then is it shown as valid)."""
    return ops.headline_of_screening(db.session, screening).allows_treatment


@bp.app_template_global()
def latest_screening_of(patient: Patient):
    """(screening, status, headline) of the patient's newest screening, or None (for the patient page)."""
    screening = ops.latest_screening(db.session, patient)
    if screening is None:
        return None
    return (screening, ops.screening_status(screening, patient, today()),
            ops.headline_of_screening(db.session, screening))


@bp.route("/patients/<int:patient_id>/screen", methods=["GET", "POST"])
@roles_required(*CLINICAL_ROLES)
def start(patient_id: int):
    """Choose what to screen for, then the form generated from the rules and the protocol's case facts."""
    patient = patient_in_my_clinic(patient_id)
    chosen = _condition_arg()
    if chosen is None:
        protocols = [(p.id, p.title) for p in library().conditions()]
        return render_template("screening/choose.html", patient=patient, protocols=protocols)
    condition = None if chosen == GENERAL else chosen
    case_facts = library().protocol(condition).facts if condition else ()
    rules = screening_rules()
    form_class = screening_form_class(rules, condition, case_facts, patient_ops.facts_for_screening(patient))
    form = form_class(data=prefill_data(form_class)) if request.method == "GET" else form_class()
    if form.validate_on_submit():
        screening = ops.screen_patient(
            db.session, patient, answers=form.to_answers(), facts=form.to_facts(), condition=condition,
            rules=rules, user=g.user, now=now(), valid_days=g.user.clinic.screening_valid_days,
        )
        db.session.commit()
        return redirect(url_for("screening.result", screening_id=screening.id))
    title = library().protocol(condition).title if condition else "General screening"
    return render_template("screening/form.html", patient=patient, form=form, chosen=chosen, title=title), (
        400 if form.errors else 200)


@bp.get("/screenings/<int:screening_id>")
@roles_required(*CLINICAL_ROLES)
def result(screening_id: int):
    """The result, readable in five seconds: decision in words, icon and colour, then what to do."""
    screening, patient = _own_screening(screening_id)
    rules = screening_rules()
    questions = {r.id: r.question for r in rules.rules if r.question}
    head = ops.headline_of_screening(db.session, screening)
    overrides = findings.overrides_of(db.session, screening)
    clearances = findings.clearances_of(db.session, screening)
    page = render_template(
        "screening/result.html", patient=patient, s=screening, r=screening.result,
        head=head, headline_text=ops.headline_words(screening, head),
        prompts=prompts(result_from_json(screening.result), rules),
        where=ops.where_words, today=today(), status=ops.screening_status(screening, patient, today()),
        overrides=overrides, clearances=clearances, label=lambda rule_id: ops.finding_label(screening, rule_id),
        names=ops.staff_names(db.session, [screening.screened_by_id, *(o.by_id for o in overrides),
                                           *(c.recorded_by_id for c in clearances)]),
        open=findings.open_findings(db.session, screening), questions=questions,
        fact_words=_fact_words(screening.condition), region_words=REGION_WORDS,
        value_words=_fact_value_words(screening.condition),
        protocol_title=library().title_of(screening.condition),
        may_override=g.user.has_role(Role.THERAPIST),
        chosen=screening.condition or GENERAL,
        earlier_rules=ops.made_with_earlier_rules(screening),
        plan_offer=ops.plan_offer(db.session, screening, patient, g.user, today()),
    )
    patient_ops.record_view(db.session, patient, user=g.user, detail=f"screening {screening.id}")
    db.session.commit()
    return page


def _finding_choices(screening: Screening, category: str, rule_ids: list[str]) -> list[SelectChoice]:
    """The findings a therapist may choose, in plain words (their name, then what the rule says)."""
    texts = {f["rule_id"]: f["therapist_text"] for f in findings.findings_of(screening, category)}
    return [SelectChoice(rule_id, f"{ops.finding_label(screening, rule_id)} — {texts[rule_id]}")
            for rule_id in rule_ids]


@bp.route("/screenings/<int:screening_id>/override", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def override(screening_id: int):
    """Override absolute findings (CS-02): therapist only, fresh login, a reason, the findings named."""
    screening, patient = _own_screening(screening_id)
    if patient.status == "restricted":
        abort(404)
    still = findings.open_findings(db.session, screening)
    allowed = still["defer"]
    if still["urgent"]:
        flash(findings.URGENT_NO_OVERRIDE, "error")
        return redirect(url_for("screening.result", screening_id=screening.id))
    if screening.decision != "defer" or not allowed:
        flash("This screening has no contraindication left to override.", "info")
        return redirect(url_for("screening.result", screening_id=screening.id))
    form = OverrideForm()
    form.rule_ids.choices = _finding_choices(screening, "absolute", allowed)
    minutes = current_app.config["FRESH_LOGIN_MINUTES"]
    fresh = ops.login_is_fresh(g.login, now(), minutes)
    status = 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        if not fresh:
            fresh, status = _confirm_password(form)
        if valid and fresh:
            try:
                ops.record_override(
                    db.session, screening, rule_ids=form.rule_ids.data, reason=form.reason.data, user=g.user,
                    login=g.login, now=now(), fresh_minutes=minutes)
            except ops.ScreeningRefused as exc:
                form.rule_ids.errors = [str(exc)]
            else:
                db.session.commit()
                flash("Override recorded. It is shown on the result and printed on the handout.", "success")
                return redirect(url_for("screening.result", screening_id=screening.id))
        status = max(status, 400)
    return render_template("screening/override.html", patient=patient, s=screening, form=form, fresh=fresh,
                           minutes=minutes), status


def _confirm_password(form: OverrideForm) -> tuple[bool, int]:
    """Check the typed password (counted like a login attempt); a right one makes the login fresh."""
    password = form.password.data or ""
    if not password:
        form.password.errors = ["Confirm your password to override (your login is more than "
                                f"{current_app.config['FRESH_LOGIN_MINUTES']} minutes old)."]
        return False, 400
    try:
        right = auth_ops.reauthenticate(db.session, g.login, password, now(), login_policy(),
                                        client=client_address(), device_for=device_for)
    except auth_ops.LoginThrottled:
        db.session.commit()
        form.password.errors = ["Too many failed attempts. Try again later."]
        return False, 429
    db.session.commit()
    if not right:
        form.password.errors = ["That password is not right."]
        return False, 401
    return True, 200


@bp.route("/screenings/<int:screening_id>/clearance", methods=["GET", "POST"])
@roles_required(*CLINICAL_ROLES)
def clearance(screening_id: int):
    """Record a doctor's clearance of a refer finding; then the patient is screened again."""
    screening, patient = _own_screening(screening_id)
    if patient.status == "restricted":
        abort(404)
    still = findings.open_findings(db.session, screening)
    waiting = still["refer"]
    if still["urgent"]:
        flash(findings.URGENT_NO_CLEARANCE, "error")
        return redirect(url_for("screening.result", screening_id=screening.id))
    if not waiting:
        flash("No finding of this screening is waiting for a doctor's clearance.", "info")
        return redirect(url_for("screening.result", screening_id=screening.id))
    form = ClearanceForm()
    form.rule_id.choices = _finding_choices(screening, "refer", waiting)
    if request.method == "GET" and len(waiting) == 1:
        form.rule_id.data = waiting[0]
    if form.validate_on_submit():
        try:
            ops.record_clearance(db.session, screening, rule_id=form.rule_id.data, cleared_by=form.cleared_by.data,
                                 cleared_on=form.cleared_on.data, note=form.note.data or "", user=g.user,
                                 now=now())
        except ops.ScreeningRefused as exc:
            form.rule_id.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Clearance recorded. Screen the patient again before treating.", "success")
            return redirect(url_for("screening.result", screening_id=screening.id))
    return render_template("screening/clearance.html", patient=patient, s=screening, form=form), (
        400 if form.errors else 200)
