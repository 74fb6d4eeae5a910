"""The patient handout and therapist summary as real PDFs, read back with poppler and pypdf."""

from __future__ import annotations

import dataclasses
import io
import time

import pytest
from pypdf import PdfReader

from clinic.handouts.context import HandoutOptions, HomeExercise, PatientInfo, StopAndCall
from clinic.handouts.render import (
    HandoutError,
    handout_html,
    render_handout,
    render_many,
    render_summary,
)
from clinic.handouts.sample import SAMPLE_DIGEST, sample_handout, sample_summary
from tests.conftest import require_tool
from tests.helpers.handouts import page_count, pages_text, pdf_text, squash, text_sizes

pytestmark = pytest.mark.pdf

PROTOCOL_TITLE = "Fracture of the wrist, hand or fingers"
OPTIONS = [HandoutOptions(paper=paper, large_print=large) for paper in ("A4", "Letter") for large in (False, True)]


@pytest.fixture(scope="module")
def rendered() -> dict[HandoutOptions, bytes]:
    """The sample handout in every paper size and print size, rendered once for the module."""
    return {options: render_handout(sample_handout(options)) for options in OPTIONS}


@pytest.fixture(scope="module")
def summary_pdf() -> bytes:
    return render_summary(sample_summary())


def _id(options: HandoutOptions) -> str:
    return f"{options.paper}-{'large' if options.large_print else 'normal'}"


@pytest.mark.parametrize("options", OPTIONS, ids=_id)
def test_cs08_every_page_names_the_patient_date_and_therapist(rendered, options, tmp_path):
    pages = pages_text(rendered[options], tmp_path)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        for expected in ("Margaret Ellis", "Born 9 June 1954", "Record RHT-004217", "Printed 2 March 2026",
                         "Sam Okafor", "Riverside Hand Therapy", "01632 960 123"):
            assert expected in text, f"page {number} lacks {expected!r}"


@pytest.mark.parametrize("options", OPTIONS, ids=_id)
def test_cs09_every_page_carries_page_number_digest_and_protocol_version(rendered, options, tmp_path):
    pages = pages_text(rendered[options], tmp_path)
    for number, text in enumerate(pages, start=1):
        footer = f"Page {number} of {len(pages)} · plan {SAMPLE_DIGEST[:12]} · {PROTOCOL_TITLE} v1"
        assert footer in text, f"page {number} footer"


def test_cs12_exercises_doses_and_warnings_equal_the_context(rendered, tmp_path):
    ctx = sample_handout()
    text = squash(pdf_text(rendered[HandoutOptions()], tmp_path, mode="-raw"))
    expected = [ctx.stage_title, *ctx.avoid, *ctx.precautions, *ctx.overrides, ctx.notes]
    for box in ctx.stop_and_call:
        expected += [box.action, *box.signs]
    for exercise in ctx.exercises:
        expected += [exercise.name, *exercise.steps, *exercise.dose_lines, exercise.note]
    for line in filter(None, expected):
        assert squash(line) in text, line
    assert "Stopandcallusif" in text
    assert "Youarehere" in squash(pdf_text(rendered[HandoutOptions()], tmp_path)).replace("YOUAREHERE", "Youarehere")


def test_cs12_each_exercise_shows_its_own_illustration():
    html = handout_html(sample_handout())
    for exercise in sample_handout().exercises:
        assert html.count("data:image/svg+xml;base64,") == len(sample_handout().exercises)
        assert exercise.illustration
    assert 'alt="Two small balls rolling round each other in an upturned palm"' in html


def test_unknown_illustration_is_refused():
    exercise = HomeExercise(name="X", steps=("Y",), illustration="no-such-drawing")
    with pytest.raises(HandoutError, match="no-such-drawing"):
        handout_html(sample_handout(exercises=(exercise,)))


def test_stroke_prints_the_call_an_ambulance_box(tmp_path):
    box = StopAndCall(action="Do not wait to see if it gets better.", emergency=True,
                      signs=("Your face droops on one side.", "You cannot lift one arm.", "Your speech is slurred."))
    text = pdf_text(render_handout(sample_handout(stop_and_call=(box,))), tmp_path)
    assert "Call an ambulance at once if" in text
    assert "Phone 999 / 112 / 911." in text
    assert "Your face droops on one side." in text


def test_next_stage_preview_can_be_left_out(rendered, tmp_path):
    assert "What comes next" in pdf_text(rendered[HandoutOptions()], tmp_path)
    without = render_handout(sample_handout(HandoutOptions(show_next_stage=False)))
    assert "What comes next" not in pdf_text(without, tmp_path)


@pytest.mark.parametrize(("paper", "width", "height"), [("A4", 595.28, 841.89), ("Letter", 612, 792)])
def test_paper_size_is_the_pdf_mediabox(rendered, paper, width, height):
    reader = PdfReader(io.BytesIO(rendered[HandoutOptions(paper=paper)]))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(width, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(height, abs=0.5)


def _body_sizes(pdf: bytes) -> list[float]:
    """Sizes of the text pieces that belong to steps, warnings, signs and doses (the body text).

    The diary page is left out: its exercise names are table labels that can match pieces of steps.
    """
    ctx = sample_handout()
    body = [*ctx.avoid, *ctx.precautions, *ctx.stop_and_call[0].signs, ctx.condition]
    for exercise in ctx.exercises:
        body += [*exercise.steps, *exercise.dose_lines]
    pieces = text_sizes(pdf, skip_pages_with="Your exercise diary")
    # 10 characters or more: the heading "Do not" is also the start of a warning, and is no body text.
    return [size for text, size in pieces if len(text) >= 10 and any(text in line for line in body)]


@pytest.mark.parametrize(("large", "minimum"), [(False, 12), (True, 16)])
def test_body_text_is_at_least_12_pt_or_16_pt_in_large_print(rendered, large, minimum):
    sizes = _body_sizes(rendered[HandoutOptions(large_print=large)])
    assert len(sizes) >= 30, "the test did not find the body text"
    assert min(sizes) >= minimum


def test_large_print_is_larger_and_puts_fewer_exercises_on_a_page(rendered, tmp_path):
    normal, large = rendered[HandoutOptions()], rendered[HandoutOptions(large_print=True)]
    assert min(_body_sizes(large)) > max(_body_sizes(normal))
    assert page_count(large) > page_count(normal)

    def most_exercises_on_a_page(pdf):
        names = [e.name for e in sample_handout().exercises]
        return max(sum(name in text for name in names) - ("Your exercise diary" in text) * len(names)
                   for text in pages_text(pdf, tmp_path))

    assert most_exercises_on_a_page(large) < most_exercises_on_a_page(normal)


@pytest.mark.parametrize("name", ["Zoë Ångström", "Дмитрий Иванов", "Σοφία Παπαδοπούλου"])
def test_latin_cyrillic_and_greek_names_print(name, tmp_path):
    ctx = sample_handout(patient=PatientInfo(display_name=name, record_number="R-1"))
    pdf = render_handout(ctx)
    for number, text in enumerate(pages_text(pdf, tmp_path), start=1):
        assert name in text, f"page {number}"
    summary = render_summary(sample_summary(patient=ctx.patient))
    assert name in pdf_text(summary, tmp_path)


def test_fonts_are_embedded_noto_subsets(rendered, tmp_path):
    import subprocess

    path = tmp_path / "fonts.pdf"
    path.write_bytes(rendered[HandoutOptions()])
    out = subprocess.run([require_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    fonts = out.splitlines()[2:]
    assert fonts, out
    for line in fonts:
        assert "Noto-Sans" in line, line  # never the default serif: every box, margins included, sets the font
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
        assert line.split()[-4] == "yes", f"font not subset: {line}"


def test_summary_is_one_page_with_full_digest_overrides_and_identifiers(summary_pdf, tmp_path):
    assert page_count(summary_pdf) == 1
    text = pdf_text(summary_pdf, tmp_path)
    raw = squash(pdf_text(summary_pdf, tmp_path, mode="-raw"))
    assert SAMPLE_DIGEST in raw
    assert "Page 1 of 1 · plan 3f9a1c07be52 · Fracture of the wrist, hand or fingers v1" in text
    for expected in ("Margaret Ellis", "Record RHT-004217", "Printed 2 March 2026", "Sam Okafor",
                     "Raised body temperature", "Rechecked after 20 minutes", "CURRENT"):
        assert squash(expected) in raw, expected
    for exercise in sample_handout().exercises:
        assert squash(exercise.name) in raw


@pytest.mark.parametrize("options", [HandoutOptions(), HandoutOptions(paper="Letter", large_print=True)], ids=_id)
def test_handout_and_summary_render_within_the_time_limit(options):
    render_handout(sample_handout(options))  # warm: fonts and WeasyPrint loaded
    start = time.perf_counter()
    render_handout(sample_handout(options))
    render_summary(sample_summary(options.paper))
    assert time.perf_counter() - start < 5


def test_sec22_longest_allowed_inputs_still_render_with_visible_cut(tmp_path):
    long = "Please read this carefully. " * 200_000
    exercise = dataclasses.replace(sample_handout().exercises[0], note=long, steps=(long,) * 40)
    ctx = sample_handout(notes=long, condition=long, exercises=(exercise,))
    start = time.perf_counter()
    pdf = render_handout(ctx)
    assert time.perf_counter() - start < 15
    assert "…" in pdf_text(pdf, tmp_path)


def test_render_many_renders_in_parallel_in_order(tmp_path):
    names = ["Ann One", "Bob Two", "Cy Three"]
    contexts = [sample_handout(patient=PatientInfo(display_name=n, record_number="R")) for n in names]
    pdfs = render_many([*contexts, sample_summary()], processes=2)
    assert len(pdfs) == 4
    for name, pdf in zip(names, pdfs, strict=False):
        assert name in pdf_text(pdf, tmp_path)
    assert "Plan summary for the therapist" in pdf_text(pdfs[3], tmp_path)
