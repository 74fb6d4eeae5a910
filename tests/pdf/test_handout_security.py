"""SEC-20 and SEC-21 on the handout: hostile text in every field prints literally, changes no structure and
makes the renderer fetch nothing; the PDF carries no attachment, script or launch action."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from clinic.handouts.context import StopAndCall, TrackingSheet
from clinic.handouts.render import handout_html, render_handout, render_summary, summary_html
from clinic.handouts.sample import sample_handout, sample_summary
from tests.helpers.handouts import page_count, pdf_text, region_text, shown_in_header, squash, with_every_field
from tests.helpers.payloads import PAYLOADS, XSS

pytestmark = pytest.mark.pdf

ROOT = Path(__file__).resolve().parents[2]
MARKER = "QZXBENIGNMARKER"




def test_there_are_at_least_50_xss_payloads():
    assert len(XSS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def _attack_base():
    """A small handout that still has every kind of field: two exercises, both kinds of warning box."""
    ctx = sample_handout()
    emergency = StopAndCall(action="Call now.", signs=("Face droops.",), emergency=True)
    return dataclasses.replace(ctx, exercises=ctx.exercises[:2], stop_and_call=(ctx.stop_and_call[0], emergency),
                               tracking=TrackingSheet(first_day=dt.date(2026, 3, 2), days=2))


class _Structure(HTMLParser):
    """The sequence of tags and attribute names: what a payload must not change."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.shape: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.shape.append(("start", tag, tuple(name for name, _ in attrs)))

    def handle_endtag(self, tag):
        self.shape.append(("end", tag))

    def handle_comment(self, data):
        self.shape.append(("comment",))


def _structure(html: str) -> list[tuple]:
    parser = _Structure()
    parser.feed(html)
    return parser.shape


@pytest.fixture(scope="module")
def benign():
    """The benign render: its structure, and how many times the marker prints."""
    ctx = with_every_field(_attack_base(), MARKER)
    pdf = render_handout(ctx)
    summary = with_every_field(sample_summary(), MARKER)
    return {
        "structure": _structure(handout_html(ctx)),
        "summary_structure": _structure(summary_html(summary)),
        "pdf": pdf,
    }


@pytest.fixture(scope="module")
def marker_count(benign, tmp_path_factory):
    """How many times the benign marker prints in the body of the pages (header and footer are checked apart)."""
    text = region_text(benign["pdf"], tmp_path_factory.mktemp("benign"), "body")
    count = text.count(MARKER)
    assert count >= 40, "the marker should print from many fields"
    return count


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sec20_sec21_payload_in_every_field_prints_literally_and_fetches_nothing(payload, benign, marker_count,
                                                                                 tmp_path):
    ctx = with_every_field(_attack_base(), payload)
    assert _structure(handout_html(ctx)) == benign["structure"]
    blocked: list[str] = []
    pdf = render_handout(ctx, blocked=blocked)
    assert blocked == [], "the renderer was asked to fetch a URL"
    for marker in (b"/EmbeddedFile", b"/JavaScript", b"/JS ", b"/Launch", b"/URI", b"/AA", b"/OpenAction"):
        assert marker not in pdf, marker
    body = squash(region_text(pdf, tmp_path, "body"))
    assert body.count(squash(payload)) == marker_count, "not every field printed the payload literally"
    pages = page_count(pdf)
    footer = squash(region_text(pdf, tmp_path, "footer"))
    assert footer.count(squash(payload)) == pages, "the footer lost the protocol title"
    header = region_text(pdf, tmp_path, "header")
    assert header.count("Printed 2 March 2026") == pages, "a header line was pushed off the page"
    assert shown_in_header(payload, header)
    assert "root:x:0:0" not in body


@pytest.mark.parametrize("payload", PAYLOADS[::5])
def test_sec20_sec21_summary_prints_payloads_literally_and_fetches_nothing(payload, benign, tmp_path):
    ctx = with_every_field(sample_summary(), payload)
    assert _structure(summary_html(ctx)) == benign["summary_structure"]
    blocked: list[str] = []
    pdf = render_summary(ctx, blocked=blocked)
    assert blocked == []
    assert b"/EmbeddedFile" not in pdf and b"/JavaScript" not in pdf and b"/Launch" not in pdf
    assert squash(payload) in squash(pdf_text(pdf, tmp_path, mode="-raw"))


# ------------------------------------------------------------------------------------------ static guarantees

SAFE_RE = re.compile(r"\|\s*safe\b|\bMarkup\s*\(|autoescape\s+false|\{%-?\s*autoescape|markupsafe")
# Where |safe / Markup may appear in the handout pipeline: nowhere. The illustrations are inlined as
# data: URLs (escaped like any attribute), which was also faster than inline <svg> (271 vs 291 ms).
ALLOWED_SAFE: set[str] = set()


def _pipeline_files() -> list[Path]:
    return sorted([*(ROOT / "templates" / "handouts").glob("*"), *(ROOT / "clinic" / "handouts").glob("*.py"),
                   ROOT / "clinic" / "pdf.py"])


def test_sec20_no_safe_filter_or_markup_in_the_handout_pipeline():
    found = {f"{path.relative_to(ROOT)}:{n}"
             for path in _pipeline_files()
             for n, line in enumerate(path.read_text().splitlines(), start=1) if SAFE_RE.search(line)}
    assert found == ALLOWED_SAFE


def test_handout_templates_are_html_so_jinja_escapes_them():
    names = {path.suffix for path in (ROOT / "templates" / "handouts").glob("*")}
    assert names <= {".html", ".css"}


def test_only_clinic_pdf_imports_weasyprint():
    pattern = re.compile(r"^\s*(import\s+weasyprint|from\s+weasyprint\b)", re.MULTILINE)
    importers = {str(path.relative_to(ROOT)) for path in (ROOT / "clinic").rglob("*.py")
                 if pattern.search(path.read_text())}
    assert importers == {"clinic/pdf.py"}
