"""Two app processes (gunicorn) on different ports share one database: any instance serves any request."""

from __future__ import annotations

import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import stamp

from tests.conftest import PASSWORD, TEST_SECRET, csrf_from
from tests.helpers.ports import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_instances(app, db_url, tmp_path):
    with app.app_context():
        stamp()  # the tables came from create_all: record them as migrated, or /health answers 503 (REL-17)
    env = {
        **os.environ,
        "CLINIC_DATABASE_URL": db_url,
        "CLINIC_SECRET_KEY": TEST_SECRET,
        "CLINIC_INSTANCE_PATH": str(tmp_path),
        "CLINIC_SESSION_COOKIE_SECURE": "false",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    ports = [free_port(), free_port()]
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed in finally
    procs = [
        subprocess.Popen([gunicorn, "--workers", "1", "--bind", f"127.0.0.1:{port}", "clinic.app:create_app()"],
                         env=env, stdout=subprocess.DEVNULL, stderr=log)
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):  # noqa: S310
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=20)
        log.close()


class Client:
    """A tiny HTTP client with one cookie jar, like one browser talking to both instances."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str) -> tuple[str, bytes]:
        """(final URL after redirects, body)."""
        with self.opener.open(url, timeout=10) as response:
            return response.url, response.read()

    def post(self, url: str, data: dict) -> tuple[str, bytes]:
        """(final URL after redirects, body)."""
        with self.opener.open(url, data=urllib.parse.urlencode(data).encode(), timeout=10) as response:
            return response.url, response.read()


def test_log_in_on_one_continue_on_the_other_log_out_on_both(two_instances, make_user):
    a, b = two_instances
    _, email = make_user("therapist")
    browser = Client()
    token = csrf_from(browser.get(a + "/login")[1])
    url, body = browser.post(a + "/login", {"email": email, "password": PASSWORD, "csrf_token": token})
    assert url == a + "/" and b"Good to see you" in body
    url, body = browser.get(b + "/")
    assert url == b + "/" and b"Good to see you" in body
    browser.post(b + "/logout", {"csrf_token": csrf_from(body)})
    for base in (a, b):
        url, _ = browser.get(base + "/")
        assert "/login" in url
