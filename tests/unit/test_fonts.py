"""HO-02: every symbol the pages and the PDFs use (⛔ ⚠ ✔ → · … and the like) has a glyph in a font of the
stylesheet that shows it, and every script a name may be written in is covered by a font the stylesheets
name. Fonts are looked up with fontconfig, as Chromium and WeasyPrint do, and read with fontTools."""

from __future__ import annotations

import functools
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = {
    "pages": ROOT / "clinic" / "static" / "app.css",
    "handouts": ROOT / "templates" / "handouts" / "handout.css",
    "record export": ROOT / "templates" / "patients" / "record_pdf.css",
}
GENERIC = {"sans-serif", "serif", "monospace", "system-ui", "-apple-system", "inherit"}
# One name per script (HO-02), the letters a font must have for it.
SCRIPTS = {"latin": "Nguyễn Ångström Łukasz", "greek": "Ελένη", "cyrillic": "Дмитрий", "chinese": "王秀英",
           "japanese": "山田花子やまだ", "korean": "김민준", "arabic": "محمد", "hebrew": "נועה",
           "devanagari": "अनीता"}


def _stacks(css: Path) -> list[list[str]]:
    """Each font-family list of a stylesheet, as family names."""
    text = css.read_text(encoding="utf-8")
    stacks = []
    for value in re.findall(r"font-family:\s*([^;]+);", text):
        families = [f.strip().strip('"').strip("'") for f in value.split(",")]
        if families and families[0] not in ("inherit",) and "{{" not in value:
            stacks.append(families)
    return stacks


@functools.cache
def _cmap(family: str) -> frozenset[int]:
    """The characters the installed regular face of ``family`` has (empty when it is not installed)."""
    out = subprocess.run([require_tool("fc-list"), "-f", "%{file}|%{index}|%{style}\\n", family],
                         capture_output=True, text=True, check=True).stdout
    faces = [line.split("|", 2) for line in out.splitlines() if line.count("|") >= 2]
    faces = [f for f in faces if re.search(r"\b(Regular|Book)\b", f[2])] or faces  # the upright, normal face
    covered: set[int] = set()
    if faces:
        path, index = faces[0][0], int(faces[0][1])
        if path.endswith((".ttc", ".otc")):
            with TTCollection(path, lazy=True) as collection:
                covered |= set(collection.fonts[index].getBestCmap() or {})
        else:
            with TTFont(path, lazy=True) as font:
                covered |= set(font.getBestCmap() or {})
    return frozenset(covered)


def _symbols() -> set[str]:
    """Non-ASCII symbols and punctuation in templates, stylesheets and the Python that writes page text."""
    found: set[str] = set()
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.css"), ROOT / "clinic/static/app.css",
             *ROOT.glob("clinic/**/*.py")]
    for path in files:
        if "migrations" in path.parts:
            continue
        for char in path.read_text(encoding="utf-8"):
            if ord(char) > 127 and unicodedata.category(char)[0] in "SP":
                found.add(char)
    return found


def test_ho02_the_symbols_are_found_in_the_sources():
    symbols = _symbols()
    assert {"⛔", "⚠", "✔", "→", "·", "…"} <= symbols, symbols


@pytest.mark.parametrize("sheet", STYLESHEETS)
def test_ho02_every_symbol_used_has_a_glyph_in_each_font_stack(sheet):
    stacks = _stacks(STYLESHEETS[sheet])
    assert stacks, sheet
    symbols = _symbols()
    for stack in stacks:
        installed = [f for f in stack if f not in GENERIC and _cmap(f)]
        assert installed, (sheet, stack)
        missing = {c for c in symbols if not any(ord(c) in _cmap(f) for f in installed)}
        assert not missing, (sheet, stack, sorted(missing))


@pytest.mark.parametrize("sheet", STYLESHEETS)
def test_ho02_every_script_of_a_name_is_covered_by_a_named_font(sheet):
    for stack in [s for s in _stacks(STYLESHEETS[sheet]) if s[-1] != "monospace"]:  # record numbers only there
        installed = [f for f in stack if f not in GENERIC and _cmap(f)]
        for script, letters in SCRIPTS.items():
            missing = {c for c in letters if not c.isspace() and not any(ord(c) in _cmap(f) for f in installed)}
            assert not missing, (sheet, script, sorted(missing))
