"""Plan pages: thin views (parse the form, one operation, one commit, redirect).

Every URL sits under the patient (``/patients/<id>/plans/<plan_id>``), so a plan of another patient or
clinic is a 404 (SEC-03) and erasing the patient also drops any half-typed form of theirs.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from clinic import localtime, staff
from clinic.clock import now, today, zone_name
from clinic.domain import plan_formats, planning
from clinic.domain.planning import PlanEditError
from clinic.domain.progress import current_stage, next_stage, next_stage_criteria
from clinic.extensions import db
from clinic.forms import ClinicForm
from clinic.handouts import operations as handout_ops
from clinic.handouts import plan_context as handout
from clinic.handouts import printing
from clinic.handouts.printing import HandoutOptionsKey
from clinic.library import library, screening_rules
from clinic.measures import diary as diary_ops
from clinic.measures import operations as measure_ops
from clinic.models import Patient, Plan, PlanRevision, Role, Screening
from clinic.patients import operations as patient_ops
from clinic.patients.access import patient_in_my_clinic
from clinic.plans import chart, conflicts, forms
from clinic.plans import operations as ops
from clinic.plans import page as plan_page
from clinic.security import roles_required
from clinic.settings import operations as settings_ops
from clinic.transactions import reads_first

bp = Blueprint("plans", __name__)

CLINICAL_ROLES = (Role.ADMIN, Role.THERAPIST)


def _own_plan(patient_id: int, plan_id: int) -> tuple[Plan, Patient]:
    """A plan of a patient of the user's clinic, or 404 with nothing of anyone else's (SEC-03)."""
    patient = patient_in_my_clinic(patient_id)
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.patient_id != patient.id:
        abort(404)
    return plan, patient


def _today() -> dt.date:
    return today()


def _paper() -> str:
    """The clinic's paper size (a clinic setting)."""
    return printing.paper_of(g.user.clinic)


def _refused(patient: Patient, title: str, problems, status: int = 409, plan: Plan | None = None, links=()):
    return render_template("plans/refused.html", patient=patient, title=title, problems=problems, plan=plan,
                           links=links), status


# ------------------------------------------------------------------------------------------ new


@bp.route("/patients/<int:patient_id>/plans/new", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def new(patient_id: int):
    """Choose the condition, then its case facts; the engine makes the draft or says why it cannot."""
    patient = patient_in_my_clinic(patient_id)
    lib = library()
    condition = request.args.get("condition")
    if condition is None:
        choices = [(p.id, p.title, ops.open_plan(db.session, patient, p.id)) for p in lib.conditions()]
        return render_template("plans/choose.html", patient=patient, choices=choices)
    if condition not in lib.protocols:
        abort(404)
    protocol = lib.protocol(condition)
    check = ops.check_screening(db.session, patient, condition, _today())
    existing = ops.open_plan(db.session, patient, condition)
    form_class = forms.facts_form_class(protocol)
    if request.method == "GET":
        form = form_class(data=forms.facts_data(protocol, ops.prefill_facts(db.session, patient, condition)))
    else:
        form = form_class()
    problems: tuple[str, ...] = ()
    status = 200
    if form.validate_on_submit():
        try:
            plan, created = ops.make_plan(db.session, patient, condition, form.to_facts(), library=lib,
                                          user=g.user, now=now())
        except ops.PlanRefused as exc:
            db.session.rollback()
            problems, status = exc.problems, 422
        else:
            lost = len((plan.carried_over or {}).get("not_kept", ()))
            db.session.commit()
            coming = next_stage(ops.draft_of(plan))
            later = (f" Stage {coming.number} could start by its dates: if its criteria hold for this patient today, "
                     f"confirm them with “Move to stage {coming.number}”." if coming is not None and coming.date_reached
                     else "")
            flash("Draft plan made. Check it, edit it if needed, then approve it." + later if created else
                  "The plan was made again from these facts. Check it, then approve it."
                  + (f" {lost} of your earlier changes could not be carried over: they are listed under the draft."
                     if lost else ""), "warning" if lost else "success")
            return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id))
    elif request.method == "POST":
        status = 400
    return render_template("plans/facts.html", patient=patient, form=form, protocol=protocol, check=check,
                           problems=problems, existing=existing), status


@bp.post("/patients/<int:patient_id>/plans/from-screening/<int:screening_id>")
@roles_required(Role.THERAPIST)
def from_screening(patient_id: int, screening_id: int):
    """"Make the plan" on a screening result: the condition and case facts come from the screening."""
    patient = patient_in_my_clinic(patient_id)
    screening = db.session.get(Screening, screening_id)
    if screening is None or screening.patient_id != patient.id:
        abort(404)
    if not ClinicForm().validate_on_submit():
        abort(400)
    try:
        plan, created = ops.plan_from_screening(db.session, patient, screening, library=library(), user=g.user,
                                                now=now())
    except ops.PlanRefused as exc:
        db.session.rollback()
        for problem in exc.problems:
            flash(problem, "error")
        if screening.condition in library().protocols:
            return redirect(url_for("plans.new", patient_id=patient.id, condition=screening.condition))
        return redirect(url_for("plans.new", patient_id=patient.id))
    db.session.commit()
    flash("Draft plan made from the screening. Check it, then approve it." if created else
          "The plan was made again from this screening. Check it, then approve it.", "success")
    return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id))


# ----------------------------------------------------------------------------------------- show


def _earlier_rules(plan: Plan, revision) -> list[str]:
    """What of this plan was stored with the earlier plan rules: 'revision 2', 'the draft', both or neither."""
    out = []
    if revision is not None and plan_formats.made_with_earlier_rules(revision.canonical):
        out.append(f"revision {revision.number}")
    if plan_formats.made_with_earlier_rules(plan.draft) and (revision is None or plan.draft != revision.canonical):
        out.append("the draft")
    return out


SESSIONS_PAGE = 20
CHART_SESSIONS = 40  # the progress chart's newest sessions and outcome measures
CHART_OUTCOMES = 20
HISTORY_PAGE = 10


def _number_arg(name: str) -> int:
    """A non-negative whole number from the query string (0 when absent or mangled)."""
    value = request.args.get(name, "")
    return min(int(value), 10**9) if value.isdigit() else 0


def _page_values(plan: Plan, patient: Patient) -> dict:
    lib = library()
    older = _number_arg("older")
    sessions, more = ops.newest_sessions(db.session, plan, SESSIONS_PAGE, older)
    draft = ops.draft_of(plan)
    state = ops.plan_state(db.session, plan, patient, library=lib, today=_today())
    current = current_stage(draft)
    return {
        "patient": patient, "plan": plan, "draft": draft, "state": state, "current": current,
        "coming": next_stage(draft), "revision_count": ops.revision_count(db.session, plan),
        "programme": {s.id: handout.home_programme(s) for s in draft.stages},
        "stage_warnings": {s.id: handout.warnings(draft, s) for s in draft.stages},
        "override_lines": handout.override_lines(draft),
        "approve_problems": ops.draft_problems(db.session, plan, patient, library=lib, today=_today())
        if state.unapproved_changes else [],
        "sessions": sessions, "older_sessions": older + SESSIONS_PAGE if more else None,
        "clinic_dose": handout.clinic_dose_words,
        # a choice fact's answer in the protocol's words ("Ischaemic (a blocked blood vessel)")
        "fact_labels": {f.name: {o.value: o.label for o in f.options}
                        for f in (lib.protocol(plan.protocol_id).facts if plan.protocol_id in lib.protocols else ())},
        "fact_names": {f.name: f.words
                       for f in (lib.protocol(plan.protocol_id).facts if plan.protocol_id in lib.protocols else ())},
        # sessions name their stage and techniques by id: shown by title and name
        "stage_titles": {s.id: f"{s.number}. {s.title}" for s in draft.stages},
        "item_names": {i.ref: getattr(i, "name", None) or i.title for s in draft.stages for i in (*s.clinic, *s.home)},
        "earlier_rules": _earlier_rules(plan, state.revision),
        **plan_page.held_values(db.session, plan, state, lib),
        **plan_page.finding_values(draft, screening_rules()),
    }


@bp.get("/patients/<int:patient_id>/plans/<int:plan_id>")
@roles_required(*CLINICAL_ROLES)
def show(patient_id: int, plan_id: int):
    """The plan: status, every stage with its dated window, what was left out and why, warnings, home programme."""
    plan, patient = _own_plan(patient_id, plan_id)
    values = _page_values(plan, patient)
    # Each form only on the page that shows it (a held revision; a draft to approve)
    page = render_template("plans/show.html", approve_form=forms.VersionForm(formdata=None, data={
        "version": plan.version}) if values["state"].unapproved_changes else None,
        reviewed_form=forms.ReviewedForm(formdata=None) if values["held"] else None, **values)
    patient_ops.record_view(db.session, patient, user=g.user, detail=f"plan {plan.id}")
    db.session.commit()
    return page


# ----------------------------------------------------------------------------------------- edit


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def edit(patient_id: int, plan_id: int):
    """Edit doses, home exercises and notes; a save from an old version gets the conflict page (REL-01)."""
    plan, patient = _own_plan(patient_id, plan_id)
    lib = library()
    draft = ops.draft_of(plan)
    form_class = forms.edit_form_class(draft, lib)
    if request.method == "GET":
        form = form_class(data=forms.edit_data(draft) | {"version": plan.version})
    else:
        form = form_class()
    status = 200
    edit_error = None
    if form.validate_on_submit():
        try:
            changed = ops.save_draft(db.session, plan, form.to_changes(), expected_version=form.version.data,
                                     library=lib, user=g.user, now=now())
        except (ops.EditConflict, StaleDataError):
            db.session.rollback()
            return _conflict(patient_id, plan_id, form)
        except PlanEditError as exc:
            edit_error, status = str(exc), 422
        else:
            db.session.commit()
            flash(f"Saved {len(changed)} change{'s' if len(changed) != 1 else ''}. Approve the plan to print it."
                  if changed else "Nothing was changed.", "success" if changed else "info")
            return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id))
    elif request.method == "POST":
        status = 400
    return render_template("plans/edit.html", patient=patient, plan=plan, draft=draft, form=form,
                           edit_error=edit_error, conflict=None, F=forms, keys=ops.exercise_keys, zip=zip,
                           programme={s.id: handout.home_programme(s) for s in draft.stages}), status


def _conflict(patient_id: int, plan_id: int, typed):
    """Both versions side by side; the form now rests on the saved version and keeps what this user typed."""
    plan, patient = _own_plan(patient_id, plan_id)
    draft = ops.draft_of(plan)
    form = forms.edit_form_class(draft, library())(formdata=request.form)
    form.version.data = plan.version
    form.version.raw_data = [str(plan.version)]
    conflict = conflicts.compare(draft, request.form)
    ops.record_edit_conflict(db.session, plan, user=g.user)
    db.session.commit()
    return render_template("plans/edit.html", patient=patient, plan=plan, draft=draft, form=form, edit_error=None,
                           conflict={"rows": conflict.rows, "by": plan.updated_by, "at": plan.updated_at,
                                     "lost": conflict.lost},
                           F=forms, keys=ops.exercise_keys, zip=zip,
                           programme={s.id: handout.home_programme(s) for s in draft.stages}), 409


# -------------------------------------------------------------------------------------- approve


@bp.post("/patients/<int:patient_id>/plans/<int:plan_id>/approve")
@roles_required(Role.THERAPIST)
@reads_first  # the handout renders before anything is written: the SQLite write lock is not held meanwhile
def approve(patient_id: int, plan_id: int):
    """Freeze the draft as a revision, audit it and render its handout: all in one transaction (REL-05)."""
    plan, patient = _own_plan(patient_id, plan_id)
    form = forms.VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        revision = ops.approve_plan(db.session, plan, patient, expected_version=form.version.data,
                                    library=library(), user=g.user, now=now())
    except (ops.EditConflict, StaleDataError):
        db.session.rollback()
        plan, patient = _own_plan(patient_id, plan_id)
        return _refused(patient, "Changed by someone else", [
            f"{staff.name_for_email(staff.names_by_email(db.session, g.user.clinic_id), plan.updated_by)} saved "
            f"this plan at {localtime.format_time(plan.updated_at, zone_name())} after you opened it. "
            "Nothing was approved. Look at the plan as it is now, then approve it."], plan=plan)
    except ops.PlanRefused as exc:
        db.session.rollback()
        plan, patient = _own_plan(patient_id, plan_id)
        return _refused(patient, "The plan cannot be approved", exc.problems, plan=plan)
    db.session.commit()
    ready = ("The handout is ready to print." if not settings_ops.print_problems(ops.clinic_of(db.session, patient))
             else "Handouts print once the clinic's phone number is set (Settings).")
    flash(f"Approved as revision {revision.number}. {ready}", "success")
    return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id))


# -------------------------------------------------------------------------------------- history


@bp.get("/patients/<int:patient_id>/plans/<int:plan_id>/history")
@roles_required(*CLINICAL_ROLES)
def history(patient_id: int, plan_id: int):
    """Every revision, newest first, with what changed from the one before (and the unapproved draft)."""
    plan, patient = _own_plan(patient_id, plan_id)
    before = _number_arg("before") or None
    protocol = library().protocols.get(plan.protocol_id)
    # The page's revisions and the one before the oldest of them (to say what changed): never all of them.
    newest = ops.newest_revisions(db.session, plan, HISTORY_PAGE + 1, before)
    entries = [(revision, planning.diff_plans(older.canonical, revision.canonical, protocol=protocol) if older else [])
               for revision, older in zip(newest[:HISTORY_PAGE], [*newest[1:], None], strict=False)]
    older_page = newest[HISTORY_PAGE - 1].number if len(newest) > HISTORY_PAGE else None
    latest = newest[0] if newest and before is None else None  # the draft is shown on the first page only
    draft_changes = None
    if latest is not None and planning.plan_digest(plan.draft) != latest.digest:
        draft_changes = planning.diff_plans(latest.canonical, plan.draft, protocol=protocol)
    draft = ops.draft_of(plan)
    titles = {s.id: f"Stage {s.number}: {s.title}" for s in draft.stages}
    confirmations = [(c, titles.get(c.stage_id, "A stage no longer in the plan"))
                     for c in ops.confirmations_of(db.session, plan)]
    page = render_template("plans/history.html", patient=patient, plan=plan, entries=entries, older=older_page,
                           draft_changes=draft_changes, confirmations=confirmations, title=draft.title)
    patient_ops.record_view(db.session, patient, user=g.user, detail=f"plan {plan.id} history")
    db.session.commit()
    return page


# ------------------------------------------------------------------------------------- handouts


def _send_pdf(patient: Patient, plan: Plan, number: int, options: HandoutOptionsKey):
    """The PDF of an approved revision: refused (409, with the reasons) unless it is the newest revision and
    needs no review (CS-06, CS-11); served from the cache after the first render."""
    revision = ops.revision_by_number(db.session, plan, number)
    if revision is None:
        abort(404)
    try:
        printed = handout_ops.print_revision(db.session, revision, options, library=library(), user=g.user,
                                             now=now())
    except handout_ops.PrintRefused as exc:
        if exc.check.not_set_up:
            links = [("Clinic settings", url_for("settings.edit"))] if g.user.has_role(Role.ADMIN) else []
            return _refused(patient, "Handouts cannot be printed yet", exc.check.not_set_up, plan=plan, links=links)
        return _refused(patient, "This handout cannot be printed now", exc.check.problems, plan=plan, links=[
            ("Screen the patient", url_for("screening.start", patient_id=patient.id, condition=plan.protocol_id)),
            ("Update the plan", url_for("plans.new", patient_id=patient.id, condition=plan.protocol_id)),
        ])
    db.session.commit()
    return Response(printed.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{printed.file_name}"', "Cache-Control": "no-store"})


@bp.get("/patients/<int:patient_id>/plans/<int:plan_id>/revisions/<int:number>/handout.pdf")
@roles_required(*CLINICAL_ROLES)
def handout_pdf(patient_id: int, plan_id: int, number: int):
    """The patient handout of an approved revision (large print and next-stage preview as asked)."""
    plan, patient = _own_plan(patient_id, plan_id)
    options = HandoutOptionsKey("handout", _paper(), large_print=request.args.get("large") == "1",
                                show_next_stage=request.args.get("next", "1") != "0")
    return _send_pdf(patient, plan, number, options)


@bp.get("/patients/<int:patient_id>/plans/<int:plan_id>/handout.pdf")
@roles_required(*CLINICAL_ROLES, Role.RECEPTION)
def current_handout(patient_id: int, plan_id: int):
    """The current approved handout, as printed for the patient (reception reprints it from the patient page,
    WF-09): the newest revision only; when it may not print, reception reads why in words that hold nothing
    clinical, and a therapist gets the reasons."""
    plan, patient = _own_plan(patient_id, plan_id)
    latest = ops.latest_revision(db.session, plan)
    if latest is None:
        abort(404)
    if not g.user.has_role(*CLINICAL_ROLES) and not handout_ops.print_check(
            db.session, plan, latest, patient, library=library(), today=_today()).printable:
        return _refused(patient, "This handout cannot be printed now", [
            "The therapist must look at this patient's plan again before its handout is printed. Ask them, or "
            "book the patient in with them."])
    return _send_pdf(patient, plan, latest.number, HandoutOptionsKey("handout", _paper()))


@bp.get("/patients/<int:patient_id>/plans/<int:plan_id>/revisions/<int:number>/summary.pdf")
@roles_required(*CLINICAL_ROLES)
def summary_pdf(patient_id: int, plan_id: int, number: int):
    """The one-page therapist summary of an approved revision."""
    plan, patient = _own_plan(patient_id, plan_id)
    return _send_pdf(patient, plan, number, HandoutOptionsKey("summary", _paper()))


# ------------------------------------------------------------------------------- sessions, stages


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/sessions/new", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def record_session(patient_id: int, plan_id: int):
    """Record a treatment session: date, stage, techniques done, pain before and after, notes."""
    plan, patient = _own_plan(patient_id, plan_id)
    draft = ops.draft_of(plan)
    lib = library()
    coming = next_stage(draft)
    state = ops.plan_state(db.session, plan, patient, library=lib, today=_today())
    may_move = coming is not None and state.revision is not None and not state.unapproved_changes \
        and not state.review and plan.protocol_id in lib.protocols
    date_facts = ops.start_date_facts(lib.protocol(plan.protocol_id), draft) if may_move else ()
    form_class = forms.session_form_class(coming.number if may_move else None,
                                          next_stage_criteria(draft) if may_move else (), date_facts)
    known = draft.fact_values()
    form = form_class() if request.method == "POST" else form_class(
        data={"on_date": _today(), "stage_id": draft.current_stage or draft.stages[0].id}
        | {f"date_{f.name}": known.get(f.name) for f in date_facts})
    form.stage_id.choices = [SelectChoice(s.id, f"{s.number}. {s.title}") for s in draft.stages]
    refs = {}
    for s in draft.stages:
        for t in s.clinic:
            refs.setdefault(t.ref, t.name)
        for e in s.home:
            refs.setdefault(e.ref, e.title)
    form.techniques.choices = [SelectChoice(ref, name) for ref, name in refs.items()]
    problems: tuple[str, ...] = ()
    if form.validate_on_submit() and not (form.moving_on and _pain_rule_unseen(plan, form, lib)):
        before, after = form.pains()
        # the visit may end the stage: move on in the same form (and the same commit)
        asked = _move_asked(form, date_facts, how="with a session; ") if form.moving_on else None
        try:
            moved = ops.record_visit(db.session, plan, patient, on_date=form.on_date.data, stage_id=form.stage_id.data,
                                     techniques=form.techniques.data or [], pain_before=before, pain_after=after,
                                     notes=form.notes.data or "", move=asked, library=lib, user=g.user, now=now())
        except (ops.EditConflict, StaleDataError):
            db.session.rollback()
            plan, patient = _own_plan(patient_id, plan_id)
            problems = ("Someone changed the plan after you opened this page. Nothing was saved: look at the plan "
                        "again first.",)
        except ops.PlanRefused as exc:
            db.session.rollback()  # nothing of this form is saved; everything typed stays in it
            plan, patient = _own_plan(patient_id, plan_id)
            problems = exc.problems
        else:
            db.session.commit()
            flash("Session recorded. " + (_moved_words(asked, moved[1]) if asked and moved else ""), "success")
            return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id))
    return render_template("plans/session.html", patient=patient, plan=plan, draft=draft, form=form,
                           problems=problems, coming=coming), (400 if form.errors or problems else 200)


def _pain_rule_unseen(plan: Plan, form, lib) -> bool:
    """True, with the message next to the tick box, when the diary shows the protocol's pain rule broken and the
    therapist has not ticked that she has seen it (OUT-06: the 24-hour pain response feeds the move check)."""
    if form.pain_rule_seen.data or not diary_ops.pain_rule_broken(db.session, plan, lib):
        return False
    form.pain_rule_seen.errors = [*form.pain_rule_seen.errors, forms.PAIN_RULE_UNSEEN]
    return True


def _move_asked(form, date_facts: tuple, *, how: str) -> ops.MoveAsked:
    """The move on to the next stage that the move form or the session form asks for (``how`` starts the audit
    row's note): a next stage that waits on a date is asked for with the dates given."""
    return ops.MoveAsked(confirmed=tuple(form.criteria.data or ()), dates=form.dates() if date_facts else None,
                         pain_rule_seen=bool(form.pain_rule_seen.data), how=how)


def _moved_words(asked: ops.MoveAsked, revision: PlanRevision | None) -> str:
    """What the move on to the next stage that was asked for did, in words."""
    if asked.dates is not None:
        return ("The plan was made again from the date you gave and starts at the next stage, your changes carried "
                "over: check it, then approve it to print the new handout.")
    return (f"Moved to the next stage: revision {revision.number} is approved; print the new handout."
            if revision else "The plan now starts at the next stage. Check it, then approve it.")


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/move", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def move_stage(patient_id: int, plan_id: int):
    """Move on to the next stage once the current stage's criteria are confirmed (who, when)."""
    plan, patient = _own_plan(patient_id, plan_id)
    draft = ops.draft_of(plan)
    current, coming = current_stage(draft), next_stage(draft)
    lib = library()
    date_facts = ops.start_date_facts(lib.protocol(plan.protocol_id), draft) if plan.protocol_id in lib.protocols \
        else ()
    form_class = forms.move_form_class(date_facts)
    if request.method == "POST":
        form = form_class()
    else:
        known = draft.fact_values()
        form = form_class(data={"version": plan.version} | {f"date_{f.name}": known.get(f.name) for f in date_facts})
    form.criteria.choices = [SelectChoice(c, c) for c in next_stage_criteria(draft)]
    problems: tuple[str, ...] = ()
    ready = form.validate_on_submit() and not _pain_rule_unseen(plan, form, lib)
    if ready:
        try:
            asked = _move_asked(form, date_facts, how="dates recorded; " if date_facts else "")
            _move, revision = ops.move_on(db.session, plan, patient, asked, expected_version=form.version.data,
                                          library=lib, user=g.user, now=now())
        except (ops.EditConflict, StaleDataError):
            db.session.rollback()
            plan, patient = _own_plan(patient_id, plan_id)
            problems = ("Someone changed the plan after you opened this page. Look at the plan again first.",)
        except ops.PlanRefused as exc:
            db.session.rollback()
            plan, patient = _own_plan(patient_id, plan_id)
            problems = exc.problems
        else:
            db.session.commit()
            flash(_moved_words(asked, revision), "success")
            return redirect(url_for("plans.show", patient_id=patient.id, plan_id=plan.id))
    approved = ops.latest_revision(db.session, plan) is not None
    return render_template("plans/move.html", patient=patient, plan=plan, draft=draft, form=form, current=current,
                           coming=coming, problems=problems, approved=approved, date_facts=date_facts), (
        409 if problems else 400 if form.errors else 200)




# ----------------------------------------------------------------------------- patient page parts


@bp.app_template_global()
def protocol_name(protocol_id: str) -> str:
    """A protocol's title for people to read, never its file id."""
    return library().title_of(protocol_id, missing="A protocol no longer in the library")


@bp.app_template_global()
def patient_plans(patient: Patient) -> list[tuple[Plan, ops.PlanState]]:
    """(plan, state) for the patient page."""
    lib = library()
    return [(p, ops.plan_state(db.session, p, patient, library=lib, today=_today()))
            for p in ops.plans_of(db.session, patient)]


@bp.app_template_global()
def current_handouts(patient: Patient) -> list[tuple[Plan, PlanRevision]]:
    """(plan, newest revision) of each approved plan of the patient, for the reprint buttons."""
    return [(p, r) for p in ops.plans_of(db.session, patient) if (r := ops.latest_revision(db.session, p))]


@bp.app_template_global()
def progress_chart(patient: Patient, plans: list[Plan] | None = None) -> chart.Chart | None:
    """The progress chart's geometry (pain and every measure over time, with each protocol's MCID) of the newest
    sessions and measures, or None with nothing to draw. Bounded: after years of sessions the recent course is
    what a chart can show. ``plans``: the patient's plans newest first, when the page has them already."""
    return chart.build(ops.session_pains(db.session, patient, newest=CHART_SESSIONS),
                       measure_ops.outcomes_of(db.session, patient, newest=CHART_OUTCOMES),
                       target=measure_ops.targets(db.session, patient, library(), plans))
