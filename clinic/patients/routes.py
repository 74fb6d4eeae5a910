"""Patient pages: thin views (parse the form, one operation, one commit, redirect).

Names and birth dates never appear in a URL (PRIV-05): URLs carry the numeric id only, the search box
is sent by POST and kept in the session, download names use the record number.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from clinic.auth import operations as auth_ops
from clinic.clock import now, today
from clinic.domain.wording import format_day
from clinic.extensions import db
from clinic.models import Patient, PatientStatus, Role
from clinic.patients import documents
from clinic.patients import fields as F
from clinic.patients import operations as ops
from clinic.patients.access import patient_in_my_clinic
from clinic.patients.forms import (
    ContactForm,
    EraseForm,
    HoldForm,
    NewPatientForm,
    PatientForm,
    ReceptionNewPatientForm,
    SearchForm,
)
from clinic.patients.registry import timeline
from clinic.patients.search import SORTS, search_patients
from clinic.security import roles_required
from clinic.settings import operations as settings_ops
from clinic.templating import request_staff
from clinic.transactions import reads_first

bp = Blueprint("patients", __name__, url_prefix="/patients")

CLINICAL_ROLES = (Role.ADMIN, Role.THERAPIST)


@bp.app_template_global()
def sees_clinical() -> bool:
    """Therapists and administrators see clinical fields; reception never does."""
    return g.user is not None and g.user.has_role(*CLINICAL_ROLES)


@bp.app_template_global()
def patient_age(patient: Patient) -> int:
    """The patient's age in full years today."""
    return ops.age_on(patient.birth_date, today())


@bp.app_template_global()
def patient_alerts(patient: Patient) -> list[str]:
    """Banner alerts (history facts answered yes)."""
    return ops.alerts(patient)


@bp.app_template_global()
def show_value(field: str, value) -> str:
    """A stored or historical value in words: choice labels, yes/no, dates as '14 March 2026'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return format_day(value)
    text = str(value)
    if field.startswith("history_facts."):
        return F.ANSWERS.get(text, text)
    choices = {"dominant_hand": F.DOMINANT_HANDS, "sex": F.SEXES, "name_order": F.NAME_ORDER_WORDS,
               "status": F.STATUS_WORDS, "consent_treatment": F.YES_NO, "consent_data": F.YES_NO}
    if field in choices:
        return choices[field].get(text, text)
    if field in F.DATE_FIELDS:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return format_day(day)
    return text


def _read_only(patient: Patient):
    return render_template("patients/restricted.html", patient=patient), 409


def _download_name(patient: Patient, extension: str) -> str:
    """``patient-P-000123.json``: the record number only, never a name or birth date (PRIV-05)."""
    safe = re.sub(r"[^A-Za-z0-9-]", "-", patient.record_number) or str(patient.id)
    return f"patient-{safe}.{extension}"


# -------------------------------------------------------------------------------------- list/search


@bp.get("/")
def index():
    """The clinic's patients, filtered by the search kept in the session."""
    state = g.login.search or {}
    restricted = request.args.get("restricted") == "1" and g.user.has_role(Role.ADMIN)
    sort = request.args.get("sort", "name")
    sort = sort if sort.lstrip("-") in SORTS else "name"
    result = search_patients(
        db.session, g.user.clinic_id, state.get("q", ""), include_archived=bool(state.get("archived")),
        restricted=restricted, sort=sort, page=request.args.get("page", 1, type=int),
    )
    form = SearchForm(formdata=None, data={"q": state.get("q", ""), "archived": bool(state.get("archived"))})
    return render_template("patients/index.html", result=result, form=form, sort=sort, restricted=restricted,
                           query=state.get("q", ""))


@bp.post("/search")
@reads_first  # on SQLite it takes the write lock only to store a changed search: other writers never wait for a search
def search():
    """Remember the search on the login session and show the list (no name ever lands in the URL, and none
    in the cookie: SEC-26)."""
    form = SearchForm()
    if request.form.get("clear"):
        auth_ops.remember_search(db.session, g.login, None)
    elif form.validate_on_submit():
        exact = ops.patient_by_record_number(db.session, g.user.clinic_id, form.q.data or "")
        if exact is not None:  # a record number typed in full opens the patient (WF-04)
            return redirect(url_for("patients.show", patient_id=exact.id))
        auth_ops.remember_search(db.session, g.login, {"q": form.q.data or "", "archived": bool(form.archived.data)})
    else:
        flash(next(iter(form.errors.values()))[0], "error")
    db.session.commit()
    return redirect(url_for("patients.index"))


# ---------------------------------------------------------------------------------------- register


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Register a patient; reception registers identity and contact details only."""
    form_class = NewPatientForm if sees_clinical() else ReceptionNewPatientForm
    suggestion = ops.suggest_record_number(db.session, g.user.clinic_id)
    form = form_class(data={"record_number": suggestion}) if request.method == "GET" else form_class()
    duplicates: list[Patient] = []
    if form.validate_on_submit() and not request.form.get("register_anyway"):
        duplicates = ops.same_person(db.session, g.user.clinic_id, form.family_name.data, form.given_names.data,
                                     form.birth_date.data)
    if form.validate_on_submit() and not duplicates:
        try:
            patient = ops.register_patient(db.session, clinic_id=g.user.clinic_id, values=form.values(),
                                           user=g.user, now=now())
        except ops.RecordNumberTaken:
            form.record_number.errors.append(
                f"Another patient has this record number. The next free one is {suggestion}.")
        else:
            db.session.commit()
            flash("Registered. The record number is shown at the top.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    return render_template("patients/form.html", form=form, patient=None, clinical=sees_clinical(),
                           duplicates=duplicates), (400 if form.errors else 409 if duplicates else 200)


# -------------------------------------------------------------------------------------- patient page


@bp.get("/<int:patient_id>")
def show(patient_id: int):
    """The patient page: banner, details the role may see, timeline."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    clinical = sees_clinical()
    try:
        before = dt.datetime.fromisoformat(request.args["before"]) if "before" in request.args else None
    except ValueError:
        before = None  # a mangled link: the newest entries
    if before is not None and before.tzinfo is None:
        before = before.replace(tzinfo=dt.UTC)
    page = render_template(
        "patients/show.html", patient=patient, clinical=clinical,
        timeline=timeline(db.session, patient, clinical=clinical, before=before, staff=request_staff()),
        facts=ops.facts_for_screening(patient),
        fact_list=F.HISTORY_FACTS,
        # the retention hold form is an administrator's only (made for nobody else: its CSRF token costs)
        hold_form=HoldForm(formdata=None, data={"reason": patient.retention_hold})
        if g.user.has_role(Role.ADMIN) else None,
    )
    ops.record_view(db.session, patient, user=g.user)
    db.session.commit()
    return page


@bp.get("/<int:patient_id>/history")
def history(patient_id: int):
    """Who changed what and when, old and new values (PRIV-04); reception sees contact changes only."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    clinical = sees_clinical()
    page = render_template("patients/history.html", patient=patient, clinical=clinical,
                           changes=ops.history(db.session, patient, clinical=clinical), labels=F.LABELS)
    ops.record_view(db.session, patient, user=g.user, detail="history")
    db.session.commit()
    return page


# -------------------------------------------------------------------------------------------- edit


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
def edit(patient_id: int):
    """Edit the record; a save based on an old version gets the conflict page (REL-01)."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    if patient.status == PatientStatus.RESTRICTED:
        return _read_only(patient)
    form_class = PatientForm if sees_clinical() else ContactForm
    if request.method == "GET":
        form = form_class(data=form_class.data_from(ops.patient_values(patient)) | {"version": patient.version})
    else:
        form = form_class()
    if form.validate_on_submit():
        try:
            changed = ops.edit_patient(db.session, patient, form.values(), expected_version=form.version.data,
                                       user=g.user, now=now())
        except ops.EditConflict:
            db.session.rollback()
            return _conflict(patient_in_my_clinic(patient_id), form)
        except ops.RecordNumberTaken:
            form.record_number.errors.append("Another patient of the clinic has this record number.")
        else:
            db.session.commit()
            flash("Saved." if changed else "Nothing was changed.", "success" if changed else "info")
            return redirect(url_for("patients.show", patient_id=patient.id))
    return render_template("patients/form.html", form=form, patient=patient, clinical=sees_clinical()), (
        400 if form.errors else 200)


def _conflict(patient: Patient, form):
    """Three versions compared: when the user opened the form, saved since, and typed. Fields only the other
    person changed take their value; fields both changed keep what this user typed and are flagged. The
    form, now based on the saved version, keeps everything this user typed (REL-01)."""
    rows = ops.edit_conflict(db.session, patient, form.values(), form.version.data, user=g.user)
    for name, _label, _base, theirs, _mine, who in rows:
        if who == "theirs":
            _set_field(form, name, theirs)  # only they changed it: take theirs, do not undo their work
    changes = ops.history(db.session, patient, clinical=sees_clinical())
    last = changes[0] if changes else None
    form.version.data = patient.version
    form.version.raw_data = [str(patient.version)]
    db.session.commit()
    return render_template("patients/conflict.html", patient=patient, form=form, rows=rows, last=last,
                           clinical=sees_clinical()), 409


def _set_field(form, name: str, value) -> None:
    field = form[f"fact_{name.split('.', 1)[1]}" if name.startswith("history_facts.") else name]
    field.data = value
    field.raw_data = None


@bp.post("/<int:patient_id>/archive")
@roles_required(*CLINICAL_ROLES)
def archive(patient_id: int):
    """Archive the patient (hidden from search unless asked for) or bring them back."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    if patient.status == PatientStatus.RESTRICTED:
        return _read_only(patient)
    archived = request.form.get("archived") == "1"
    ops.set_archived(db.session, patient, archived, user=g.user, now=now())
    db.session.commit()
    flash("Archived: hidden from search unless you include archived patients." if archived
          else "Back in use.", "success")
    return redirect(url_for("patients.show", patient_id=patient.id))


# ------------------------------------------------------------------------------------------ export


@bp.get("/<int:patient_id>/export.json")
@roles_required(*CLINICAL_ROLES)
def export_json(patient_id: int):
    """Every row of this patient as JSON (PRIV-01)."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    body = ops.export_json(db.session, patient)
    name = _download_name(patient, "json")
    ops.record_export(db.session, patient, "json", user=g.user)
    db.session.commit()
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/<int:patient_id>/export.pdf")
@roles_required(*CLINICAL_ROLES)
def export_pdf(patient_id: int):
    """The whole record as a readable PDF (PRIV-01)."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    not_set_up = settings_ops.print_problems(g.user.clinic)
    if not_set_up:
        links = [("Clinic settings", url_for("settings.edit"))] if g.user.has_role(Role.ADMIN) else []
        return render_template("plans/refused.html", patient=patient, title="The record cannot be printed yet",
                               problems=not_set_up, plan=None, links=links), 409
    body = documents.record_pdf(db.session, patient, now())
    name = _download_name(patient, "pdf")
    ops.record_export(db.session, patient, "pdf", user=g.user)
    db.session.commit()
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ----------------------------------------------------------------------------- retention and erasure


@bp.post("/<int:patient_id>/hold")
@roles_required(Role.ADMIN)
def hold(patient_id: int):
    """Put a retention hold on the record, or lift it."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    form = HoldForm()
    if form.validate_on_submit():
        ops.set_retention_hold(db.session, patient, form.reason.data or "", user=g.user, now=now())
        db.session.commit()
        flash("Retention hold saved." if patient.retention_hold else "No retention hold.", "success")
    else:
        flash(next(iter(form.errors.values()))[0], "error")
    return redirect(url_for("patients.show", patient_id=patient.id))


@bp.route("/<int:patient_id>/erase", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def erase(patient_id: int):
    """Erase every row of the patient after the record number is typed; a retention hold restricts instead."""
    patient = patient_in_my_clinic(patient_id, restricted_ok=True)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm.data != patient.record_number:
            form.confirm.errors.append(f"This is not the record number of this patient ({patient.record_number}).")
        else:
            pid = patient.id
            result = ops.erase_record(db.session, patient, user=g.user, login=g.login, now=now())
            db.session.commit()
            if result.restricted:
                flash("The record has a retention hold, so it was restricted instead of erased: hidden from "
                      "search and read-only. Lift the hold to erase it.", "warning")
                return redirect(url_for("patients.show", patient_id=pid))
            ops.checkpoint(db.session)
            flash("The record was erased.", "success")
            return redirect(url_for("patients.index"))
    return render_template("patients/erase.html", patient=patient, form=form), (400 if form.errors else 200)
