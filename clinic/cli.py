"""Our commands: the ones on the app (``init_app``), and the ones that work when the app cannot start
(``protocols``, ``screen``). clinic/console.py puts them together as the ``clinic`` command.

The commands call the same operations as the web views; each command commits once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import NoAppException, with_appcontext
from sqlalchemy import func, select

from clinic import audit, transactions
from clinic.auth import operations as auth_ops
from clinic.clock import now
from clinic.config import build_config, protocol_dirs
from clinic.extensions import db
from clinic.inputs import MAX_ID
from clinic.models import Role, User
from clinic.settings.operations import new_clinic_defaults, print_problems


@click.group("protocols")  # a plain group: these commands must work when the app cannot start
def protocols_group() -> None:
    """Check and read the protocol files (works even when a broken file stops the app)."""


def _dirs(extra: tuple[Path, ...]) -> list[Path]:
    return protocol_dirs({"PROTOCOL_DIRS": list(extra)} if extra else build_config())


@protocols_group.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def protocols_check(dirs: tuple[Path, ...]) -> None:
    """Validate our protocols plus DIRS (default: the configured PROTOCOL_DIRS); exit 1 on any problem.
    Then the reading grade of each protocol's patient text, and every string above the target (HO-04)."""
    from clinic import readability
    from clinic.domain.protocols import check_report, illustration_ids_in
    from clinic.library import ILLUSTRATIONS, load_all

    folders = _dirs(dirs)
    lines, ok = check_report(folders, illustration_ids_in(ILLUSTRATIONS))
    for line in lines:
        click.echo(line)
    if not ok:
        sys.exit(1)
    click.echo("")
    for line in readability.report_lines(*load_all(folders)):
        click.echo(line)


@protocols_group.command("show")
@click.argument("protocol_id")
def protocols_show(protocol_id: str) -> None:
    """Print a readable outline of one protocol."""
    from clinic.domain.protocols import outline
    from clinic.domain.rules import DataFileError
    from clinic.library import load

    try:
        lib = load(_dirs(()))
    except DataFileError as exc:
        raise click.ClickException(f"the protocol files have problems (run `clinic protocols check`):\n{exc}") from None
    if protocol_id not in lib.protocols:
        raise click.ClickException(f"no protocol {protocol_id!r}; there are: {', '.join(sorted(lib.protocols))}")
    click.echo(outline(lib.protocol(protocol_id), lib))


@click.command("screen")  # works when the app cannot start
@click.option("--answers", "answers_file", type=click.File(encoding="utf-8"), required=True,
              help="JSON answers, one per question id (see protocols/screening.md).")
@click.option("--facts", "facts_file", type=click.File(encoding="utf-8"),
              help="JSON with the condition and its case facts.")
@click.option("--on", "on_date", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The screening day, YYYY-MM-DD (never today by default).")
def screen_command(answers_file, facts_file, on_date) -> None:
    """Screen answers against the rules and print the result as JSON (for protocol authors)."""
    from clinic.domain import screening, screening_json
    from clinic.domain.rules import DataFileError
    from clinic.library import load_all

    try:
        rules = load_all(_dirs(()))[1]
    except DataFileError as exc:
        raise click.ClickException(f"the screening rules have problems:\n{exc}") from None
    try:
        facts_obj = json.load(facts_file) if facts_file else {}
        answers = screening_json.answers_from_json(json.load(answers_file))
        facts = screening_json.facts_from_json(facts_obj, rules)
        condition = screening_json.condition_from_json(facts_obj, rules)
    except (ValueError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(exc)) from None
    result = screening.screen(answers, facts, rules, on_date.date(), condition=condition)
    click.echo(json.dumps(screening_json.result_to_json(result), indent=2, ensure_ascii=False))


def app_commands() -> tuple[click.Command, ...]:
    """The commands that need the app (Flask-Migrate's ``db`` among them)."""
    from flask_migrate.cli import db as db_group

    return (db_group, user, demo, backup, audit_group, export_patient, import_patient, handout_command,
            prune_handouts, settings_command)


def init_app(app) -> None:
    """Register the commands on the app, so ``clinic`` and the test runner see the same ones."""
    for command in app_commands():
        if command.name not in app.cli.commands:
            app.cli.add_command(command)


@click.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--clinic", "clinic_name", required=True, help="Clinic name; created when new.")
@click.option("--name", "full_name", default="", help="Full name (defaults to the email).")
@click.password_option("--password", help="At least 12 characters; asked for when not given.")
@with_appcontext
def user_create(email: str, role: str, clinic_name: str, full_name: str, password: str) -> None:
    """Add an account EMAIL with ROLE to a clinic."""
    clinic = auth_ops.get_or_create_clinic(db.session, clinic_name, now(), defaults=new_clinic_defaults())
    try:
        account = auth_ops.add_account(
            db.session, clinic=clinic, email=email, full_name=full_name or email, role=role,
            password=password, now=now(), acting=None,
        )
    except auth_ops.AccountError as exc:
        raise NoAppException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {role} account {account.email} in {clinic.name}.")
    for problem in print_problems(clinic):
        click.echo(f"Next: {problem}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load a demo clinic with an administrator, a therapist and a receptionist."""
    from clinic import demo as demo_data

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database already has data; demo data not loaded.")
    else:
        demo_data.load(db.session, now())
        db.session.commit()
        click.echo("Demo data loaded.")
    click.echo(demo_data.LOGIN_HELP)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(target: Path) -> None:
    """Write an online backup of the database to TARGET (mode 0600; never a file copy of a live database)."""
    from clinic import backups

    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file name.")
    try:
        backups.back_up(db.session, current_app.config["DATABASE_URL"], target)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Backup written to {target} (readable by its owner only).")
    click.echo(backups.NOT_INCLUDED)


@click.group("audit")
def audit_group() -> None:
    """Check the audit trail."""


@audit_group.command("verify")
@click.option("--full", is_flag=True, help="Check every row from the first, not only those since the last verify.")
@with_appcontext
def audit_verify(full: bool) -> None:
    """Verify the audit chain; exit 1 naming each row that was changed, removed or forged.

    It reads one snapshot and never blocks the app's writes. A verify that finds the chain intact leaves an
    HMAC'd checkpoint, and the next one checks only the rows written since (``--full``: every row).
    """
    with transactions.read_only_snapshot(db.session):
        verified = audit.verify(db.session, full=full)
        count = db.session.scalar(select(func.count(audit.AuditEvent.id)))
    problems = verified.problems
    if problems:
        for problem in problems:
            click.echo(f"row {problem.row}: {problem.message}")
        click.echo(f"{len(problems)} problem(s) in {count} audit rows.")
        if audit.every_row_fails(problems, count):
            click.echo("Every row fails: this is almost certainly the wrong AUDIT_KEY, not tampering. Was "
                       "SECRET_KEY changed while AUDIT_KEY was not set? Set AUDIT_KEY to the key the rows were "
                       "written with (README: Keys).")
        sys.exit(1)
    audit.write_checkpoint(db.session, verified, now())
    db.session.commit()
    checked = verified.last_id - verified.started_after
    since = f"; checked the {checked} written since the last verify (--full checks every row)" \
        if verified.started_after else ""
    click.echo(f"Audit chain intact: {count} rows{since}.")


@click.command("export")
@click.argument("record_number", metavar="PATIENT")
@click.option("--clinic", "clinic_name", default=None, help="Clinic name, when several clinics use the number.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@with_appcontext
def export_patient(record_number: str, clinic_name: str | None, output: Path | None) -> None:
    """Export one patient (by record number) as JSON: every row of theirs, none of anyone else's."""
    from clinic.patients import operations as patient_ops
    from clinic.patients.search import find_by_record_number

    found = find_by_record_number(db.session, record_number, clinic_name)
    if not found:
        raise click.ClickException(f"No patient with record number {record_number}.")
    if len(found) > 1:
        raise click.ClickException(f"{len(found)} clinics use record number {record_number}; name one with --clinic.")
    body = patient_ops.export_json(db.session, found[0])
    patient_ops.record_export(db.session, found[0], "json", user=None)
    db.session.commit()
    if output is None:
        click.echo(body, nl=False)  # bytes go to the binary stream unchanged
    else:
        output.write_bytes(body)
        click.echo(f"Exported {record_number} to {output}.", err=True)


@click.command("import")
@click.argument("source", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--clinic", "clinic_name", default=None, help="Import into this clinic instead of the one in FILE.")
@click.option("--new-clinic", is_flag=True, help="Create the clinic when no clinic has exactly its name.")
@with_appcontext
def import_patient(source: Path, clinic_name: str | None, new_clinic: bool) -> None:
    """Import a patient from a JSON export, checked like the pages check input; nothing is written on a problem.

    The clinic must exist with exactly the name given (a new database's first import creates it).
    """
    from clinic.patients import operations as patient_ops

    try:
        patient = patient_ops.import_record(db.session, source.read_bytes(), now=now(), clinic_name=clinic_name,
                                            create_clinic=new_clinic)
    except patient_ops.ImportProblem as exc:
        db.session.rollback()
        raise click.ClickException(f"{source.name}: {exc}") from None
    db.session.commit()
    click.echo(f"Imported {patient.record_number}.")


@click.command("handout")
@click.argument("revision_id", metavar="PLAN_REVISION", type=click.IntRange(1, MAX_ID))  # SEC-24: no 500
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The PDF file to write.")
@click.option("--large-print", is_flag=True, help="Body text of at least 16 pt.")
@click.option("--letter", is_flag=True, help="US Letter paper instead of the clinic's paper size setting.")
@click.option("--no-next-stage", is_flag=True, help="Leave out the preview of the next stage.")
@click.option("--summary", is_flag=True, help="The one-page therapist summary instead of the handout.")
@with_appcontext
def handout_command(revision_id: int, output: Path, large_print: bool, letter: bool, no_next_stage: bool,
                    summary: bool) -> None:
    """Write the handout of an approved plan revision (its id, shown on the plan history) to a PDF file."""
    from clinic.handouts import operations as handout_ops
    from clinic.handouts import printing
    from clinic.library import library
    from clinic.models import Clinic, Patient, PlanRevision

    revision = db.session.get(PlanRevision, revision_id)
    if revision is None:
        raise click.ClickException(f"No plan revision {revision_id}.")
    clinic = db.session.get(Clinic, db.session.get(Patient, revision.patient_id).clinic_id)
    options = printing.HandoutOptionsKey("summary" if summary else "handout",
                                         "Letter" if letter else printing.paper_of(clinic),
                                         large_print=large_print, show_next_stage=not no_next_stage)
    try:
        printed = handout_ops.print_revision(db.session, revision, options, library=library(), user=None, now=now())
    except handout_ops.PrintRefused as exc:
        reasons = exc.check.problems + exc.check.not_set_up
        raise click.ClickException("This handout cannot be printed now:\n" + "\n".join(f"- {p}" for p in reasons)
                                   ) from None
    db.session.commit()
    output.write_bytes(printed.pdf)
    click.echo(f"Wrote {output} ({len(printed.pdf):,} bytes{', from the cache' if printed.from_cache else ''}).")


@click.command("prune-handouts")
@with_appcontext
def prune_handouts() -> None:
    """Delete stored handout PDFs of revisions replaced more than SUPERSEDED_HANDOUT_DAYS days ago."""
    from clinic.handouts import printing

    days = int(current_app.config["SUPERSEDED_HANDOUT_DAYS"])
    deleted = printing.prune_superseded(db.session, days=days, now=now())
    db.session.commit()
    click.echo(f"Deleted {deleted} stored PDF(s) of revisions replaced more than {days} days ago.")


@click.command("settings")
@click.option("--clinic", "clinic_name", default=None, help="The clinic to show or change (when there are several).")
@click.option("--name", default=None, help="A new name for the clinic.")
@click.option("--address", default=None)
@click.option("--phone", default=None, help="The number a worried patient calls; handouts print only once it is set.")
@click.option("--emergency-number", default=None, help="For the call-an-ambulance box: 999, 112, 911…")
@click.option("--time-zone", default=None, help="IANA name such as Europe/London; dates and 'today' follow it.")
@click.option("--paper-size", type=click.Choice(["A4", "Letter"]), default=None)
@click.option("--screening-valid-days", type=int, default=None, help="Days a screening stays valid (1 to 365).")
@click.option("--logo", "logo_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A PNG or JPEG picture for the handout header (re-encoded before use).")
@click.option("--remove-logo", is_flag=True)
@with_appcontext
def settings_command(clinic_name: str | None, logo_file: Path | None, remove_logo: bool, **values) -> None:
    """Show a clinic's settings, or change the ones given (the same checks as the Settings page)."""
    from clinic.models import Clinic
    from clinic.settings import operations as settings_ops

    clinics = db.session.scalars(select(Clinic).order_by(Clinic.name)).all()
    if clinic_name is not None:
        clinics = [c for c in clinics if c.name == clinic_name]
        if not clinics:
            raise click.ClickException(f"No clinic called {clinic_name!r}.")
    if not clinics:
        raise click.ClickException("There is no clinic yet; `clinic user create --clinic NAME …` makes one.")
    if len(clinics) > 1:
        names = ", ".join(repr(c.name) for c in clinics)
        raise click.ClickException(f"There are {len(clinics)} clinics ({names}); name one with --clinic.")
    clinic = clinics[0]
    given = {k: v for k, v in values.items() if v is not None}
    if given or logo_file or remove_logo:
        logo = logo_file.read_bytes()[: settings_ops.LOGO_MAX_BYTES + 1] if logo_file else None
        try:
            changed = settings_ops.update_settings(db.session, clinic, given, logo=logo, remove_logo=remove_logo,
                                                   user=None, actor="cli")
        except settings_ops.SettingsProblems as exc:
            db.session.rollback()
            raise click.ClickException("\n".join(f"{settings_ops.LABELS[k]}: {m}"
                                                  for k, m in exc.problems.items())) from None
        db.session.commit()
        click.echo(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.")
    for key in settings_ops.FIELDS:
        click.echo(f"{settings_ops.LABELS[key]:<28} {getattr(clinic, key)}")
    click.echo(f"{settings_ops.LABELS['logo']:<28} {'set' if clinic.logo_png else 'none'}")
    for problem in settings_ops.print_problems(clinic):
        click.echo(f"Warning: {problem}")
