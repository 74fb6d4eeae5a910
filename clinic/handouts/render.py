"""Handout context → HTML (Jinja, autoescaped) + CSS string → PDF bytes through ``clinic.pdf``.

No Flask here: the CLI and batch jobs render without an app or a request. The templates live in the
top-level ``templates/handouts/`` folder; they see plain values only and escape every one (SEC-20).
The illustrations are our own SVG files, inlined as ``data:`` URLs, so the PDF fetches nothing (SEC-21)
and no ``Markup`` is needed anywhere.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import multiprocessing
import os
import threading
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own committed SVG files, never user input
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import jinja2

from clinic import pdf
from clinic.handouts.context import HandoutContext, TherapistSummaryContext, day

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
ILLUSTRATIONS = Path(__file__).resolve().parents[1] / "static" / "illustrations"
PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
TIME_LIMIT_SECONDS = 20  # SEC-22: a sample handout takes about 0.3 s; anything near this is an attack or a bug


@functools.cache
def layout_fingerprint() -> str:
    """A hash of the handout templates, CSS and drawings: part of the cache key, so a new layout re-renders."""
    digest = hashlib.sha256()
    for path in sorted([*(TEMPLATES / "handouts").glob("*"), *ILLUSTRATIONS.glob("*.svg")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class HandoutError(ValueError):
    """The handout cannot be rendered from this context (for example an unknown illustration)."""


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name (RELIABILITY pitfall 5)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = day
    env.globals["illustration"] = illustration
    return env


@functools.cache
def illustration_ids() -> frozenset[str]:
    """The ids of our drawings (their file names without ``.svg``)."""
    return frozenset(path.stem for path in ILLUSTRATIONS.glob("*.svg"))


@functools.cache
def illustration(illustration_id: str) -> tuple[str, str]:
    """(``data:`` URL, alternative text) of one of our drawings; unknown ids raise HandoutError."""
    known = {path.stem: path for path in ILLUSTRATIONS.glob("*.svg")}
    path = known.get(illustration_id)
    if path is None:
        raise HandoutError(f"no illustration called {illustration_id!r} in {ILLUSTRATIONS}")
    data = path.read_bytes()
    title = ET.fromstring(data).find("{http://www.w3.org/2000/svg}title")  # noqa: S314 - our own file
    alt = title.text.strip() if title is not None and title.text else ""
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii"), alt


def _css(paper: str, large_print: bool) -> str:
    return _environment().get_template("handouts/handout.css").render(
        page_size=PAGE_SIZES[paper], large_print=large_print)


def handout_html(ctx: HandoutContext) -> str:
    """The handout as HTML (its CSS comes from :func:`handout_css`); for tests and previews."""
    return _environment().get_template("handouts/handout.html").render(ctx=ctx)


def handout_css(ctx: HandoutContext) -> str:
    """The stylesheet for this handout's options (paper size, large print), as a string."""
    return _css(ctx.options.paper, ctx.options.large_print)


def summary_html(ctx: TherapistSummaryContext) -> str:
    """The therapist summary as HTML."""
    return _environment().get_template("handouts/summary.html").render(ctx=ctx)


def render_handout(ctx: HandoutContext, *, blocked: list[str] | None = None) -> bytes:
    """The patient handout as PDF bytes."""
    return pdf.render_pdf(handout_html(ctx), handout_css(ctx), time_limit=TIME_LIMIT_SECONDS, blocked=blocked)


def render_summary(ctx: TherapistSummaryContext, *, blocked: list[str] | None = None) -> bytes:
    """The one-page therapist summary as PDF bytes."""
    return pdf.render_pdf(summary_html(ctx), _css(ctx.paper, False), time_limit=TIME_LIMIT_SECONDS,
                          blocked=blocked)


def _render_any(ctx: HandoutContext | TherapistSummaryContext) -> bytes:
    if isinstance(ctx, TherapistSummaryContext):
        return render_summary(ctx)
    return render_handout(ctx)


# ------------------------------------------------------------------- renders off the request threads

# A served app renders in separate processes (clinic/gunicorn.conf.py starts them in each worker): a
# request that needs a PDF waits for it on its own thread while the worker's other threads serve pages.
# Lower CPU priority than the web workers: a page never waits for a core behind a render (PERFORMANCE 6).
# Not lower still: nice 19 against 5 (load bench, 2 cores, side by side) changed neither the flat-out throughput
# (40-41 against 36-37 requests/s, within the machine's noise) nor the paced pages, and made flat-out renders wait
# longer (large print p95 4.3-6.4 against 3.8-6.0 s); on a machine busy with other work (a backup, a database)
# a nice-19 render could wait many seconds for a core while a therapist waits for the approval.
RENDER_NICENESS = 5
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def _warm_render_process() -> None:
    os.nice(RENDER_NICENESS)
    _warm_worker()


def _new_pool(processes: int) -> ProcessPoolExecutor:
    # A fork server, never fork: the web worker has threads, sockets and database connections a render
    # process must not inherit. It imports WeasyPrint once; each render process starts from it.
    mp = multiprocessing.get_context("forkserver")
    mp.set_forkserver_preload(["clinic.handouts.render", "weasyprint"])
    return ProcessPoolExecutor(max_workers=processes, mp_context=mp, initializer=_warm_render_process)


def start_render_pool(processes: int) -> None:
    """From now on this process renders handouts in ``processes`` separate processes (0: here, as before);
    started at once, so the first PDF does not pay for starting them."""
    global _pool, _pool_size
    stop_render_pool()
    if processes <= 0:
        return
    with _pool_lock:
        _pool, _pool_size = _new_pool(processes), processes
        for _ in range(processes):
            _pool.submit(_warm_worker)


def stop_render_pool() -> None:
    """Stop the render processes (a worker shutting down); renders happen in this process again."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def render_document(ctx: HandoutContext | TherapistSummaryContext) -> bytes:
    """The handout or summary as PDF bytes: in a render process when this process has them, else here."""
    global _pool
    pool = _pool
    if pool is None:
        return _render_any(ctx)
    try:
        return pool.submit(_render_any, ctx).result()
    except BrokenProcessPool:  # a render process died (killed, out of memory): start fresh ones, try once more
        with _pool_lock:
            if _pool is pool:
                _pool = _new_pool(_pool_size)
            pool = _pool
        return pool.submit(_render_any, ctx).result()


def _warm_worker() -> None:
    pdf.render_pdf("<p>.</p>")  # import WeasyPrint and build the font configuration once per worker


def _pool_context():
    """fork when this process has one thread: workers start at once with WeasyPrint already loaded.

    Forking a process with other threads running (a threaded server) can deadlock on a lock held by
    another thread, so then a fork server is used: it imports WeasyPrint once and forks the workers.
    """
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    mp = multiprocessing.get_context("forkserver")
    mp.set_forkserver_preload(["clinic.handouts.render", "weasyprint"])
    return mp


def render_many(contexts: Sequence[HandoutContext | TherapistSummaryContext],
                processes: int | None = None) -> list[bytes]:
    """Render many handouts (or summaries) in parallel processes; PDFs in the order given.

    WeasyPrint is single-threaded, so more cores need more processes (for example after a protocol
    update, when every affected approved plan gets a new handout).
    """
    contexts = list(contexts)
    processes = min(processes or os.cpu_count() or 1, len(contexts))
    if processes <= 1:
        return [_render_any(ctx) for ctx in contexts]
    chunksize = max(1, len(contexts) // (processes * 4))
    with ProcessPoolExecutor(max_workers=processes, mp_context=_pool_context(), initializer=_warm_worker) as pool:
        return list(pool.map(_render_any, contexts, chunksize=chunksize))
