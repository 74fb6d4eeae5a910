"""Log in, log out, change password. Thin: parse, one operation, one commit, redirect."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from clinic.auth import operations as ops
from clinic.auth.forms import LoginForm, PasswordForm
from clinic.clock import now
from clinic.extensions import db
from clinic.security import client_address, device_for, login_policy, remember_device, safe_next
from clinic.transactions import reads_first

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@reads_first  # the password hash (a third of a second) is checked before anything is written: on SQLite, the write
# lock is not held meanwhile, so a clinic logging in at once at 8 o'clock does not queue past the busy timeout
def login():
    """Show the login form; on success start a login session and go where the user was heading."""
    if g.user is not None:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if request.args.get("expired") and request.method == "GET":
        flash("You were logged out after a period of inactivity. Log in again to carry on.", "info")
    if form.validate_on_submit():
        try:
            logged_in = ops.log_in(
                db.session, form.email.data, form.password.data, now(), login_policy(),
                client=client_address(), device_for=device_for, user_agent=request.user_agent.string or "",
            )
        except ops.LoginThrottled as exc:
            # The same answer whether the account exists and whether the password was right: no hash was
            # computed, and the wait comes from the failure counts alone.
            minutes = max(1, int((exc.retry_after - now()).total_seconds() // 60) + 1)
            db.session.commit()
            form.password.errors.append(
                f"Too many failed attempts. Try again in {minutes} minutes, or ask your administrator to "
                "unlock your account."
            )
            return render_template("auth/login.html", form=form), 429
        if logged_in is None:
            db.session.commit()
            form.password.errors.append("The email or password is not right.")
            return render_template("auth/login.html", form=form), 401
        session.clear()
        session["sid"] = logged_in.token
        db.session.commit()
        return remember_device(redirect(safe_next(form.next.data)), logged_in.user.id)
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """End this login session (the cookie alone no longer opens anything)."""
    ops.end_login_session(db.session, g.login)
    db.session.commit()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/account/still-here")
def still_here():
    """"Stay logged in" on the idle warning (WCAG 2.2.1): the request itself restarts the idle timer, as every
    request does (SEC-26); nothing else changes. No content, so the page stays as it is, script or not."""
    return "", 204


@bp.route("/account/password", methods=["GET", "POST"])
@reads_first  # two password hashes before the first write (see login)
def change_password():
    """Change one's own password; every login session of the account ends, so log in again."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            ops.change_password(db.session, g.user, form.current_password.data, form.new_password.data, now())
        except ops.AccountError as exc:
            form.current_password.errors.append(str(exc))
            return render_template("auth/password.html", form=form), 400
        db.session.commit()
        session.clear()
        flash("Your password is changed. Log in with the new one.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form), (400 if form.errors else 200)
