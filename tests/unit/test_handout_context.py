"""The handout context: plain values, doses in plain words, every free-text field capped (SEC-22)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from clinic.handouts.context import (
    ELLIPSIS,
    MAX_ITEMS,
    TEXT_CHARS,
    ClinicInfo,
    Dose,
    HandoutOptions,
    HomeExercise,
    PatientInfo,
    TrackingSheet,
    cap,
)
from clinic.handouts.sample import SAMPLE_DIGEST, sample_handout, sample_summary

PLAIN_TYPES = (str, int, bool, dt.date, type(None))


def _assert_plain(value, path="ctx"):
    if dataclasses.is_dataclass(value):
        assert type(value).__dataclass_params__.frozen, f"{path} is not frozen"
        for f in dataclasses.fields(value):
            _assert_plain(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            _assert_plain(item, f"{path}[{i}]")
    else:
        assert isinstance(value, PLAIN_TYPES), f"{path} is a {type(value).__name__}, not a plain value"


def test_sample_contexts_hold_plain_frozen_values_only():
    _assert_plain(sample_handout())
    _assert_plain(sample_summary())


@pytest.mark.parametrize(("dose", "words"), [
    (Dose(repetitions=10, hold_seconds=5, times_per_day=3),
     ("Do this 10 times.", "Hold each one for 5 seconds.", "3 times a day.")),
    (Dose(repetitions=1, hold_seconds=1, times_per_day=1), ("Do this once.", "Hold it for 1 second.", "Once a day.")),
    (Dose(minutes=2, times_per_day=3), ("Do this for 2 minutes.", "3 times a day.")),
    (Dose(minutes=15, times_per_day=2), ("Do this for 15 minutes.", "2 times a day.")),
    (Dose(repetitions=10, sets=2, times_per_day=2),
     ("Do this 10 times.", "Rest, then do it all again. 2 rounds in all.", "2 times a day.")),
    (Dose(repetitions=10, minutes=5), ("Do this 10 times.", "Take about 5 minutes for this.")),
    (Dose(), ()),
])
def test_dose_reads_as_plain_sentences(dose, words):
    assert dose.in_words() == words


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "3"])
def test_dose_refuses_what_is_not_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="whole number"):
        Dose(repetitions=bad)


def test_sec22_a_5_mb_note_is_capped_with_a_visible_ellipsis():
    ctx = sample_handout(notes="x" * 5_000_000)
    assert len(ctx.notes) == TEXT_CHARS
    assert ctx.notes.endswith(ELLIPSIS)


def test_sec22_every_text_field_and_list_is_capped():
    long = "word " * 100_000
    ctx = sample_handout(
        therapist_name=long, condition=long, stage_title=long, avoid=(long,) * 1000, precautions=(long,) * 5,
        overrides=(long,), exercises=(HomeExercise(name=long, steps=(long,) * 500, note=long),) * 12,
    )
    assert len(ctx.therapist_name) <= 200 and ctx.therapist_name.endswith(ELLIPSIS)
    assert len(ctx.condition) <= TEXT_CHARS
    assert len(ctx.avoid) == MAX_ITEMS and ctx.avoid[-1] == ELLIPSIS
    assert all(len(line) <= 500 for line in ctx.avoid + ctx.precautions)
    assert len(ctx.exercises[0].steps) == MAX_ITEMS and len(ctx.exercises[0].note) <= 500


def test_cap_keeps_short_text_and_trims_blanks():
    assert cap("  Hello  ", 10) == "Hello"
    assert cap("abcdefghij", 5) == "abcd" + ELLIPSIS


def test_patient_needs_birth_date_or_record_number():
    with pytest.raises(ValueError, match="CS-08"):
        PatientInfo(display_name="Ann Lee")
    assert PatientInfo(display_name="Ann Lee", record_number="R1").record_number == "R1"


@pytest.mark.parametrize("digest", ["", "short", "zz" * 32, "<script>" * 4])
def test_plan_digest_must_be_hex(digest):
    with pytest.raises(ValueError, match="CS-09"):
        sample_handout(plan_digest=digest)


def test_short_digest_is_the_first_12_characters():
    assert sample_handout().plan_digest_short == SAMPLE_DIGEST[:12]


@pytest.mark.parametrize("paper", ["a4", "A5", "Legal", ""])
def test_paper_is_a4_or_letter(paper):
    with pytest.raises(ValueError, match="paper"):
        HandoutOptions(paper=paper)


@pytest.mark.parametrize("illustration", ["../../etc/passwd", "ball.svg", "Ball", "a b", "file:///x"])
def test_illustration_id_cannot_name_a_path(illustration):
    with pytest.raises(ValueError, match="illustration"):
        HomeExercise(name="x", steps=("y",), illustration=illustration)


def test_tracking_sheet_labels_its_days():
    sheet = TrackingSheet(first_day=dt.date(2026, 3, 2), days=3)
    assert sheet.day_labels == (("Mon", "2 Mar"), ("Tue", "3 Mar"), ("Wed", "4 Mar"))
    assert TrackingSheet(days=2).day_labels == (("Day", "1"), ("Day", "2"))
    with pytest.raises(ValueError):
        TrackingSheet(days=0)


def test_too_many_exercises_or_warning_boxes_are_refused_not_dropped():
    exercise = sample_handout().exercises[0]
    with pytest.raises(ValueError, match="exercises"):
        sample_handout(exercises=(exercise,) * 13)
    box = sample_handout().stop_and_call[0]
    with pytest.raises(ValueError, match="stop_and_call"):
        sample_handout(stop_and_call=(box,) * 5)


def test_markup_handed_in_becomes_plain_text():
    from markupsafe import Markup

    ctx = sample_handout(notes=Markup("<b>bold</b>"))
    assert type(ctx.notes) is str and ctx.notes == "<b>bold</b>"


@pytest.mark.parametrize("logo", [
    "file:///etc/passwd", "http://127.0.0.1:9/logo.png", "data:image/svg+xml;base64,PHN2Zy8+",
    "data:image/png;base64,AAAA\" onerror=\"x", "data:image/png;base64,",
])
def test_wf01_a_clinic_logo_is_only_ever_a_png_data_url(logo):
    with pytest.raises(ValueError, match="data:image/png;base64"):
        ClinicInfo(name="C", address="", phone="1", logo=logo)
    assert ClinicInfo(name="C", address="", phone="1", logo="data:image/png;base64,iVBORw0KGgo=").logo
