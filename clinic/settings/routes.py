"""The administrator's clinic settings page (WF-01)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from clinic import localtime
from clinic.extensions import db
from clinic.models import Role
from clinic.security import roles_required
from clinic.settings import operations as ops
from clinic.settings.forms import SettingsForm

bp = Blueprint("settings", __name__, url_prefix="/admin")


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit():
    """See and change the clinic's name, numbers, logo, time zone, paper size and screening validity."""
    clinic = g.user.clinic
    form = SettingsForm(obj=clinic)
    if form.validate_on_submit():
        upload = form.logo.data
        raw = upload.read(ops.LOGO_MAX_BYTES + 1) if upload and getattr(upload, "filename", "") else None
        try:
            changed = ops.update_settings(db.session, clinic, form.to_values(), logo=raw,
                                          remove_logo=form.remove_logo.data, user=g.user)
        except ops.SettingsProblems as exc:
            db.session.rollback()
            for key, message in exc.problems.items():
                form[key].errors = [*form[key].errors, message]
        else:
            db.session.commit()
            flash(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.", "success")
            return redirect(url_for("settings.edit"))
    logo = ops.logo_of(clinic)
    return render_template(
        "settings/form.html", form=form, clinic=clinic, logo_url=logo.data_url() if logo else None,
        problems=ops.print_problems(clinic), zones=sorted(localtime.zone_names()),
    ), (400 if form.errors else 200)
