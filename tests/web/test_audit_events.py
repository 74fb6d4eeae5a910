"""AUD-01 over the whole event list: every action the app audits (found by reading clinic/) happens in one
clinic day, driven through the web pages and the ``clinic`` command, and each step leaves exactly the audit
rows the day's table says: who, when (UTC), which patient, outcome, and never a patient's name."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select

from clinic import audit
from clinic.domain import planning
from clinic.domain.progress import next_stage_criteria
from clinic.extensions import db
from clinic.models import AuditEvent, Letter, OutcomeMeasure, Patient, TreatmentSession, User
from clinic.patients import operations as patient_ops
from tests.conftest import PASSWORD, Browser, FakeClock, require_tool
from tests.helpers.patients import patient_form
from tests.helpers.plans import approve, approved_plan, edit_form, new_plan, plan_id_from, plan_row, screen
from tests.helpers.screening import override_data

APP_DIR = Path(__file__).resolve().parents[2] / "clinic"
NEW_PASSWORD = "a new password for the afternoon"
LAST_WEEK = dt.datetime(2026, 2, 23, 9, 0, tzinfo=dt.UTC)
TODAY = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)

# The patients of the day; their names and birth dates must never reach an audit row's detail.
ANT = {"record_number": "P-000001", "family_name": "Brackenridge", "given_names": "Wilhelmina",
       "birth_date": "1984-03-27"}  # registered today through the web
DAN = {"record_number": "P-000101", "family_name": "Quillfeather", "given_names": "Ondine",
       "birth_date": dt.date(1961, 9, 8)}  # tendinitis plan approved last week, moves on a stage today
BEE = {"record_number": "P-000102", "family_name": "Marrowby", "given_names": "Petronella",
       "birth_date": dt.date(1949, 7, 14)}  # asked to be erased; a retention hold restricts first
CAT = {"record_number": "B-000007", "family_name": "Thistlewood", "given_names": "Ysolde",
       "birth_date": dt.date(1977, 11, 30)}  # moves from Clinic B to Clinic A through an export file
CANARIES = [str(v) for p in (ANT, DAN, BEE, CAT) for k, v in p.items() if k != "record_number"]


# ----------------------------------------------------------------------------- what the app records


def _literal_actions(node: ast.expr) -> set[str] | None:
    """The action names an argument can take: a string, or a conditional choosing between strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _literal_actions(node.body), _literal_actions(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _is_audit_record(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "record" and isinstance(func.value, ast.Name) and func.value.id == "audit"
    return isinstance(func, ast.Name) and func.id == "record"


def audited_actions() -> tuple[set[str], list[str]]:
    """Every action named in an ``audit.record(...)`` call under clinic/, and the places of any call whose
    action is not written out (so this scan cannot know it)."""
    actions: set[str] = set()
    unknown: list[str] = []
    for path in sorted(APP_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _is_audit_record(node.func)):
                continue
            # audit.record(session, action, ...): the action is the second argument
            arg = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "action"),
                                                                None)
            names = _literal_actions(arg) if arg is not None else None
            if names is None:
                unknown.append(f"{path.relative_to(APP_DIR.parent)}:{node.lineno}")
            else:
                actions |= names
    return actions, unknown


# ------------------------------------------------------------------------------------- the day


class Row(NamedTuple):
    """One audit row a step must leave. ``who`` is a person of the day or "cli"; ``patient`` a patient of the
    day or None; ``signed_in=False`` means the actor is the email typed and no account is named."""

    action: str
    who: str
    patient: str | None = None
    outcome: str = "ok"
    signed_in: bool = True


@dataclass
class Day:
    app: object
    login: Callable
    runner: object
    clock: FakeClock
    tmp_path: Path
    people: dict[str, tuple[int, str]]
    patients: dict[str, int]
    browsers: dict[str, Browser] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)
    screening: int | None = None

    def expected(self, row: Row) -> tuple:
        if row.who == "cli":
            user_id, actor = None, "cli"
        else:
            user_id, actor = self.people[row.who]
            user_id = user_id if row.signed_in else None
        patient_ref = self.patients[row.patient] if row.patient else None
        return row.action, actor, user_id, patient_ref, row.outcome

    def post(self, who: str, url: str, data=None, status: int = 302):
        response = self.browsers[who].post(url, data=data)
        assert response.status_code == status, (url, response.get_data(as_text=True)[:2000])
        return response

    def get(self, who: str, url: str, status: int = 200):
        response = self.browsers[who].get(url)
        assert response.status_code == status, (url, response.get_data(as_text=True)[:2000])
        return response

    def sign_in(self, who: str, password: str = PASSWORD) -> None:
        old = self.browsers.get(who)
        self.browsers[who] = self.login(self.people[who][1], password, client=old.client if old else None)

    def dans_draft(self) -> planning.PlanDraft:
        return planning.plan_from_canonical(plan_row(self.app, self.plans["dan"]).draft)

    def cli(self, *args: str) -> None:
        result = self.runner.invoke(args=list(args))
        assert result.exit_code == 0, (args, result.output)


def mistyped_password(d: Day) -> None:
    d.browsers["therapist"] = Browser(d.app.test_client())
    d.post("therapist", "/login", {"email": d.people["therapist"][1], "password": "wrong password"}, status=401)


def registers_ant(d: Day) -> None:
    response = d.post("therapist", "/patients/new", patient_form(**ANT))
    d.patients["ant"] = int(response.headers["Location"].rsplit("/", 1)[1])


def edits_ants_phone(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['ant']}/edit", patient_form(**ANT, phone="+1 555 4444", version="1"))


def screens_ant(d: Day) -> None:
    response = screen(d.browsers["therapist"], d.app, d.patients["ant"], "fracture",
                      answers={"fever": "yes", "suspected_malignancy": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    d.screening = int(response.headers["Location"].rsplit("/", 1)[1])


def override_with_wrong_password(d: Day) -> None:
    d.post("therapist", f"/screenings/{d.screening}/override", override_data(password="not my password"), status=401)


def override_with_password(d: Day) -> None:
    d.post("therapist", f"/screenings/{d.screening}/override", override_data(password=PASSWORD))


def records_clearance(d: Day) -> None:
    d.post("therapist", f"/screenings/{d.screening}/clearance", {
        "rule_id": "suspected_malignancy", "cleared_by": "Dr A. Smith, oncologist", "cleared_on": "2026-03-01",
        "note": "Benign cyst."})


def makes_ants_plan(d: Day) -> None:
    response = new_plan(d.browsers["therapist"], d.patients["ant"], "fracture")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    d.plans["ant"] = plan_id_from(response)


def edits_ants_plan(d: Day) -> None:
    pid, plan_id = d.patients["ant"], d.plans["ant"]
    data = edit_form(d.app, d.browsers["therapist"], pid, plan_id)
    data["patient_notes"] = "Bring this sheet to your next visit."
    d.post("therapist", f"/patients/{pid}/plans/{plan_id}/edit", data)


def approves_ants_plan(d: Day) -> None:
    response = approve(d.browsers["therapist"], d.app, d.patients["ant"], d.plans["ant"])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def prints_ants_handout(d: Day) -> None:
    d.get("therapist", f"/patients/{d.patients['ant']}/plans/{d.plans['ant']}/revisions/1/handout.pdf")


def records_ants_grip(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['ant']}/outcomes/grip",
           {"on_date": "2026-03-02", "side": "right", "affected_kg": "12.5", "other_kg": "25"})


def records_dans_session(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['dan']}/plans/{d.plans['dan']}/sessions/new", {
        "on_date": "2026-03-02", "stage_id": d.dans_draft().current_stage, "pain_before": "5", "pain_after": "3"})


def records_dans_quickdash(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['dan']}/outcomes/quickdash",
           {"on_date": "2026-03-02", **{f"item_{n}": "2" for n in range(1, 12)}})


def _latest_id(d: Day, model, patient: str) -> int:
    with d.app.app_context():
        return db.session.scalars(select(model.id).where(model.patient_id == d.patients[patient])
                                  .order_by(model.id.desc())).first()


def corrects_dans_quickdash(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['dan']}/outcomes/{_latest_id(d, OutcomeMeasure, 'dan')}/correct",
           {"on_date": "2026-03-02", **{f"item_{n}": "3" for n in range(1, 12)}, "reason": "Read the wrong column."})


def withdraws_ants_grip(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['ant']}/outcomes/{_latest_id(d, OutcomeMeasure, 'ant')}/withdraw",
           {"reason": "Measured the wrong hand."})


def corrects_dans_session(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['dan']}/sessions/{_latest_id(d, TreatmentSession, 'dan')}/correct",
           {"on_date": "2026-03-02", "pain_before": "5", "pain_after": "2", "reason": "Misheard the after score."})


def withdraws_dans_second_session(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['dan']}/sessions/{_latest_id(d, TreatmentSession, 'dan')}/withdraw",
           {"reason": "Entered twice."})


def copies_dans_diary(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['dan']}/plans/{d.plans['dan']}/diary",
           {"d0_e0": "1", "d0_before": "4", "d0_after": "3"})


def writes_dans_letter(d: Day) -> None:
    d.post("therapist", f"/patients/{d.patients['dan']}/letters/new/progress")


def signs_dans_letter(d: Day) -> None:
    letter = _latest_id(d, Letter, "dan")
    d.post("therapist", f"/patients/{d.patients['dan']}/letters/{letter}",
           {"recipient": "Dr Ray", "body": "Dear Dr Ray,\n\nProgress is good.", "signed_name": "T One",
            "qualification": "Hand therapist", "action": "sign"})


def downloads_dans_letter(d: Day) -> None:
    d.get("therapist", f"/patients/{d.patients['dan']}/letters/{_latest_id(d, Letter, 'dan')}/letter.pdf")


def moves_dan_on(d: Day) -> None:
    draft = d.dans_draft()
    criteria = list(next_stage_criteria(draft))  # the next stage's entry criteria
    d.post("therapist", f"/patients/{d.patients['dan']}/plans/{d.plans['dan']}/move",
           {"version": str(plan_row(d.app, d.plans["dan"]).version), "criteria": criteria})


def adds_an_account(d: Day) -> None:
    d.post("admin", "/admin/users/new", {"full_name": "New Person", "email": "new@example.org", "role": "reception",
                                         "password": "a long first password", "active": "y"})


def renames_the_account(d: Day) -> None:
    with d.app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.email == "new@example.org")).one()
    d.post("admin", f"/admin/users/{user_id}", {"full_name": "New Person-Smith", "role": "reception", "active": "y"})


def unlocks_the_account(d: Day) -> None:
    with d.app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.email == "new@example.org")).one()
    d.post("admin", f"/admin/users/{user_id}/unlock", {})
def sets_the_emergency_number(d: Day) -> None:
    with d.app.app_context():
        clinic = db.session.scalars(select(User).where(User.email == "new@example.org")).one().clinic
        values = {k: getattr(clinic, k) for k in ("name", "address", "phone", "time_zone", "paper_size",
                                                  "screening_valid_days")}
    d.post("admin", "/admin/settings", {**values, "emergency_number": "112"})


def erases_bee(d: Day, where: str) -> None:
    response = d.post("admin", f"/patients/{d.patients['bee']}/erase", {"confirm": BEE["record_number"]})
    assert response.headers["Location"] == where


def imports_cat(d: Day) -> None:
    d.cli("import", str(d.tmp_path / "transfer.json"), "--clinic", "Clinic A")
    with d.app.app_context():
        d.patients["cat here"] = db.session.scalars(select(Patient.id).where(
            Patient.record_number == CAT["record_number"], Patient.id != d.patients["cat"])).one()


def backs_up(d: Day) -> None:
    if not str(d.app.config["DATABASE_URL"]).startswith("sqlite"):
        require_tool("pg_dump")
    d.cli("backup", str(d.tmp_path / "evening.backup"))


class Step(NamedTuple):
    says: str
    do: Callable[[Day], object]
    rows: tuple[Row, ...]
    minutes: int = 1  # time passed since the step before


def reviews_dans_plan_after_a_protocol_update(d: Day) -> None:
    """The tendinitis protocol moves on a version: Dan's approved plan is held until she checks it (issue 12)."""
    lib = d.app.extensions["clinic.library"]
    old = lib.protocol("tendinitis")
    newer = dataclasses.replace(old, version=old.version + 1, content_hash="sha256:" + "0" * 64)
    d.app.extensions["clinic.library"] = dataclasses.replace(lib, protocols={**lib.protocols, "tendinitis": newer})
    d.post("therapist", f"/patients/{d.patients['dan']}/plans/{d.plans['dan']}/revisions/2/reviewed",
           {"note": "Compared with the new version; nothing changes for him."})


def _url(d: Day, template: str) -> str:
    """``{ant}`` in a URL is the day's patient of that name, ``{dans_plan}`` the plan approved last week."""
    return template.format(**d.patients, dans_plan=d.plans["dan"])


def _p(who: str, url: str, data=None, status: int = 302) -> Callable[[Day], object]:
    """A step that posts a form (and checks the response status)."""
    return lambda d: d.post(who, _url(d, url), data, status)


def _g(who: str, url: str, status: int = 200) -> Callable[[Day], object]:
    """A step that opens a page (and checks the response status)."""
    return lambda d: d.get(who, _url(d, url), status)


# Every audited action can happen through a page or the command line; backup and import exist only on the
# command line, export on both (both are done below).
T, A = "therapist", "admin"
DAY: tuple[Step, ...] = (
    Step("the therapist mistypes her password", mistyped_password,
         (Row("login_failed", T, outcome="denied", signed_in=False),)),
    Step("she logs in", lambda d: d.sign_in(T), (Row("login", T),)),
    Step("she registers a new patient", registers_ant, (Row("patient_create", T, "ant"),)),
    Step("she opens the patient's page", _g(T, "/patients/{ant}"), (Row("patient_view", T, "ant"),)),
    Step("she corrects the phone number", edits_ants_phone, (Row("patient_update", T, "ant"),)),
    # Issue 15 (WF-03), changed on purpose: her answers that differ from the record (it held "Not known") correct
    # the history first, audited as a record change, then the screening.
    Step("she screens the patient for a fracture: fever defers, a lump refers", screens_ant,
         (Row("patient_update", T, "ant"), Row("screen", T, "ant"))),
    Step("her login is no longer fresh; the override asks for her password and she mistypes it",
         override_with_wrong_password, (Row("reauthenticate", T, outcome="denied"),), minutes=6),
    Step("she types it right: the password is confirmed and the deferral overridden", override_with_password,
         (Row("reauthenticate", T), Row("override", T, "ant"))),
    Step("she records the oncologist's clearance", records_clearance, (Row("clearance", T, "ant"),)),
    Step("she makes the fracture plan", makes_ants_plan, (Row("plan_create", T, "ant"),)),
    Step("she adds a note for the patient", edits_ants_plan, (Row("plan_update", T, "ant"),)),
    Step("she approves the plan", approves_ants_plan, (Row("approve", T, "ant"),)),
    Step("she prints the handout", prints_ants_handout, (Row("print_handout", T, "ant"),)),
    Step("she measures grip strength", records_ants_grip, (Row("outcome_record", T, "ant"),)),
    Step("last week's tendinitis patient arrives; she opens his plan",
         _g(T, "/patients/{dan}/plans/{dans_plan}"), (Row("patient_view", T, "dan"),)),
    Step("she records the session", records_dans_session, (Row("session_record", T, "dan"),)),
    Step("he fills in a QuickDASH", records_dans_quickdash, (Row("outcome_record", T, "dan"),)),
    Step("she corrects a slip in the QuickDASH (WF-05)", corrects_dans_quickdash, (Row("outcome_correct", T, "dan"),)),
    Step("she withdraws Ant's grip: the wrong hand was measured", withdraws_ants_grip,
         (Row("outcome_withdraw", T, "ant"),)),
    Step("she corrects the session's pain after", corrects_dans_session, (Row("session_correct", T, "dan"),)),
    Step("she records the session again by mistake", records_dans_session, (Row("session_record", T, "dan"),)),
    Step("and withdraws the double", withdraws_dans_second_session, (Row("session_withdraw", T, "dan"),)),
    Step("she copies his exercise diary (OUT-06)", copies_dans_diary, (Row("diary_record", T, "dan"),)),
    Step("she writes a progress letter to his doctor (OUT-07)", writes_dans_letter, (Row("letter_draft", T, "dan"),)),
    Step("she signs it", signs_dans_letter, (Row("letter_sign", T, "dan"),)),
    Step("she downloads it to send", downloads_dans_letter, (Row("letter_print", T, "dan"),)),
    Step("he is ready: the plan moves on a stage, approved as revision 2", moves_dan_on,
         (Row("approve", T, "dan"), Row("stage_move", T, "dan"))),
    Step("she prints the new handout", _g(T, "/patients/{dan}/plans/{dans_plan}/revisions/2/handout.pdf"),
         (Row("print_handout", T, "dan"),)),
    Step("the tendinitis protocol is updated; she checks his plan: still correct",
         reviews_dans_plan_after_a_protocol_update,
         (Row("plan_reviewed", T, "dan"),)),
    Step("back from lunch, her login has timed out", _g(T, "/", status=302), (Row("session_timeout", T),),
         minutes=45),
    Step("she logs in again", lambda d: d.sign_in(T), (Row("login", T),)),
    Step("she changes her password", _p(T, "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}),
         (Row("password_change", T),)),
    Step("she logs in with the new one", lambda d: d.sign_in(T, NEW_PASSWORD), (Row("login", T),)),
    Step("the administrator logs in", lambda d: d.sign_in(A), (Row("login", A),)),
    Step("he adds a reception account", adds_an_account, (Row("account_create", A),)),
    Step("he corrects its name", renames_the_account, (Row("account_update", A),)),
    Step("he unlocks its login (SEC-23)", unlocks_the_account, (Row("account_unlock", A),)),
    Step("he sets the clinic's emergency number", sets_the_emergency_number, (Row("clinic_settings", A),)),
    Step("he exports the new patient's record as PDF", _g(A, "/patients/{ant}/export.pdf"),
         (Row("patient_export", A, "ant"),)),
    Step("he archives a finished patient", _p(A, "/patients/{bee}/archive", {"archived": "1"}),
         (Row("patient_archive", A, "bee"),)),
    Step("she asks for erasure, so he brings the record back", _p(A, "/patients/{bee}/archive", {"archived": "0"}),
         (Row("patient_unarchive", A, "bee"),)),
    Step("a legal claim is pending: he puts a retention hold", _p(A, "/patients/{bee}/hold", {"reason": "Claim"}),
         (Row("patient_hold", A, "bee"),)),
    Step("the erasure restricts the record instead", lambda d: erases_bee(d, f"/patients/{d.patients['bee']}"),
         (Row("patient_restrict", A, "bee"),)),
    Step("the claim is settled: he lifts the hold", _p(A, "/patients/{bee}/hold", {"reason": ""}),
         (Row("patient_hold_lifted", A, "bee"),)),
    Step("the erasure goes ahead", lambda d: erases_bee(d, "/patients/"), (Row("patient_erase", A, "bee"),)),
    Step("the administrator logs out", _p(A, "/logout"), (Row("logout", A),)),
    Step("the therapist logs out", _p(T, "/logout"), (Row("logout", T),)),
    Step("in the evening the new patient's record is exported on the command line",
         lambda d: d.cli("export", ANT["record_number"], "-o", str(d.tmp_path / "ant.json")),
         (Row("patient_export", "cli", "ant"),)),
    Step("a patient moving from Clinic B is imported into Clinic A", imports_cat,
         (Row("patient_import", "cli", "cat here"),)),
    Step("the nightly backup runs", backs_up, (Row("backup", "cli"),)),
)


def _events_after(app, last_id: int) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


# ------------------------------------------------------------------------------------------ tests


def test_aud01_every_event_the_app_records_is_exercised_here():
    scanned, unknown = audited_actions()
    assert not unknown, f"audit.record() with an action this scan cannot read (write it out): {unknown}"
    assert {"login", "login_failed", "session_timeout", "backup", "patient_erase", "approve"} <= scanned, scanned
    covered = {row.action for step in DAY for row in step.rows}
    missing = sorted(scanned - covered)
    assert not missing, f"recorded by the app but never done and checked in the clinic day: {missing}"
    gone = sorted(covered - scanned)
    assert not gone, f"the clinic day expects actions the app no longer records: {gone}"


def test_aud01_one_clinic_day_leaves_exactly_one_row_per_event_with_who_when_patient_and_outcome(
        app, make_user, make_patient, login, clock, runner, tmp_path):
    clock.current = LAST_WEEK
    people = {T: make_user("therapist"), A: make_user("admin")}
    patients = {"dan": make_patient(**DAN), "bee": make_patient(**BEE), "cat": make_patient(clinic="Clinic B", **CAT)}
    dans_plan = approved_plan(login(people[T][1]), app, patients["dan"], "tendinitis")
    with app.app_context():
        body = patient_ops.export_json(db.session, db.session.get(Patient, patients["cat"]))
    (tmp_path / "transfer.json").write_bytes(body)
    clock.current = TODAY
    day = Day(app, login, runner, clock, tmp_path, people, patients, plans={"dan": dans_plan})
    last_id = max((e.id for e in _events_after(app, 0)), default=0)  # last week's rows: names and chain only

    seen: list[AuditEvent] = []
    for step in DAY:
        clock.advance(minutes=step.minutes)
        step.do(day)
        events = _events_after(app, last_id)
        got = [(e.action, e.actor, e.user_id, e.patient_ref, e.outcome) for e in events]
        assert got == [day.expected(row) for row in step.rows], step.says
        for e in events:
            assert e.at == clock() and e.at.utcoffset() == dt.timedelta(0), (step.says, e.action, e.at)
        seen += events
        last_id = events[-1].id

    assert Counter(e.action for e in seen) == Counter(row.action for step in DAY for row in step.rows)
    with app.app_context():
        everything = db.session.scalars(select(AuditEvent)).all()
        for e in everything:
            for canary in CANARIES:
                assert canary.lower() not in f"{e.actor} {e.detail}".lower(), (e.id, e.action, canary)
        assert audit.verify_chain(db.session) == []
