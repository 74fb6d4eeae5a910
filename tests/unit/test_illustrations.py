"""Checks on the exercise line drawings in clinic/static/illustrations.

The drawings are embedded in printed handouts, so each one must stand alone: no scripts,
no external references, small, and one file per known exercise id.
"""

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own committed files, not user input
from pathlib import Path

import pytest

from tests.helpers.illustrations import IDS

ILLUSTRATIONS = Path(__file__).resolve().parents[2] / "clinic" / "static" / "illustrations"
SVG_NS = "http://www.w3.org/2000/svg"
MAX_BYTES = 8 * 1024


FORBIDDEN_TAGS = {"script", "foreignObject", "image", "iframe", "video", "audio"}
URL_RE = re.compile(r"url\(\s*([^)]*)\)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())  # noqa: S314 - our own committed files, not user input


def test_ids_are_unique():
    assert len(IDS) == len(set(IDS))


def test_the_files_are_exactly_the_ids():
    present = {p.stem for p in ILLUSTRATIONS.glob("*.svg")}
    assert present == set(IDS)


@pytest.mark.parametrize("ident", IDS)
def test_illustration_is_a_standalone_svg(ident):
    path = ILLUSTRATIONS / f"{ident}.svg"
    assert path.stat().st_size < MAX_BYTES

    root = _parse(path)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("viewBox") == "0 0 240 180"
    assert root.get("width") is None and root.get("height") is None

    title = root.find(f"{{{SVG_NS}}}title")
    assert title is not None and (title.text or "").strip()

    for el in root.iter():
        assert _local(el.tag) not in FORBIDDEN_TAGS, f"{ident}: <{_local(el.tag)}> is not allowed"
        for name, value in el.attrib.items():
            attr = _local(name)
            if attr == "href":
                assert value.startswith("#"), f"{ident}: {name}={value!r} points outside the file"
            assert not attr.lower().startswith("on"), f"{ident}: event handler {name}"
            for target in URL_RE.findall(value):
                assert target.strip().strip("'\"").startswith("#"), f"{ident}: url({target}) in {name}"
        for target in URL_RE.findall(el.text or ""):
            assert target.strip().strip("'\"").startswith("#"), (
                f"{ident}: url({target}) in <{_local(el.tag)}>"
            )


def test_the_readme_lists_every_id():
    readme = (ILLUSTRATIONS / "README.md").read_text(encoding="utf-8")
    for ident in IDS:
        assert f"`{ident}`" in readme
