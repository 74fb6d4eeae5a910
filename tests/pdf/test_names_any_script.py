"""HO-02 in print: a name in any script prints in every PDF kind (handout, large print, therapist summary,
record export), in the patient's own order. pdffonts shows an embedded font for the script, and the name comes
back whole from the page header: a character no font has becomes a .notdef box that pdftotext cannot read
back, so a missing glyph shows up as a missing character."""

from __future__ import annotations

import subprocess
import unicodedata
from collections import Counter

import pytest

from tests.conftest import require_tool
from tests.helpers.handouts import band_text, pdf_text
from tests.helpers.plans import approved_plan

pytestmark = pytest.mark.pdf

# script -> (family name, given names, order, as the patient writes it, the embedded font that draws it)
SCRIPTS = {
    "latin with diacritics": ("Nguyễn", "Thị Minh Khai", "family_first", "Nguyễn Thị Minh Khai", "Noto-Sans"),
    "greek": ("Παπαδοπούλου", "Ελένη", "given_first", "Ελένη Παπαδοπούλου", "Noto-Sans"),
    "cyrillic": ("Иванов", "Дмитрий", "given_first", "Дмитрий Иванов", "Noto-Sans"),
    "chinese": ("王", "秀英", "family_first", "王秀英", "Noto-Sans-CJK"),
    "japanese": ("山田", "花子", "family_first", "山田花子", "Noto-Sans-CJK"),
    "korean": ("김", "민준", "family_first", "김민준", "Noto-Sans-CJK"),
    "arabic": ("عبد الله", "محمد", "given_first", "محمد عبد الله", "Noto-Sans-Arabic"),
    "hebrew": ("כהן", "נועה", "given_first", "נועה כהן", "Noto-Sans-Hebrew"),
    "devanagari": ("शर्मा", "अनीता", "given_first", "अनीता शर्मा", "Noto-Sans-Devanagari"),
}
HEADER_MM = {"handout": 31, "large print": 35, "summary": 31}  # top margins of handout.css


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


def _fonts(pdf: bytes, tmp_path) -> list[tuple[str, bool]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([require_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    return [(line.split()[0].split("+", 1)[-1], line.split()[-5] == "yes") for line in out.splitlines()[2:]]


def _letters(text: str) -> Counter:
    """The letters of a text, in any case, without spaces, commas, bidi marks (pdftotext wraps right-to-left
    runs in U+202B…U+202C) and vowel signs: a Devanagari ligature such as ता reads back as त alone, although
    it prints whole (seen in the PNG). A .notdef box loses the whole syllable, its consonant included."""
    return Counter(c for c in text.casefold() if not c.isspace() and c not in "\u202a\u202b\u202c\u200e\u200f,"
                   and unicodedata.category(c) not in ("Mn", "Mc"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.replace(" ", "-"))
def test_ho02_a_name_in_any_script_prints_in_every_pdf_kind(app, therapist, make_patient, tmp_path, script):
    family, given, order, written, font = SCRIPTS[script]
    pid = make_patient(family_name=family, given_names=given, name_order=order)
    plan_id = approved_plan(therapist, app, pid, "bruise")
    base = f"/patients/{pid}/plans/{plan_id}/revisions/1"
    urls = {"handout": f"{base}/handout.pdf", "large print": f"{base}/handout.pdf?large=1",
            "summary": f"{base}/summary.pdf", "record export": f"/patients/{pid}/export.pdf"}
    for kind, url in urls.items():
        response = therapist.get(url)
        assert response.status_code == 200, kind
        pdf = response.data
        fonts = _fonts(pdf, tmp_path)
        assert any(name.startswith(font) and embedded for name, embedded in fonts), (kind, fonts)
        assert all(embedded for _name, embedded in fonts), (kind, fonts)
        if kind == "record export":
            shown = pdf_text(pdf, tmp_path, first=1, mode="-raw").splitlines()[1]  # the title line
        else:
            header = band_text(pdf, tmp_path, 0, HEADER_MM[kind] / 25.4 * 72)
            shown = max(header.splitlines(), key=lambda line: sum((_letters(line) & _letters(written)).values()))
        assert _letters(shown) >= _letters(written), (kind, shown, written)
        if script in ("latin with diacritics", "greek", "cyrillic", "chinese", "japanese", "korean"):
            assert written in shown or written.upper() in shown or family.upper() in shown, (kind, shown)
