"""No internal id and no login e-mail where a person reads (issue 12 item 6): every page a therapist reads
for a plan of EVERY protocol (patient, screening result, plan, plan edit, plan history, patient history,
review list, protocol pages, and the plan page while it is held for review after its protocol changed) and the
handout, large-print handout and summary PDF text are scanned for snake_case ids (``in_cast``,
``stroke_early_days``, ``acute_over_date``), a protocol named by its id ("protocol fracture version 1",
"fracture, revision 1") and e-mail addresses."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Screening
from tests.helpers.handouts import pdf_text
from tests.helpers.plans import CONDITIONS, approve, make_plan, new_plan, plan_id_from, screen

pytestmark = pytest.mark.pdf

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Findings that reach every kind of wording: a local finding with a side, a precaution, a relative finding
# with a side, a not-blocking answer with a detail.
ANSWERS = {
    "varicose_veins": "yes", "varicose_veins_regions": ["upper_arm"], "varicose_veins_side": "left",
    "diabetes": "yes",
    "lymphoedema_risk": "yes", "lymphoedema_risk_regions": ["upper_arm"], "lymphoedema_risk_side": "left",
}


def visible_text(page: str) -> str:
    """What a reader sees in <main>: no tags, scripts, styles or attribute values."""
    main = re.search(r"<main\b.*?</main>", page, re.S)
    body = main.group(0) if main else page
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).split())


# A protocol named by its id where its title belongs: "protocol fracture", "fracture, revision 1", "(fracture)".
_IDS = "|".join(CONDITIONS)
PROTOCOL_ID = re.compile(rf"\b[Pp]rotocol (?:file )?(?:{_IDS})\b|(?:^|[.:·>] )(?:{_IDS}),? (?:revision|version)\b"
                         rf"|\((?:{_IDS})\)")


def internal_words(text: str) -> list[str]:
    """snake_case ids, protocols named by id and e-mail addresses in ``text``."""
    return sorted(set(SNAKE.findall(text)) | set(EMAIL.findall(text)) | set(PROTOCOL_ID.findall(text)))


def in_context(text: str) -> list[str]:
    """Each internal word with the words around it, so a failure says where it is."""
    return [text[max(0, m.start() - 60):m.end() + 20] for pattern in (SNAKE, EMAIL, PROTOCOL_ID)
            for m in pattern.finditer(text)]


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.mark.parametrize("condition", CONDITIONS)
def test_no_page_or_printout_of_a_plan_shows_an_internal_id_or_a_login_email(
        app, therapist, make_patient, condition, tmp_path):
    pid = make_patient()
    answers = {k: v for k, v in ANSWERS.items() if not k.startswith("lymphoedema") or condition != "stroke"}
    plan_id = make_plan(therapist, app, pid, condition, answers=answers)
    with app.app_context():
        screening_id = db.session.scalars(select(Screening.id).order_by(Screening.id.desc())).first()
    base = f"/patients/{pid}/plans/{plan_id}"
    pages = {"plan edit": f"{base}/edit"}
    assert approve(therapist, app, pid, plan_id).status_code == 302
    pages |= {
        "patient": f"/patients/{pid}", "screening result": f"/screenings/{screening_id}", "plan": base,
        "plan history": f"{base}/history", "patient history": f"/patients/{pid}/history",
        "review list": "/plans/review", "today": "/",
    }
    found = {}
    for name, url in pages.items():
        response = therapist.get(url)
        assert response.status_code == 200, (name, url)
        text = visible_text(response.get_data(as_text=True))
        if internal_words(text):
            found[name] = in_context(text)
    for name, url in {"handout": f"{base}/revisions/1/handout.pdf",
                      "large print": f"{base}/revisions/1/handout.pdf?large=1",
                      "summary": f"{base}/revisions/1/summary.pdf"}.items():
        response = therapist.get(url)
        assert response.status_code == 200, (name, url)
        text = " ".join(pdf_text(response.data, tmp_path).split())
        if internal_words(text):
            found[name] = in_context(text)
    # Then the protocol changes: the plan waits for review (the held-plan page with what today's rules would
    # change), and it is on the review list.
    lib = app.extensions["clinic.library"]
    newer = dataclasses.replace(lib.protocol(condition), version=lib.protocol(condition).version + 1,
                                content_hash="sha256:" + "0" * 64)
    app.extensions["clinic.library"] = dataclasses.replace(lib, protocols={**lib.protocols, condition: newer})
    held = {"held plan": base, "review list (with the plan)": "/plans/review", "protocols": "/protocols/",
            "protocol": f"/protocols/{condition}", "plan history (held)": f"{base}/history"}
    for name, url in held.items():
        response = therapist.get(url)
        assert response.status_code == 200, (name, url)
        text = visible_text(response.get_data(as_text=True))
        if internal_words(text):
            found[name] = in_context(text)
    assert "Reviewed — still correct" in visible_text(therapist.get(base).get_data(as_text=True))
    assert found == {}


def test_the_scan_finds_what_it_looks_for():
    """The scan is not a stub: it finds an id and an e-mail in visible text, and nothing in markup."""
    page = '<main><p class="tag_x" data-id="in_cast">Stage in_cast, by anna@example.org</p></main>'
    assert internal_words(visible_text(page)) == ["anna@example.org", "in_cast"]
    assert internal_words(visible_text('<main><a href="/a_b">Plan</a></main>')) == []
    for words in ("approved with protocol fracture version 1", "Plan: fracture, revision 1",
                  "Protocol: Wrist (fracture)"):
        assert internal_words(words), words
    assert internal_words("The Wrist fracture protocol is now version 2; Fracture of the wrist, revision 1. "
                          "Hand and arm after a stroke, revision 1 (optional)") == []


def test_an_override_and_a_clearance_read_in_words_on_every_page_and_printout(app, therapist, make_patient,
                                                                              tmp_path):
    pid = make_patient()
    response = screen(therapist, app, pid, "fracture", answers={"fever": "yes", "suspected_malignancy": "yes"})
    assert response.status_code == 302
    with app.app_context():
        screening_id = db.session.scalars(select(Screening.id).order_by(Screening.id.desc())).first()
    result_url = f"/screenings/{screening_id}"
    choices = visible_text(therapist.get(f"{result_url}/override").get_data(as_text=True))
    assert "A raised temperature" in choices and not internal_words(choices)
    assert therapist.post(f"{result_url}/override", data={
        "rule_ids": "fever", "reason": "Rechecked after 20 minutes: 36.9 °C, feels well."}).status_code == 302
    assert therapist.post(f"{result_url}/clearance", data={
        "rule_id": "suspected_malignancy", "cleared_by": "Dr A. Smith, oncologist", "cleared_on": "2026-03-01",
        "note": "Benign lump; massage may go ahead."}).status_code == 302
    plan_id = plan_id_from(new_plan(therapist, pid, "fracture"))
    assert approve(therapist, app, pid, plan_id).status_code == 302
    base = f"/patients/{pid}/plans/{plan_id}"
    found = {}
    for url in (result_url, f"/patients/{pid}", f"/patients/{pid}/history", base, f"{base}/history"):
        text = visible_text(therapist.get(url).get_data(as_text=True))
        if internal_words(text):
            found[url] = in_context(text)
    handout = " ".join(pdf_text(therapist.get(f"{base}/revisions/1/handout.pdf").data, tmp_path).split())
    summary = " ".join(pdf_text(therapist.get(f"{base}/revisions/1/summary.pdf").data, tmp_path).split())
    for name, text in (("handout", handout), ("summary", summary)):
        if internal_words(text):
            found[name] = in_context(text)
    assert found == {}
    assert "although you had a raised temperature, because: Rechecked after 20 minutes" in handout
