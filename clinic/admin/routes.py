"""List, add and edit the accounts of the administrator's own clinic."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from clinic.admin.forms import UnlockForm, UserCreateForm, UserEditForm
from clinic.auth import operations as ops
from clinic.clock import now
from clinic.extensions import db
from clinic.models import Role, User
from clinic.security import login_policy, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _own_user(user_id: int) -> User:
    """An account of the administrator's clinic, or 404 (never another clinic's)."""
    user = db.session.get(User, user_id)
    if user is None or user.clinic_id != g.user.clinic_id:
        abort(404)
    return user


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    """The clinic's accounts."""
    rows = ops.clinic_accounts(db.session, g.user.clinic_id)
    locked = ops.locked_accounts(db.session, rows, now(), login_policy())
    return render_template("admin/users.html", users=rows, locked=locked)


@bp.post("/users/<int:user_id>/unlock")
@roles_required(Role.ADMIN)
def unlock_user(user_id: int):
    """Forget the account's failed logins, so it can log in from any browser again (SEC-23)."""
    user = _own_user(user_id)
    if not UnlockForm().validate_on_submit():
        abort(400)
    ops.unlock_login(db.session, user, acting=g.user)
    db.session.commit()
    flash("Login unlocked: the account can log in again from any computer.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    """Add an account to the clinic."""
    form = UserCreateForm(active=True, role=Role.THERAPIST.value)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append("Enter a first password of at least 12 characters.")
        else:
            try:
                ops.add_account(
                    db.session, clinic=g.user.clinic, email=form.email.data, full_name=form.full_name.data,
                    role=form.role.data, password=form.password.data, active=form.active.data, now=now(),
                    acting=g.user,
                )
            except ops.AccountError as exc:
                form.email.errors.append(str(exc))
            else:
                db.session.commit()
                flash("Account added. Give the person their first password.", "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), (400 if form.errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    """Change name, role or status; disabling ends the person's login sessions."""
    user = _own_user(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            ops.update_user(
                db.session, user, full_name=form.full_name.data, role=form.role.data,
                active=form.active.data, acting=g.user,
            )
        except ops.AccountError as exc:
            form.active.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Account saved.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), (400 if form.errors else 200)
