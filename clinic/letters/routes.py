"""Letter pages: thin views. Every URL sits under the patient (another patient's letter is a 404)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from clinic import pdf
from clinic.clock import now
from clinic.extensions import db
from clinic.letters import forms
from clinic.letters import operations as ops
from clinic.library import library
from clinic.models import Clinic, Letter, Patient, Role
from clinic.patients.access import patient_in_my_clinic
from clinic.patients.fields import full_name
from clinic.security import roles_required

bp = Blueprint("letters", __name__)
CLINICAL_ROLES = (Role.ADMIN, Role.THERAPIST)


def _own_letter(patient: Patient, letter_id: int) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.patient_id != patient.id:
        abort(404)
    return letter


def paragraphs(body: str) -> list[tuple[str, list[str]]]:
    """The letter text as ("list", items) and ("para", lines) blocks: blank lines part paragraphs, "- " starts an
    item."""
    blocks = []
    for para in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in para.split("\n") if line.strip()]
        if lines and all(line.startswith("- ") for line in lines[1:]) and lines[0].endswith(":") and len(lines) > 1:
            blocks += [("para", [lines[0]]), ("list", [line[2:] for line in lines[1:]])]
        elif lines:
            blocks.append(("list", [line[2:] for line in lines]) if all(line.startswith("- ") for line in lines)
                          else ("para", lines))
    return blocks


def render_letter(letter: Letter, patient: Patient) -> bytes:
    """The letter as PDF through the handouts' renderer (fetches nothing; every value escaped)."""
    clinic = db.session.get(Clinic, patient.clinic_id)
    episode = db.session.get(ops.Episode, letter.episode_id)
    html = render_template("letters/letter.html", letter=letter, clinic=clinic, episode=episode,
                           blocks=paragraphs(letter.body),
                           patient_name=full_name(patient.family_name, patient.given_names, patient.name_order))
    env = current_app.jinja_env
    css, _path, _up = env.loader.get_source(env, "letters/letter.css")
    return pdf.render_pdf(html, css)


@bp.get("/patients/<int:patient_id>/letters")
@roles_required(*CLINICAL_ROLES)
def index(patient_id: int):
    """Episodes of care and letters of the patient."""
    patient = patient_in_my_clinic(patient_id)
    return render_template("letters/index.html", patient=patient, episodes=ops.episodes_of(db.session, patient),
                           letters=ops.letters_of(db.session, patient), plan=ops.latest_plan(db.session, patient),
                           title_of=library().title_of)


@bp.post("/patients/<int:patient_id>/letters/new/<kind>")
@roles_required(Role.THERAPIST)
def new(patient_id: int, kind: str):
    """Start a progress or discharge letter about the newest plan's condition, composed from the record."""
    patient = patient_in_my_clinic(patient_id)
    plan = ops.latest_plan(db.session, patient)
    if plan is None or kind not in ("progress", "discharge") or patient.status == "restricted":
        abort(404)
    letter = ops.new_letter(db.session, patient, plan, kind, library=library(), user=g.user, now=now())
    db.session.commit()
    return redirect(url_for("letters.edit", patient_id=patient.id, letter_id=letter.id))


@bp.route("/patients/<int:patient_id>/letters/<int:letter_id>", methods=["GET", "POST"])
@roles_required(*CLINICAL_ROLES)
def edit(patient_id: int, letter_id: int):
    """Read and edit a draft, then sign it; a signed letter is shown as it was sent."""
    patient = patient_in_my_clinic(patient_id)
    letter = _own_letter(patient, letter_id)
    if letter.status == "final":
        return render_template("letters/final.html", patient=patient, letter=letter,
                               episode=db.session.get(ops.Episode, letter.episode_id))
    if request.method == "POST" and g.user.role != Role.THERAPIST:
        abort(403)
    form = forms.LetterForm() if request.method == "POST" else forms.LetterForm(obj=letter)
    problems: tuple[str, ...] = ()
    if form.validate_on_submit():
        signing = request.form.get("action") == "sign"
        try:
            ops.save_letter(db.session, letter, patient, recipient=form.recipient.data or "",
                            body=form.body.data or "", signed_name=form.signed_name.data or "",
                            qualification=form.qualification.data or "", sign_it=signing,
                            render=lambda row: render_letter(row, patient), user=g.user, now=now(),
                            outcome=form.outcome.data or "", reason=form.reason.data or "")
        except ops.LetterRefused as exc:
            db.session.rollback()
            letter = _own_letter(patient, letter_id)
            problems = exc.problems
        else:
            db.session.commit()
            flash("Letter signed. It can no longer be changed." if signing else "Draft kept.", "success")
            return redirect(url_for("letters.edit", patient_id=patient.id, letter_id=letter.id))
    return render_template("letters/edit.html", patient=patient, letter=letter, form=form, problems=problems), (
        400 if form.errors or problems else 200)


@bp.get("/patients/<int:patient_id>/letters/<int:letter_id>/letter.pdf")
@roles_required(*CLINICAL_ROLES)
def letter_pdf(patient_id: int, letter_id: int):
    """The signed letter's PDF, exactly as signed."""
    patient = patient_in_my_clinic(patient_id)
    letter = _own_letter(patient, letter_id)
    if letter.status != "final":
        abort(404)
    # A letter imported from another installation comes without its PDF: rendered again from the signed text.
    data = letter.pdf if letter.pdf is not None else render_letter(letter, patient)
    ops.record_letter_print(db.session, letter, user=g.user)
    db.session.commit()
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="letter-{patient.record_number}-{letter.id}.pdf"',
        "Cache-Control": "no-store"})
