"""WF-01 clinic settings: the administrator's page and `clinic settings` (one operation behind both), the logo
(decoded and re-encoded before use), and the refusal to print while the clinic has no phone number."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, Clinic
from tests.conftest import PASSWORD
from tests.helpers.plans import approved_plan

SETTINGS = {
    "name": "Harbour Hand Clinic", "address": "3 Quay Road\nPortsmouth", "phone": "023 9200 0000",
    "emergency_number": "999", "time_zone": "Europe/London", "paper_size": "Letter", "screening_valid_days": "21",
}


def picture(fmt: str = "PNG", size=(300, 100), colour=(10, 110, 110), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def clinic_row(app, name: str = "Clinic A") -> Clinic:
    with app.app_context():
        row = db.session.scalars(select(Clinic).where(Clinic.name == name)).one()
        db.session.expunge(row)
        return row


def settings_audit(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "clinic_settings")).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin")[1])


def post_settings(browser, logo: bytes | None = None, filename: str = "logo.png", **changes):
    data = {**SETTINGS, **changes}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), filename)
    return browser.post("/admin/settings", data=data, content_type="multipart/form-data")


def test_wf01_an_administrator_sets_every_setting_and_each_change_is_audited(app, admin):
    page = admin.get("/admin/settings").get_data(as_text=True)
    for label in ("Clinic name", "Address", "Phone", "Emergency number", "Logo", "Time zone", "Paper size",
                  "Screening valid for (days)"):
        assert f">{label}</label>" in page, label
    response = post_settings(admin, logo=picture())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    row = clinic_row(app, SETTINGS["name"])
    assert (row.address, row.phone, row.emergency_number) == ("3 Quay Road\nPortsmouth", "023 9200 0000", "999")
    assert (row.time_zone, row.paper_size, row.screening_valid_days) == ("Europe/London", "Letter", 21)
    assert row.logo_png.startswith(b"\x89PNG")
    events = settings_audit(app)
    assert len(events) == 1 and events[0].actor.startswith("admin")
    for words in ("Phone: '01632 960 000' → '023 9200 0000'", "Time zone: 'UTC' → 'Europe/London'",
                  "Logo: new picture"):
        assert words in events[0].detail
    shown = admin.get("/admin/settings").get_data(as_text=True)
    assert 'value="023 9200 0000"' in shown and 'src="data:image/png;base64,' in shown
    # Saving the same values again changes nothing and writes no audit row.
    assert post_settings(admin).status_code == 302
    assert len(settings_audit(app)) == 1


def test_wf01_bad_values_get_a_message_next_to_their_field_and_nothing_typed_is_lost(app, admin):
    response = post_settings(admin, logo=b"%PDF-1.7 not a picture", filename="logo.png", time_zone="Mars/Olympus",
                             phone="call reception", screening_valid_days="0", address="Typed with care")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    expected = {
        "time_zone": "Enter a time zone by its IANA name",
        "phone": "Use digits, spaces and + ( ) - . / only",
        "screening_valid_days": "Enter a whole number of days from 1 to 365.",
        "logo": "This file is not a picture we can read.",
    }
    for field, message in expected.items():
        error = re.search(rf'id="{field}-error-1"[^>]*>(.*?)</p>', page, re.S)
        assert error and message in error.group(1), field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', page), field
    assert 'value="Mars/Olympus"' in page and 'value="call reception"' in page and "Typed with care" in page
    assert "choose the logo again" in page
    row = clinic_row(app)
    assert (row.phone, row.time_zone, row.logo_png) == ("01632 960 000", "UTC", None)
    assert settings_audit(app) == []


@pytest.mark.parametrize(("upload", "message"), [
    (picture("GIF"), "This is a GIF file; choose a PNG or JPEG picture."),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "This file is not a picture we can read."),
    (picture(size=(4100, 4000)), "The picture is 4100×4000 pixels"),
], ids=["gif", "broken-png", "huge-dimensions"])
def test_wf01_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(app, admin, upload, message):
    response = post_settings(admin, logo=upload)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert clinic_row(app).logo_png is None


def test_wf01_a_logo_file_over_512_kb_is_refused_before_it_is_decoded():
    # Through the operation: the test client spools a body this large to a temporary file it never closes.
    from clinic.settings.operations import SettingsProblems, prepare_logo

    with pytest.raises(SettingsProblems) as refused:
        prepare_logo(picture("PNG") + b"\0" * (600 * 1024))
    assert "a logo may be at most 512 KB" in refused.value.problems["logo"]


def test_wf01_a_jpeg_logo_is_decoded_and_re_encoded_as_a_small_png_without_its_metadata(app, admin):
    exif = Image.Exif()
    exif[0x010E] = "secret-camera-note"  # ImageDescription
    upload = picture("JPEG", size=(1800, 600), exif=exif.tobytes())
    assert b"secret-camera-note" in upload
    assert post_settings(admin, logo=upload).status_code == 302
    stored = clinic_row(app, SETTINGS["name"]).logo_png
    assert stored.startswith(b"\x89PNG") and b"secret-camera-note" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (600, 200)  # fits 600x240, proportions kept
    assert post_settings(admin, remove_logo="y").status_code == 302
    assert clinic_row(app, SETTINGS["name"]).logo_png is None


def test_wf01_only_an_administrator_reaches_the_settings(app, make_user, login):
    for role in ("therapist", "reception"):
        browser = login(make_user(role)[1])
        assert browser.get("/admin/settings").status_code == 403
        assert post_settings(browser).status_code == 403
    assert settings_audit(app) == []


def test_wf01_the_command_line_shows_and_changes_settings_with_the_same_checks(app, runner, make_user):
    make_user("admin")
    bad = runner.invoke(args=["settings", "--time-zone", "Europe/Londn", "--screening-valid-days", "400"])
    assert bad.exit_code == 1
    assert "Time zone: Enter a time zone by its IANA name" in bad.output
    assert "Screening valid for (days): Enter a whole number of days from 1 to 365." in bad.output
    assert clinic_row(app).time_zone == "UTC"
    good = runner.invoke(args=["settings", "--clinic", "Clinic A", "--phone", "+1 555 0199", "--time-zone",
                               "America/Los_Angeles", "--paper-size", "Letter"])
    assert good.exit_code == 0, good.output
    assert "Saved: Phone, Time zone, Paper size." in good.output and "America/Los_Angeles" in good.output
    row = clinic_row(app)
    assert (row.phone, row.time_zone, row.paper_size) == ("+1 555 0199", "America/Los_Angeles", "Letter")
    [event] = settings_audit(app)
    assert event.actor == "cli" and "Phone: '01632 960 000' → '+1 555 0199'" in event.detail


def test_wf01_the_command_line_takes_a_logo_file(app, runner, make_user, tmp_path):
    make_user("admin")
    logo = tmp_path / "logo.jpg"
    logo.write_bytes(picture("JPEG"))
    result = runner.invoke(args=["settings", "--logo", str(logo)])
    assert result.exit_code == 0, result.output
    assert clinic_row(app).logo_png.startswith(b"\x89PNG")
    text_file = tmp_path / "notes.png"
    text_file.write_text("not a picture")
    refused = runner.invoke(args=["settings", "--logo", str(text_file)])
    assert refused.exit_code == 1 and "This file is not a picture we can read." in refused.output


def test_wf01_a_fresh_clinic_prints_nothing_until_its_phone_is_set_and_says_where_to_set_it(
        app, runner, login, make_patient, tmp_path):
    created = runner.invoke(args=["user", "create", "boss@new.example", "--role", "admin", "--clinic", "New Clinic",
                                  "--name", "Kim Boss", "--password", PASSWORD])
    assert created.exit_code == 0 and "has no phone number yet" in created.output
    assert runner.invoke(args=["user", "create", "t@new.example", "--role", "therapist", "--clinic", "New Clinic",
                               "--name", "Ty Therapist", "--password", PASSWORD]).exit_code == 0
    therapist, admin = login("t@new.example"), login("boss@new.example")
    assert clinic_row(app, "New Clinic").phone == ""
    # The clinic already exists, so make_patient's set-up defaults do not apply: the patient joins it as it is.
    pid = make_patient(clinic="New Clinic")
    plan_id = approved_plan(therapist, app, pid, "fracture")
    shown = therapist.get(f"/patients/{pid}/plans/{plan_id}").get_data(as_text=True)
    assert "Handouts print once the clinic&#39;s phone number is set (Settings)." in shown
    base = f"/patients/{pid}/plans/{plan_id}/revisions/1"
    for url in (f"{base}/handout.pdf", f"{base}/handout.pdf?large=1", f"{base}/summary.pdf",
                f"/patients/{pid}/export.pdf"):
        for who in (therapist, admin):
            response = who.get(url)
            assert response.status_code == 409, url
            page = response.get_data(as_text=True)
            assert "no phone number" in page and "Settings" in page and "clinic settings" in page, url
            assert response.mimetype == "text/html"
    assert 'href="/admin/settings"' in admin.get(f"{base}/handout.pdf").get_data(as_text=True)
    with app.app_context():
        from clinic.models import PlanRevision

        revision_id = db.session.scalars(select(PlanRevision.id).where(PlanRevision.plan_id == plan_id)).one()
    out = tmp_path / "h.pdf"
    refused = runner.invoke(args=["handout", str(revision_id), "-o", str(out)])
    assert refused.exit_code == 1 and "no phone number" in refused.output and not out.exists()

    assert runner.invoke(args=["settings", "--clinic", "New Clinic", "--phone", "0161 496 0000"]).exit_code == 0
    for url in (f"{base}/handout.pdf", f"{base}/summary.pdf", f"/patients/{pid}/export.pdf"):
        response = therapist.get(url)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), url
    assert runner.invoke(args=["handout", str(revision_id), "-o", str(out)]).exit_code == 0


def test_wf01_the_demo_sets_every_setting(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    from clinic.demo import CLINIC_NAME

    row = clinic_row(app, CLINIC_NAME)
    assert row.address and row.phone and row.emergency_number
    assert row.time_zone != "UTC" and row.paper_size in ("A4", "Letter") and row.screening_valid_days
    assert row.logo_png.startswith(b"\x89PNG")


def test_wf01_the_logo_prints_in_the_header_of_every_handout_page_and_the_summary(app, runner, make_user, login,
                                                                                  make_patient, tmp_path):
    from pypdf import PdfReader

    therapist = login(make_user("therapist")[1])
    pid = make_patient()
    plan_id = approved_plan(therapist, app, pid, "fracture")
    url = f"/patients/{pid}/plans/{plan_id}/revisions/1"

    def images_per_page(path: str) -> list[int]:
        response = therapist.get(f"{url}/{path}")
        assert response.status_code == 200
        return [len(page.images) for page in PdfReader(io.BytesIO(response.data)).pages]

    assert set(images_per_page("handout.pdf")) == {0}  # the drawings are vector art, not pictures
    logo = tmp_path / "logo.png"
    logo.write_bytes(picture())
    assert runner.invoke(args=["settings", "--logo", str(logo)]).exit_code == 0
    # A new logo changes the header, so the stored PDF is not served again.
    for path in ("handout.pdf", "handout.pdf?large=1", "summary.pdf"):
        counts = images_per_page(path)
        assert counts and set(counts) == {1}, (path, counts)
