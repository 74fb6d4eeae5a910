"""Reading handout PDFs back: text per page (poppler), sizes of the text (pypdf), payloads in every field."""

from __future__ import annotations

import dataclasses
import io
import math
import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import require_tool

# Fields that are not free text: an id, a hex digest, a paper size or the logo's data: URL (a PNG we
# re-encoded) is checked by the context itself.
NOT_FREE_TEXT = {"plan_digest", "illustration", "paper", "logo"}
WHITESPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Text without any whitespace, so that line wrapping cannot hide a match."""
    return WHITESPACE.sub("", text)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def pdf_text(pdf: bytes, tmp_path: Path, *, first: int | None = None, last: int | None = None,
             mode: str = "-layout") -> str:
    """pdftotext of the whole PDF or of pages first..last (1-based)."""
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    args = [require_tool("pdftotext"), mode]
    if first is not None:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def band_text(pdf: bytes, tmp_path: Path, y: float, height: float) -> str:
    """pdftotext -raw of the band from ``y`` down ``height`` points, across the whole width of every page."""
    path = tmp_path / "band.pdf"
    path.write_bytes(pdf)
    args = [require_tool("pdftotext"), "-raw", "-r", "72", "-x", "0", "-y", str(int(y)), "-W", "612",
            "-H", str(int(height)), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def region_text(pdf: bytes, tmp_path: Path, region: str) -> str:
    """pdftotext -raw of one band of every A4 page: 'header' (top margin), 'body' or 'footer' (bottom margin).

    The bands follow handout.css for normal print on A4: 31 mm top margin, 16 mm bottom margin.
    """
    top, bottom, height = 31 / 25.4 * 72, 16 / 25.4 * 72, 841.89
    y, h = {"header": (0, top), "body": (top, height - top - bottom), "footer": (height - bottom, bottom)}[region]
    return band_text(pdf, tmp_path, y, h)


def shown_in_header(payload: str, header: str) -> bool:
    """The header prints the payload whole, or its start cut with "…" (lines are clamped to fit the margin)."""
    wanted, text = squash(payload), squash(header)
    return wanted in text or any(wanted[:n] + "…" in text for n in range(8, len(wanted)))


def pages_text(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, split with ``pdftotext -f N -l N``."""
    return [pdf_text(pdf, tmp_path, first=n) for n in range(1, page_count(pdf) + 1)]


def text_sizes(pdf: bytes, skip_pages_with: str | None = None) -> list[tuple[str, float]]:
    """(text, size in points as printed) for every piece of text in the PDF, read with pypdf."""
    found: list[tuple[str, float]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        on_page: list[tuple[str, float]] = []

        def visit(text, cm, tm, _font, size, on_page=on_page):
            if text.strip():
                scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
                on_page.append((text.strip(), round(size * scale, 2)))

        page.extract_text(visitor_text=visit)
        if skip_pages_with is None or not any(skip_pages_with in text for text, _ in on_page):
            found += on_page
    return found


def with_every_field(obj, payload: str):
    """A copy of a context dataclass with ``payload`` in every free-text field, however deep.

    Walking the dataclasses (rather than naming fields) means a text field added later is attacked too.
    """
    if dataclasses.is_dataclass(obj):
        changes = {}
        for field in dataclasses.fields(obj):
            value = getattr(obj, field.name)
            if field.name in NOT_FREE_TEXT:
                continue
            if isinstance(value, str):
                changes[field.name] = payload
            elif isinstance(value, tuple) or dataclasses.is_dataclass(value):
                changes[field.name] = with_every_field(value, payload)
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, tuple):
        return tuple(payload if isinstance(item, str) else with_every_field(item, payload) for item in obj)
    return obj
