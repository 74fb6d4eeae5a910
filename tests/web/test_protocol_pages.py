"""Protocols load at start-up, show on therapist pages, and are checked by `clinic protocols`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from clinic.config import ROOT, ConfigError
from clinic.console import main

PROTOCOL_IDS = ("stroke", "fracture", "tendinitis", "arthritis", "bruise")


def test_therapist_sees_every_protocol_with_its_stages(app, make_user, login):
    _, email = make_user("therapist")
    browser = login(email)
    index = browser.get("/protocols/")
    assert index.status_code == 200
    for pid in PROTOCOL_IDS:
        assert f'href="/protocols/{pid}"'.encode() in index.data
    page = browser.get("/protocols/fracture")
    assert page.status_code == 200
    for text in (b"Earliest start", b"Home programme", b"Never over the fracture site", b"illustrations/",
                 b"Stop the exercises and call us"):
        assert text in page.data


def test_stroke_page_shows_the_emergency_signs(app, make_user, login):
    _, email = make_user("therapist")
    page = login(email).get("/protocols/stroke")
    assert b"stopbox emergency" in page.data and b"ambulance" in page.data


def test_reception_cannot_open_protocol_pages_and_unknown_ids_are_404(app, make_user, login):
    _, reception = make_user("reception")
    assert login(reception).get("/protocols/").status_code == 403
    _, therapist = make_user("therapist")
    assert login(therapist).get("/protocols/nope").status_code == 404


def test_protocols_check_prints_one_line_per_protocol_and_exits_0():
    result = CliRunner().invoke(main, ["protocols", "check"])
    assert result.exit_code == 0, result.output
    for pid in PROTOCOL_IDS:
        assert any(line.startswith(f"{pid} v") and line.endswith("ok") for line in result.output.splitlines())


def broken_clinic_folder(tmp_path):
    folder = tmp_path / "ours"
    folder.mkdir()
    source = ROOT / "protocols" / "fracture.yaml"
    text = source.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
    text = text.replace("dose: {minutes: 5, pressure: moderate}", "dose: {minutes: five, pressure: moderate}", 1)
    (folder / "fracture.yaml").write_text(text, encoding="utf-8")
    return folder


def test_protocols_check_names_file_key_and_expectation_and_exits_1(tmp_path):
    folder = broken_clinic_folder(tmp_path)
    result = CliRunner().invoke(main, ["protocols", "check", str(folder)])
    assert result.exit_code == 1
    assert "fracture.yaml: stages[0].clinic[0].dose.minutes: expected a whole number" in result.output


def test_a_broken_clinic_file_stops_the_app_with_the_message(make_app, tmp_path):
    folder = broken_clinic_folder(tmp_path)
    with pytest.raises(ConfigError, match=r"fracture.yaml: stages\[0\].clinic\[0\].dose.minutes"):
        make_app(PROTOCOL_DIRS=[str(folder)])


def test_a_clinic_file_with_a_higher_version_replaces_ours(make_app, tmp_path):
    from clinic.extensions import db

    folder = tmp_path / "ours"
    folder.mkdir()
    text = (ROOT / "protocols" / "bruise.yaml").read_text(encoding="utf-8")
    (folder / "bruise.yaml").write_text(text.replace("version: 1", "version: 3", 1), encoding="utf-8")
    app = make_app(PROTOCOL_DIRS=[str(folder)])
    with app.app_context():
        db.create_all()
        assert app.extensions["clinic.library"].protocol("bruise").version == 3


def test_protocols_show_prints_an_outline():
    result = CliRunner().invoke(main, ["protocols", "show", "tendinitis"])
    assert result.exit_code == 0, result.output
    assert "tendinitis version" in result.output
    unknown = CliRunner().invoke(main, ["protocols", "show", "nope"])
    assert unknown.exit_code != 0 and "no protocol 'nope'" in unknown.output


def test_protocol_pages_give_start_rules_in_the_facts_words_never_their_ids(app, make_user, login):
    """Issue 12 item 6: "stroke_date + 2 days" was what a therapist read; the fact's label is what they read now."""
    page = login(make_user("therapist")[1]).get("/protocols/stroke").get_data(as_text=True)
    assert "Date of the stroke + 2 days" in page or "Date of the stroke + (" in page
    assert "stroke_date" not in page.replace('name="stroke_date"', "")


def test_every_fact_of_every_shipped_protocol_has_a_label_for_people(app):
    """The plan page, its history and the protocol pages name case facts by their label."""
    library = app.extensions["clinic.library"]
    assert [(p.id, f.name) for p in library.protocols.values() for f in p.facts if not f.label] == []
