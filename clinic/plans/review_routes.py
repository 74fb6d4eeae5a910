"""Plans that wait for review (CS-06, CS-11) on the plans blueprint: the clinic's list, and "Reviewed — still
correct" for a revision held because its protocol changed (issue 12, item 10). Thin views: one operation, one
commit."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from clinic.clock import now
from clinic.extensions import db
from clinic.library import library
from clinic.models import Role
from clinic.plans import forms, reviews
from clinic.plans import operations as ops
from clinic.plans.routes import CLINICAL_ROLES, _own_plan, _page_values, _refused, _today, bp
from clinic.security import roles_required


@bp.get("/plans/review")
@roles_required(*CLINICAL_ROLES)
def review():
    """Approved plans of the clinic that need review before they print again (CS-06, CS-11)."""
    rows = ops.plans_needing_review(db.session, g.user.clinic_id, library=library(), today=_today())
    return render_template("plans/review.html", rows=rows)


@bp.post("/patients/<int:patient_id>/plans/<int:plan_id>/revisions/<int:number>/reviewed")
@roles_required(Role.THERAPIST)
def reviewed(patient_id: int, plan_id: int, number: int):
    """"Reviewed — still correct": the therapist checked a revision held by a protocol change against the
    protocol as it is now; recorded (who, when, note, which protocol), audited, and the revision prints again."""
    plan, patient = _own_plan(patient_id, plan_id)
    revision = ops.revision_by_number(db.session, plan, number)
    if revision is None:
        abort(404)
    form = forms.ReviewedForm()
    if form.validate_on_submit():
        try:
            reviews.mark_still_correct(db.session, plan, patient, revision, note=form.note.data or "",
                                       library=library(), user=g.user, now=now())
        except reviews.NotHeld as exc:
            db.session.rollback()
            return _refused(patient, "Nothing to mark as reviewed", [str(exc)], plan=plan)
        db.session.commit()
        flash(f"Revision {revision.number} is marked reviewed and still correct against today's rules. "
              "Its handout prints again.", "success")
        return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id))
    page = render_template("plans/show.html", approve_form=forms.VersionForm(formdata=None, data={
        "version": plan.version}), reviewed_form=form, **_page_values(plan, patient))
    db.session.rollback()
    return page, 400
