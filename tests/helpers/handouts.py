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


def body_fill(pdf: bytes, tmp_path: Path, top_mm: float, bottom_mm: float) -> list[float]:
    """How far down the body area of each page the lowest word reaches, 0.0 to 1.0 (pdftotext -bbox).

    ``top_mm``/``bottom_mm`` are the page margins (the running header and the footer live there).
    """
    path = tmp_path / "fill.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([require_tool("pdftotext"), "-bbox", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    fills = []
    for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        height = float(page[1])
        top, bottom = top_mm / 25.4 * 72, height - bottom_mm / 25.4 * 72
        lowest = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page[2]) if top < float(y) <= bottom]
        fills.append(round((max(lowest, default=top) - top) / (bottom - top), 2))
    return fills


def notdef_count(pdf: bytes) -> int:
    """How many .notdef glyphs (glyph 0: the empty box printed for a character no font has) the PDF draws.

    WeasyPrint writes every font as a CID font with Identity-H encoding, so each shown string is a run of
    2-byte glyph ids; glyph id 0 is .notdef in every TrueType/OpenType font.
    """
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    found = 0
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        identity = {name for name, ref in fonts.items() if ref.get_object().get("/Encoding") == "/Identity-H"}
        content = ContentStream(page.get_contents(), reader)
        current = None
        for operands, operator in content.operations:
            if operator == b"Tf":
                current = operands[0]
            elif operator in (b"Tj", b"TJ") and current in identity:
                strings = operands[0] if operator == b"TJ" else [operands[0]]
                for item in strings:
                    if isinstance(item, (bytes, str)) or hasattr(item, "original_bytes"):
                        data = item.original_bytes if hasattr(item, "original_bytes") else bytes(item)
                        found += sum(1 for i in range(0, len(data) - 1, 2) if data[i:i + 2] == b"\0\0")
    return found
