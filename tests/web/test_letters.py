"""OUT-07 episodes of care and letters to the referring doctor: a draft written from the record, edited by the
therapist, signed once (PDF through the handouts' safe renderer), never changed after, audited. Both databases."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.letters.operations import LetterRefused
from clinic.models import AuditEvent, Episode, Letter
from tests.conftest import require_tool
from tests.helpers.pages import text_of
from tests.helpers.plans import make_plan

DAY = "2026-03-02"


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.fixture
def patient(make_patient):
    return make_patient(referring_doctor="Dr Ada Lovelace, Riverside Practice")


def _record_progress(therapist, patient):
    for day, answer in (("2026-02-16", 4), (DAY, 2)):  # QuickDASH 75 → 25
        therapist.post(f"/patients/{patient}/outcomes/quickdash",
                       data={"on_date": day, **{f"item_{n}": str(answer) for n in range(1, 12)}})


def _letter(app, letter_id: int) -> Letter:
    with app.app_context():
        row = db.session.get(Letter, letter_id)
        db.session.expunge(row)
        return row


def test_out07_a_discharge_letter_is_written_from_the_record_edited_signed_and_then_never_changes(
        app, therapist, patient, tmp_path):
    make_plan(therapist, app, patient, "fracture")
    _record_progress(therapist, patient)
    response = therapist.post(f"/patients/{patient}/letters/new/discharge")
    assert response.status_code == 302
    url = response.headers["Location"]
    letter_id = int(url.rsplit("/", 1)[1])
    draft = _letter(app, letter_id)
    body = draft.body
    assert body.startswith("Dear Dr Ada Lovelace,\n")  # the person greeted, not her practice
    assert draft.recipient == "Dr Ada Lovelace, Riverside Practice"  # the address line keeps both
    assert "Diagnosis: Fracture of the wrist, hand or fingers; Wrist (distal radius)" in body
    assert ("- QuickDASH: 75 (16 February 2026) to 25 (2 March 2026), change -50 points: a meaningful improvement "
            "(meaningful from 14 points).") in body
    assert "Home programme: " in body and "P-" in body  # record number, never an internal id
    form = {"recipient": draft.recipient, "body": body + "\n\nShe is back at work as a pianist.",
            "signed_name": "Sam Rivera", "qualification": "Hand therapist, HCPC OT12345", "outcome": "",
            "reason": "Goals reached.", "action": "sign"}
    refused = therapist.post(url, data=form)
    assert refused.status_code == 400 and "Choose the outcome at discharge" in text_of(refused)
    assert "She is back at work as a pianist." in refused.get_data(as_text=True)  # nothing typed lost
    signed = therapist.post(url, data={**form, "outcome": "Goals met"})
    assert signed.status_code == 302
    final = _letter(app, letter_id)
    assert final.status == "final" and final.pdf.startswith(b"%PDF") and len(final.sha256) == 64
    with app.app_context():
        episode = db.session.get(Episode, final.episode_id)
        assert (episode.outcome, str(episode.closed_on)) == ("Goals met", DAY)
    pdf = therapist.get(f"{url}/letter.pdf")
    assert pdf.status_code == 200 and pdf.data == final.pdf
    (tmp_path / "letter.pdf").write_bytes(pdf.data)
    words = subprocess.run([require_tool("pdftotext"), str(tmp_path / "letter.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout
    for expected in ("Dear Dr Ada Lovelace", "She is back at work as a pianist.", "Outcome at discharge: Goals met",
                     "Hand therapist, HCPC OT12345", "Signed 2 March 2026", "QuickDASH: 75"):
        assert expected in words, expected
    # Signed: the page shows it as sent, a POST changes nothing, and the ORM refuses any change.
    assert therapist.post(url, data={**form, "body": "Changed"}).status_code == 200
    assert _letter(app, letter_id).body == final.body
    with app.app_context():
        row = db.session.get(Letter, letter_id)
        row.body = "tampered"
        with pytest.raises(LetterRefused):
            db.session.flush()
        db.session.rollback()
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("letter_%")))]
    assert actions == ["letter_draft", "letter_sign", "letter_print"]


def test_out07_a_letter_escapes_what_was_typed_and_fetches_nothing(app, therapist, patient, tmp_path):
    make_plan(therapist, app, patient, "fracture")
    url = therapist.post(f"/patients/{patient}/letters/new/progress").headers["Location"]
    body = 'Dear Dr X,\n\n<img src="http://127.0.0.1:9/x.png"><script>alert(1)</script> & more'
    assert therapist.post(url, data={"recipient": "Dr X", "body": body, "signed_name": "Sam Rivera",
                                     "qualification": "Hand therapist", "action": "sign"}).status_code == 302
    pdf = therapist.get(f"{url}/letter.pdf").data
    (tmp_path / "l.pdf").write_bytes(pdf)
    words = subprocess.run([require_tool("pdftotext"), str(tmp_path / "l.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert '<img src="http://127.0.0.1:9/x.png"><script>alert(1)</script> & more' in words


def test_out07_another_patients_letter_is_not_found(app, therapist, patient, make_patient):
    make_plan(therapist, app, patient, "fracture")
    url = therapist.post(f"/patients/{patient}/letters/new/progress").headers["Location"]
    other = make_patient(family_name="Otherfamily")
    letter_id = url.rsplit("/", 1)[1]
    assert therapist.get(f"/patients/{other}/letters/{letter_id}").status_code == 404
    assert therapist.post(f"/patients/{other}/letters/new/progress").status_code == 404  # no plan


def test_out07_the_first_plan_for_a_condition_opens_its_episode_and_a_letter_uses_it(app, therapist, patient):
    assert "None yet: an episode opens with the first plan" in text_of(therapist.get(f"/patients/{patient}/letters"))
    make_plan(therapist, app, patient, "fracture")
    make_plan(therapist, app, patient, "fracture")  # made again: the same plan, the same episode
    with app.app_context():
        (episode,) = db.session.scalars(select(Episode)).all()
        assert (episode.protocol_id, str(episode.opened_on), episode.closed_on) == ("fracture", DAY, None)
    assert therapist.post(f"/patients/{patient}/letters/new/progress").status_code == 302
    with app.app_context():
        (letter,) = db.session.scalars(select(Letter)).all()
        assert letter.episode_id == episode.id and db.session.scalar(select(Episode.id).where(
            Episode.id != episode.id)) is None
