"""The WeasyPrint wrapper fetches nothing but data: URLs and embeds no files (SEC-21)."""

from __future__ import annotations

import subprocess

import pytest

from clinic.pdf import render_pdf
from tests.conftest import require_tool

ATTACKS = [
    '<link rel="attachment" href="file:///etc/passwd">',
    '<a rel="attachment" href="file:///etc/hostname">x</a>',
    '<img src="file:///etc/passwd">',
    '<img src="http://127.0.0.1:9/leak.png">',
    '<style>@import url("file:///etc/passwd");</style>',
    '<style>@import "http://127.0.0.1:9/x.css";</style>',
    '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    '<div style="background: url(file:///etc/passwd)">x</div>',
    '<object data="file:///etc/passwd"></object>',
    '<embed src="file:///etc/passwd">',
    '<iframe src="file:///etc/passwd"></iframe>',
    '<svg><image href="file:///etc/passwd"/></svg>',
]


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run([require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("attack", ATTACKS)
def test_sec21_renderer_refuses_every_non_data_url(attack, tmp_path):
    blocked: list[str] = []
    pdf = render_pdf(f"<html><body><p>Hello</p>{attack}</body></html>", blocked=blocked)
    assert pdf.startswith(b"%PDF")
    for marker in (b"/EmbeddedFile", b"/JavaScript", b"/Launch", b"root:x:0:0"):
        assert marker not in pdf
    assert "root:x:0:0" not in pdf_text(pdf, tmp_path)
    if "iframe" not in attack:  # WeasyPrint does not load iframes at all
        assert blocked, "the fetcher was not asked, so the test proves nothing"
    assert all(not url.startswith("data:") for url in blocked)


def test_data_urls_still_work_for_inlined_images(tmp_path):
    svg = "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>"
    blocked: list[str] = []
    pdf = render_pdf(f'<p>Picture</p><img src="{svg}">', blocked=blocked)
    assert blocked == []
    assert "Picture" in pdf_text(pdf, tmp_path)
