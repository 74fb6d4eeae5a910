"""Pages never wait behind a PDF (PERFORMANCE 6): under the deployment's gunicorn settings
(clinic/gunicorn.conf.py), a request that renders a handout waits on its own thread for a render process,
and the same worker's other threads serve pages meanwhile."""

from __future__ import annotations

import http.cookiejar
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import create_engine, select

from clinic.config import utc_now
from clinic.models import PlanRevision
from tests.conftest import TEST_SECRET, csrf_from
from tests.helpers.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.db


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path: str, data: dict | None = None) -> tuple[int, bytes, float]:
        """(status, body, when it finished on the monotonic clock)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as r:
                return r.status, r.read(), time.monotonic()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), time.monotonic()


@pytest.fixture
def served(app, make_app, db_url, tmp_path):
    """The demo clinic served by gunicorn with the deployment's settings, one worker with one render process
    (``app``: the database with every table)."""
    loader = make_app(NOW=utc_now)  # the demo as `clinic demo` loads it today, so its plans are in date for the server
    with loader.app_context():
        stamp()  # tables from create_all: recorded as migrated, so /health answers 200 (REL-17)
    result = loader.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    env = {**os.environ, "CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": TEST_SECRET,
           "CLINIC_INSTANCE_PATH": str(tmp_path), "CLINIC_SESSION_COOKIE_SECURE": "false",
           "CLINIC_WORKERS": "1", "CLINIC_THREADS": "4", "CLINIC_RENDER_PROCESSES": "1"}
    port = free_port()
    with open(tmp_path / "gunicorn.log", "wb") as log:
        server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                   str(ROOT / "clinic" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"],
                                  env=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                with urllib.request.urlopen(base + "/health", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_pages_are_served_while_a_worker_renders_handouts(served, db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        revision = conn.execute(select(PlanRevision.patient_id, PlanRevision.plan_id, PlanRevision.number)
                                .order_by(PlanRevision.id).limit(1)).one()
    engine.dispose()
    therapist = Browser(served)
    csrf = csrf_from(therapist.open("/login")[1])
    therapist.open("/login", {"email": "therapist@demo.clinic", "password": "demo-therapist-pass",
                              "csrf_token": csrf})
    base = f"/patients/{revision.patient_id}/plans/{revision.plan_id}/revisions/{revision.number}"
    # Three first prints, none stored yet: each renders, one after another in the worker's one render process.
    renders: list[tuple[int, bytes, float]] = []
    threads = [threading.Thread(target=lambda url=url: renders.append(therapist.open(url)))
               for url in (f"{base}/handout.pdf?large=1", f"{base}/handout.pdf?next=0", f"{base}/summary.pdf")]
    for t in threads:
        t.start()
    time.sleep(0.2)
    pages = [therapist.open(f"/patients/{revision.patient_id}") for _ in range(3)]
    for t in threads:
        t.join()
    assert [status for status, *_ in renders] == [200, 200, 200]
    assert all(body.startswith(b"%PDF") for _s, body, _t in renders)
    assert [status for status, *_ in pages] == [200, 200, 200]
    # The patient page never queued behind the renders: the same worker answered it while they ran.
    assert max(done for *_x, done in pages) < max(done for *_x, done in renders)
