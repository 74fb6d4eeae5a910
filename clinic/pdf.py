"""HTML to PDF: the only module that imports WeasyPrint.

Every PDF is tagged PDF/UA-1 (HO-03): WeasyPrint writes the structure tree (headings, lists, tables,
figures with their ``alt`` text), the title from ``<title>`` and the language from ``<html lang>``. Its
page margin boxes (our running header and footer) are marked content left out of the tree, which is as
close to artifacts as PDF 1.7 output from WeasyPrint gets. :func:`_table_header_scopes` adds ``/Scope``
to every table header cell, which WeasyPrint 70 leaves out (it only writes ``/Headers`` on data cells).

Safe by construction (RELIABILITY.md pitfall 2): the URL fetcher allows ``data:`` URLs only and no
redirects, so a document cannot read local files or reach the network; callers inline every asset
(CSS as a string, images and fonts as ``data:``). WeasyPrint is imported lazily, so ``clinic --help``
and app start stay fast, and one FontConfiguration is shared per process to keep memory flat.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import signal
import threading
from collections.abc import Iterator
from typing import Any

DEFAULT_TIME_LIMIT_SECONDS = 20
PDF_VARIANT = "pdf/ua-1"


class PdfError(RuntimeError):
    """The document could not be rendered (too large, too slow, or broken)."""


class PdfTimeout(PdfError):
    """Rendering took longer than the time limit."""


_font_config: Any = None
_fetcher_class: Any = None


def _weasyprint():
    import weasyprint  # noqa: PLC0415 - lazy on purpose: importing costs about half a second

    return weasyprint


def _data_only_fetcher(blocked: list[str] | None):
    """A URL fetcher that allows ``data:`` only; every other URL is refused (and noted in ``blocked``)."""
    global _fetcher_class
    if _fetcher_class is None:
        from weasyprint.urls import URLFetcher  # noqa: PLC0415

        class DataOnlyFetcher(URLFetcher):
            def __init__(self, blocked_list: list[str] | None):
                super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
                self.blocked_list = blocked_list

            def fetch(self, url, headers=None):
                if not url.lower().startswith("data:") and self.blocked_list is not None:
                    self.blocked_list.append(url)
                return super().fetch(url, headers)

        _fetcher_class = DataOnlyFetcher
    return _fetcher_class(blocked)


def _table_header_scopes(_document, pdf_file) -> None:
    """WeasyPrint finisher: give each /TH structure element a /Scope (Row or Column).

    WeasyPrint ties data cells to header cells with /Headers (honouring ``scope="row"``), but writes no
    /Scope on the header cells, which checkers and some screen readers look for. A header cell used by a
    data cell of its own row is a row header; any other is a column header.
    """
    elements = [obj for obj in pdf_file.objects
                if isinstance(obj, dict) and obj.get("Type") == "/StructElem" and obj.get("S") in ("/TH", "/TD")]
    headers = {obj["ID"].string: obj for obj in elements if obj["S"] == "/TH" and "ID" in obj}
    if not headers:
        return
    row_headers: set[str] = set()
    for cell in elements:
        if cell["S"] != "/TD":
            continue
        for key in cell.get("A", {}).get("Headers", ()):
            header = headers.get(key.string)
            if header is not None and header.get("P") == cell.get("P"):
                row_headers.add(key.string)
    for key, header in headers.items():
        header["A"]["Scope"] = "/Row" if key in row_headers else "/Column"  # WeasyPrint gives every cell an A


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise PdfTimeout after ``seconds`` (main thread only: gunicorn sync workers and the CLI)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(_signum, _frame):
        raise PdfTimeout(f"rendering took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pausing the garbage collector during layout saves 5-30 % (PERFORMANCE.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _font_configuration():
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

        _font_config = FontConfiguration()
    return _font_config


@functools.lru_cache(maxsize=16)
def _stylesheet(css: str):
    """A parsed stylesheet, kept per process: callers pass a few fixed CSS strings (handout options), and
    parsing one on every call made a warm handout render about 10 % slower. Imports are refused as always."""
    weasyprint = _weasyprint()
    return weasyprint.CSS(string=css, url_fetcher=_data_only_fetcher(None), font_config=_font_configuration())


def render_pdf(
    html: str,
    css: str = "",
    *,
    time_limit: float = DEFAULT_TIME_LIMIT_SECONDS,
    blocked: list[str] | None = None,
) -> bytes:
    """Render ``html`` with the stylesheet string ``css`` to PDF bytes; fetches nothing but ``data:``."""
    weasyprint = _weasyprint()
    font_config = _font_configuration()
    fetcher = _data_only_fetcher(blocked)
    try:
        with _time_limit(time_limit), _gc_paused():
            stylesheets = [_stylesheet(css)] if css else []
            document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None)
            return document.write_pdf(stylesheets=stylesheets, font_config=font_config, pdf_variant=PDF_VARIANT,
                                      finisher=_table_header_scopes)
    except PdfError:
        raise
    except Exception as exc:  # WeasyPrint raises many types; the caller needs one
        raise PdfError(f"the PDF could not be rendered: {type(exc).__name__}") from exc
