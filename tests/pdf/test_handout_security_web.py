"""SEC-20 and SEC-21 through the web: hostile text typed into the app's own forms, stored in the database,
turned into the handout by the app's code (clinic/handouts/printing.py, clinic/handouts/plan_context.py) and
downloaded from the app's routes prints literally, makes the renderer fetch nothing and leaves no
attachment, script, launch, link or open action in the PDF.

tests/pdf/test_handout_security.py attacks every field of a sample context; this file attacks the
path a user takes: CLI and admin form, patient registration, screening, override, clearance, plan
facts, plan edit, approval, and the three downloads (handout, large print, therapist summary).
"""

from __future__ import annotations

import dataclasses
import http.client
import http.server
import threading
import typing
from pathlib import Path

import pytest
from sqlalchemy import select

import clinic.pdf as pdf_module
from clinic.extensions import db
from clinic.handouts import plan_context as handout
from clinic.handouts import printing
from clinic.handouts.context import HandoutContext, HandoutOptions, TherapistSummaryContext
from clinic.models import Clinic, Patient, Plan, PlanRevision, Screening
from clinic.plans import operations as plan_ops
from clinic.plans.forms import DOSE_FIELDS, dose_name
from tests.conftest import PASSWORD
from tests.helpers.handouts import band_text, page_count, shown_in_header, squash
from tests.helpers.patients import patient_form
from tests.helpers.payloads import FETCHES, XSS
from tests.helpers.plans import approve, new_plan, plan_id_from, screen
from tests.helpers.screening import screenings

# These tests watch the renderer's fetcher itself (``asked``), so every PDF here is rendered, in both passes.
pytestmark = [pytest.mark.pdf, pytest.mark.real_render]

# ------------------------------------------------------------------------------------------------ the fields

# Every text a user types that reaches a handout or the therapist summary, and where it is typed.
PRINTED = {
    "clinic_name": "`clinic user create --clinic NAME` (whoever installs the app types it)",
    "clinic_address": "admin: Settings, Address (this test writes the row, past the form's length check)",
    "clinic_phone": "admin: Settings, Phone (this test writes the row: the form takes digits and + ( ) - . / only)",
    "therapist_full_name": "admin: Accounts → Add an account, Full name (stored on the revision at approval, and "
                           "printed as who overrode, CS-02)",
    "given_names": "patient registration form",
    "family_name": "patient registration form",
    "record_number": "patient registration form",
    "override_reason": "screening result → Override, Reason",
    "clearance_by": "screening result → Record the doctor's clearance, Cleared by",
    "clearance_note": "screening result → Record the doctor's clearance, What the doctor said",
    "patient_notes": "plan → Edit, Notes for the patient",
    "team_notes": "plan → Edit, Notes for the team (the summary prints them; the handout never does)",
}
# Typed by users and handed to the context builder (on the patient row or in the plan JSON), never printed.
NOT_PRINTED = {
    "therapist_email": "admin: Accounts → Add an account, Email (WF-07: never printed; the override names the person)",
    "patient_address": "patient registration form",
    "patient_emergency_contact": "patient registration form",
    "patient_occupation": "patient registration form",
    "patient_referring_doctor": "patient registration form",
    "patient_history_notes": "patient registration form",
    "patient_medications": "patient registration form",
    "patient_email": "patient registration form",
    "screening_detail": "screening form, Detail of a question answered yes",
    "case_fact": "screening and plan facts forms, the free-text fact (arthritis: which joints)",
}
# Not free text, so not attacked: birth date, dates, dose numbers (whole numbers 1 to 600: a typed payload is
# refused, see below), paper size (a setting), protocol, stage, exercise and warning texts (our YAML files).

# Every string field of the two contexts, and the typed fields allowed to reach it (empty: our own text).
HANDOUT_TEXT: dict[str, set[str]] = {
    "clinic.name": {"clinic_name"},
    "clinic.address": {"clinic_address"},
    "clinic.phone": {"clinic_phone"},
    "clinic.emergency_number": set(),  # Settings: digits, spaces and + ( ) - . / only, so no payload gets in
    "clinic.logo": set(),  # a data:image/png URL of a PNG we re-encoded; ClinicInfo refuses anything else
    "patient.display_name": {"given_names", "family_name"},
    "patient.record_number": {"record_number"},
    "therapist_name": {"therapist_full_name"},
    "plan_digest": set(),
    "protocol.id": set(),
    "protocol.title": set(),
    "stage_title": set(),
    "exercises.name": set(),
    "exercises.steps": set(),
    "exercises.illustration": set(),
    "exercises.note": set(),
    "options.paper": set(),
    "condition": set(),
    "timeline.title": set(),
    "timeline.patient_title": set(),
    "timeline.starts_text": set(),
    "avoid": set(),
    "precautions": set(),
    "stop_and_call.action": set(),
    "stop_and_call.signs": set(),
    "overrides": {"override_reason", "therapist_full_name", "clearance_by", "clearance_note"},
    "next_stage.patient_title": set(),
    "next_stage.when": set(),
    "next_stage.lines": set(),
    "notes": {"patient_notes"},
}
IDENTITY_TEXT = {path: fields for path, fields in HANDOUT_TEXT.items()
                 if path.split(".")[0] in {"clinic", "patient", "therapist_name", "plan_digest", "protocol"}}
SUMMARY_TEXT: dict[str, set[str]] = {
    **IDENTITY_TEXT,
    "stages.title": set(),
    "stages.when": set(),
    "stages.items.name": set(),
    "stages.items.dose": set(),
    "stages.items.where": set(),
    "paper": set(),
    "findings.label": set(),
    "findings.answer": set(),
    "findings.category": set(),
    "overrides.finding": set(),
    "overrides.reason": {"override_reason"},
    "overrides.by": {"therapist_full_name"},
    "precautions": set(),
    "notes": {"team_notes", "clearance_by", "clearance_note"},
}

# The header of every page prints these once (clamped with "…" when long); below the header, per download,
# each field prints this many times.
HEADER_FIELDS = {"clinic_name", "clinic_address", "clinic_phone", "given_names", "family_name", "record_number",
                 "therapist_full_name"}
_HANDOUT_BODY = {"given_names": 1, "family_name": 1, "clinic_phone": 2, "patient_notes": 1, "override_reason": 1,
                 "therapist_full_name": 1, "clearance_by": 1, "clearance_note": 1}
BODY_COUNTS = {
    "handout": _HANDOUT_BODY,
    "large": _HANDOUT_BODY,
    "summary": {"therapist_full_name": 2, "override_reason": 1, "team_notes": 1,
                "clearance_by": 1, "clearance_note": 1},
}
# Printed once per download by the override line only (who overrode, and why): absent without an override.
OVERRIDE_LINE = {"override_reason": 1, "therapist_full_name": 1}
DOWNLOADS = {"handout": "handout.pdf", "large": "handout.pdf?large=1", "summary": "summary.pdf"}
TOP_MARGIN_MM = {"handout": 31, "large": 35, "summary": 31}  # handout.css @page margins

# Fields whose check refuses every sample payload; the test asserts the message instead (see through_the_web).
RECORD_NUMBER_ERROR = "Use up to 20 letters, digits or hyphens, like P-000123."
EMAIL_ERROR = "Enter a valid email address."
SHORT_REASON_ERROR = "Write at least 20 characters (at most 2000)."
DOSE_ERROR = "Not a valid integer value."

CONDITION = "arthritis"  # has a free-text case fact (the joints)
PDF_ACTIONS = (b"/EmbeddedFile", b"/JavaScript", b"/JS ", b"/Launch", b"/URI", b"/AA", b"/OpenAction")
# A record number the form accepts and that still looks like a path: it also names the downloaded file.
ODD_RECORD_NUMBER = "R1/../../etc/passwd"
EDITED_REPETITIONS = 17

# A spread of tests/helpers/payloads.py: every 7th markup/template payload and every 2nd fetch payload (file://,
# http://127.0.0.1, @import, <link rel="attachment">), plus template syntax and pre-escaped entities.
SAMPLE = [*XSS[::7], XSS[25], XSS[30], *FETCHES[::2]]


def test_sec20_sec21_the_sample_has_file_localhost_import_and_attachment_payloads():
    assert len(set(SAMPLE)) == len(SAMPLE) >= 12
    for kind in ("file://", "http://127.0.0.1", "@import", '<link rel="attachment"', "{{", "&lt;"):
        assert any(kind in payload for payload in SAMPLE), kind


def marker(field: str) -> str:
    """A benign text unique to ``field`` (lower case, so it passes as an email local part and a record number)."""
    return f"qzx{field.replace('_', '')}qzx"


# ------------------------------------------------------------------------------------------- fetch watching


class _Counter(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.server.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 that counts every request: the 127.0.0.1 payloads point at it."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    httpd.hits = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """Every non-data: URL the renderer asks clinic/pdf.py's fetcher for (the refused-URL record, always on)."""
    urls: list[str] = []
    original = pdf_module._data_only_fetcher
    monkeypatch.setattr(pdf_module, "_data_only_fetcher",
                        lambda blocked: original(urls if blocked is None else blocked))
    return urls


def test_sec20_sec21_the_fetch_watchers_see_a_fetch_when_there_is_one(server, asked):
    port = server.server_address[1]
    pdf_module.render_pdf(f'<p>x</p><img src="http://127.0.0.1:{port}/probe.png">')
    assert asked == [f"http://127.0.0.1:{port}/probe.png"]
    assert server.hits == []  # refused by the fetcher, so the server saw nothing
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/direct")
    connection.getresponse().read()
    connection.close()
    assert server.hits == ["/direct"]


# ------------------------------------------------------------------------------------------------ the journey


@dataclasses.dataclass
class Journey:
    therapist: typing.Any
    pid: int
    plan_id: int


def _form_error(response, message: str) -> None:
    assert response.status_code == 400, response.status_code
    assert message in response.get_data(as_text=True), message


def through_the_web(app, login, texts: dict[str, str], refused: str | None = None, override: bool = True) -> Journey:
    """Type ``texts`` (field name -> text) where a user types them, make, edit and approve a plan.

    ``refused``: a text to offer first to the fields that refuse it (record number, email, a short override
    reason, a dose number); each must answer with its message and change nothing. ``override``: the screening
    finds fever, which a therapist overrides; without it only the doctor's clearance is recorded.
    """
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "admin@sec20.example", "--role", "admin", "--clinic",
                                 texts["clinic_name"], "--name", "Admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        clinic = db.session.scalars(select(Clinic).where(Clinic.name == texts["clinic_name"])).one()
        clinic.address, clinic.phone = texts["clinic_address"], texts["clinic_phone"]
        db.session.commit()

    admin = login("admin@sec20.example")
    account = {"full_name": texts["therapist_full_name"], "role": "therapist", "password": PASSWORD, "active": "y"}
    if refused is not None:
        _form_error(admin.post("/admin/users/new", data={**account, "email": refused}), EMAIL_ERROR)
    response = admin.post("/admin/users/new", data={**account, "email": texts["therapist_email"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    therapist = login(texts["therapist_email"])

    patient = patient_form(
        record_number=texts["record_number"], given_names=texts["given_names"], family_name=texts["family_name"],
        address=texts["patient_address"], emergency_contact=texts["patient_emergency_contact"],
        occupation=texts["patient_occupation"], referring_doctor=texts["patient_referring_doctor"],
        history_notes=texts["patient_history_notes"], medications=texts["patient_medications"],
        email=texts["patient_email"], fact_blood_thinners="no")
    if refused is not None:
        _form_error(therapist.post("/patients/new", data={**patient, "record_number": refused}), RECORD_NUMBER_ERROR)
    response = therapist.post("/patients/new", data=patient)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    pid = int(response.headers["Location"].rsplit("/", 1)[1])

    answers = {"suspected_malignancy": "yes", "suspected_malignancy_detail": texts["screening_detail"]}
    if override:
        answers |= {"fever": "yes", "fever_detail": texts["screening_detail"]}
    response = screen(therapist, app, pid, CONDITION, answers=answers, joints=texts["case_fact"])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    screening_id = screenings(app)[-1].id
    if override:
        url, reason = f"/screenings/{screening_id}/override", texts["override_reason"]
        if len(reason) < 20:
            # The override form asks for a reason of at least 20 characters: a short payload gets the message.
            _form_error(therapist.post(url, data={"rule_ids": "fever", "reason": reason}), SHORT_REASON_ERROR)
            reason = f"Temperature rechecked, normal: {reason}"
        assert therapist.post(url, data={"rule_ids": "fever", "reason": reason}).status_code == 302
    response = therapist.post(f"/screenings/{screening_id}/clearance", data={
        "rule_id": "suspected_malignancy", "cleared_by": texts["clearance_by"], "cleared_on": "2026-03-01",
        "note": texts["clearance_note"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    response = new_plan(therapist, pid, CONDITION, joints=texts["case_fact"])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    plan_id = plan_id_from(response)
    edit_url = f"/patients/{pid}/plans/{plan_id}/edit"
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        version, draft = plan.version, plan_ops.draft_of(plan)
    stage = next(s for s in draft.stages if s.current)
    key = plan_ops.exercise_keys(stage)[0]
    dose = {dose_name(stage.number, key, name): getattr(stage.home[0].dose, name) for name, _l, _m in DOSE_FIELDS}
    dose = {k: str(v) for k, v in dose.items() if v is not None}
    dose[dose_name(stage.number, key, "repetitions")] = str(EDITED_REPETITIONS)
    edit = {"version": str(version), "patient_notes": texts["patient_notes"], "team_notes": texts["team_notes"], **dose}
    if refused is not None:
        _form_error(therapist.post(edit_url, data={**edit, dose_name(stage.number, key, "repetitions"): refused}),
                    DOSE_ERROR)
    response = therapist.post(edit_url, data=edit)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    response = approve(therapist, app, pid, plan_id)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return Journey(therapist, pid, plan_id)


def download(journey: Journey, kind: str) -> bytes:
    response = journey.therapist.get(f"/patients/{journey.pid}/plans/{journey.plan_id}/revisions/1/"
                                     f"{DOWNLOADS[kind]}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf"
    name = response.headers["Content-Disposition"]
    assert "/" not in name and ".." not in name, name  # ODD_RECORD_NUMBER names the file
    return response.data


def bands(pdf: bytes, tmp_path: Path, kind: str) -> tuple[str, str]:
    """(header, rest) of every page: the top margin, and everything below it."""
    top = TOP_MARGIN_MM[kind] / 25.4 * 72
    return band_text(pdf, tmp_path, 0, top), band_text(pdf, tmp_path, top, 1000)


# ----------------------------------------------------------------------------------- the guard: benign markers


def _string_paths(cls, prefix: str = "") -> set[str]:
    """Every str (or tuple of str) field of a context dataclass, however deep, as dotted paths."""
    paths = set()
    for name, hint in typing.get_type_hints(cls).items():
        if name not in {f.name for f in dataclasses.fields(cls)}:
            continue
        kinds = [hint]
        while any(typing.get_args(k) for k in kinds):
            kinds = [a for k in kinds for a in (typing.get_args(k) or (k,))]
        if str in kinds:
            paths.add(prefix + name)
        for kind in kinds:
            if dataclasses.is_dataclass(kind):
                paths |= _string_paths(kind, f"{prefix}{name}.")
    return paths


def _strings(obj, prefix: str = ""):
    """(path, text) of every string in a built context."""
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from _strings(getattr(obj, f.name), prefix + f.name if not prefix else f"{prefix}.{f.name}")
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _strings(item, prefix)
    elif isinstance(obj, str):
        yield prefix, obj


def test_sec20_sec21_every_string_field_of_the_handout_and_summary_contexts_is_listed_with_what_may_reach_it():
    for cls, listed in ((HandoutContext, HANDOUT_TEXT), (TherapistSummaryContext, SUMMARY_TEXT)):
        fields = _string_paths(cls)
        assert fields == set(listed), f"{cls.__name__}: list {fields - set(listed)}, drop {set(listed) - fields}"
    listed = set().union(*HANDOUT_TEXT.values(), *SUMMARY_TEXT.values())
    assert listed == set(PRINTED)


@pytest.fixture
def marked(app, login, server, asked):
    """A journey with a different benign marker in every typed field (printed or not)."""
    texts = {field: marker(field) for field in (*PRINTED, *NOT_PRINTED)}
    texts["therapist_email"] = f"{marker('therapist_email')}@example.org"
    texts["patient_email"] = f"{marker('patient_email')}@example.org"
    return through_the_web(app, login, texts)


def test_sec20_sec21_only_the_listed_typed_fields_reach_the_handout_and_the_summary(app, marked):
    with app.app_context():
        revision = db.session.scalars(select(PlanRevision)).one()
        patient = db.session.get(Patient, marked.pid)
        people = printing.people(db.session, revision, patient)
        # Every marker was really stored where the builder (or the screening it reads) can find it.
        stored = repr([revision.canonical, revision.approved_by,
                       [getattr(patient, c.key) for c in Patient.__table__.c],
                       [s.answers for s in db.session.scalars(select(Screening))]])
        assert [f for f in NOT_PRINTED if marker(f) not in stored] == []
        contexts = {
            "handout": (HANDOUT_TEXT, handout.handout_context(revision.canonical, revision.digest, people,
                                                              HandoutOptions())),
            "summary": (SUMMARY_TEXT, handout.summary_context(revision.canonical, revision.digest, people, "A4")),
        }
    every = {*PRINTED, *NOT_PRINTED}
    seen: set[str] = set()
    for name, (allowed, ctx) in contexts.items():
        for path, text in _strings(ctx):
            found = {field for field in every if marker(field) in text}
            assert found <= allowed[path], f"{name} {path} prints {found - allowed[path]}: add it to PRINTED"
            seen |= found
    assert seen == set(PRINTED), f"listed as printed but not in any context: {set(PRINTED) - seen}"


def test_sec20_sec21_benign_markers_print_where_the_lists_say(marked, tmp_path):
    for kind in DOWNLOADS:
        pdf = download(marked, kind)
        header, body = bands(pdf, tmp_path, kind)
        pages = page_count(pdf)
        counts = {field: body.count(marker(field)) for field in (*PRINTED, *NOT_PRINTED)}
        assert {f: n for f, n in counts.items() if n} == BODY_COUNTS[kind], kind
        for field in (*PRINTED, *NOT_PRINTED):
            assert header.count(marker(field)) == (pages if field in HEADER_FIELDS else 0), (kind, field)
        assert f"Do this {EDITED_REPETITIONS} times." in body, "the dose edit was not printed"


# --------------------------------------------------------------------------------------------- the payloads


def payload_texts(payload: str) -> dict[str, str]:
    """The payload in every printed field, except where the form refuses it (checked in through_the_web)."""
    texts = {field: payload for field in PRINTED}
    texts.update({field: marker(field) for field in NOT_PRINTED})
    texts.update(record_number=ODD_RECORD_NUMBER, therapist_email="therapist@sec20.example",
                 patient_email="patient@sec20.example")
    # The clinic's phone column holds 50 characters and no form writes it (so there is no message to check):
    # PostgreSQL refuses a longer value, so a longer payload goes in cut, and is then not counted below.
    texts["clinic_phone"] = payload[:Clinic.__table__.c.phone.type.length]
    return texts


def assert_printed_literally(journey: Journey, payload: str, expected: dict[str, int], server, asked,
                             tmp_path: Path) -> None:
    """Each download: nothing fetched, no action in the PDF, the payload as text in every place it belongs."""
    wanted = squash(payload)
    for kind in DOWNLOADS:
        pdf = download(journey, kind)
        assert asked == [], f"{kind}: the renderer was asked to fetch a URL"
        assert server.hits == [], f"{kind}: the renderer fetched from 127.0.0.1"
        for action in PDF_ACTIONS:
            assert action not in pdf, (kind, action)
        header, body = bands(pdf, tmp_path, kind)
        assert squash(body).count(wanted) == expected[kind], f"{kind}: not every field printed the payload literally"
        pages = page_count(pdf)
        assert header.count("Printed 2 March 2026") == pages, f"{kind}: a header line was pushed off the page"
        assert header.count(f"Record {ODD_RECORD_NUMBER}") == pages, f"{kind}: the record number was pushed off"
        assert shown_in_header(payload, header), kind
        assert "root:x:0:0" not in header + body


@pytest.mark.parametrize("payload", SAMPLE, ids=[f"payload{n}" for n in range(len(SAMPLE))])
def test_sec20_sec21_a_payload_typed_into_every_printed_field_prints_literally_and_fetches_nothing(
        app, login, server, asked, tmp_path, payload):
    payload = payload.replace("127.0.0.1:9/", f"127.0.0.1:{server.server_address[1]}/")
    texts = payload_texts(payload)
    journey = through_the_web(app, login, texts, refused=payload)
    expected = {kind: sum(n for field, n in counts.items() if texts[field] == payload)
                for kind, counts in BODY_COUNTS.items()}
    assert_printed_literally(journey, payload, expected, server, asked, tmp_path)


def test_sec20_sec21_a_doctors_clearance_without_an_override_prints_literally_on_the_handout_and_the_summary(
        app, login, server, asked, tmp_path):
    # The summary used to drop the clearance when there was no override (it skipped the first override line).
    payload = next(p for p in FETCHES if "attachment" in p)
    texts = payload_texts(payload)
    journey = through_the_web(app, login, texts, override=False)
    expected = {kind: sum(n - OVERRIDE_LINE.get(field, 0) for field, n in counts.items() if texts[field] == payload)
                for kind, counts in BODY_COUNTS.items()}
    assert expected["summary"] >= 3  # therapist name, team notes, clearance by and note
    assert_printed_literally(journey, payload, expected, server, asked, tmp_path)


def test_sec20_sec21_text_too_long_for_a_printed_field_is_refused_with_a_clear_message(
        app, make_user, login, make_patient):
    # No sample payload is long enough to meet these caps, so each cap is checked once here (nothing renders).
    admin = login(make_user("admin")[1])
    response = admin.post("/admin/users/new", data={"full_name": "x" * 201, "email": "long@sec20.example",
                                                    "role": "therapist", "password": PASSWORD, "active": "y"})
    _form_error(response, "Field cannot be longer than 200 characters.")
    therapist = login(make_user("therapist")[1])
    for field in ("given_names", "family_name"):
        _form_error(therapist.post("/patients/new", data=patient_form(**{field: "x" * 101})),
                    "Use at most 100 characters.")
    pid = make_patient()
    assert screen(therapist, app, pid, CONDITION, answers={"fever": "yes", "suspected_malignancy": "yes"}
                  ).status_code == 302
    screening_id = screenings(app)[-1].id
    _form_error(therapist.post(f"/screenings/{screening_id}/override", data={"rule_ids": "fever",
                                                                             "reason": "x" * 2001}),
                SHORT_REASON_ERROR)
    clearance = {"rule_id": "suspected_malignancy", "cleared_by": "Dr A", "cleared_on": "2026-03-01", "note": "Ok."}
    _form_error(therapist.post(f"/screenings/{screening_id}/clearance", data={**clearance, "cleared_by": "x" * 301}),
                "Use at most 300 characters.")
    _form_error(therapist.post(f"/screenings/{screening_id}/clearance", data={**clearance, "note": "x" * 2001}),
                "Use at most 2000 characters.")
    assert therapist.post(f"/screenings/{screening_id}/override", data={
        "rule_ids": "fever", "reason": "Temperature rechecked, normal."}).status_code == 302
    assert therapist.post(f"/screenings/{screening_id}/clearance", data=clearance).status_code == 302
    response = new_plan(therapist, pid, CONDITION)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    plan_id = plan_id_from(response)
    with app.app_context():
        version = db.session.get(Plan, plan_id).version
    for field in ("patient_notes", "team_notes"):
        _form_error(therapist.post(f"/patients/{pid}/plans/{plan_id}/edit",
                                   data={"version": str(version), field: "x" * 10_001}),
                    "At most 10,000 characters.")
