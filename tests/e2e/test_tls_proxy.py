"""SEC-27 and REL-17 as deployed: Debian's haproxy terminates TLS (a throwaway self-signed certificate) in
front of two gunicorn instances started with clinic/gunicorn.conf.py, the README's setup. A real Chromium
logs in and sends forms through it; CSRF is still enforced; each instance writes an access log without
query strings and no ERROR (the shared control socket of gunicorn >= 25.1)."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import stamp

from tests.conftest import PASSWORD, TEST_SECRET, require_tool
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

HAPROXY_CFG = """
global
    maxconn 200

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend https_in
    bind 127.0.0.1:{port} ssl crt {pem}
    # The README's forwarded-header setting: the scheme, and the browser's address.
    http-request set-header X-Forwarded-Proto https
    option forwardfor
    default_backend clinic

backend clinic
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    server one 127.0.0.1:{one} check inter 100ms
    server two 127.0.0.1:{two} check inter 100ms
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, context: ssl.SSLContext | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context):  # noqa: S310 - loopback only
                return
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def behind_haproxy(app, db_url, tmp_path):
    """(https base URL, [log files of the two instances]) with haproxy in front of two gunicorn instances."""
    haproxy, openssl = require_tool("haproxy"), require_tool("openssl")
    with app.app_context():
        stamp()  # tables from create_all: recorded as migrated, so /health answers 200 (REL-17)
    key, cert, pem = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "proxy.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"instance{i}.log" for i in (1, 2)]
    procs = []
    for port, log in zip(ports, logs, strict=True):
        env = {**os.environ, "CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": TEST_SECRET,
               "CLINIC_INSTANCE_PATH": str(tmp_path), "CLINIC_BIND": f"127.0.0.1:{port}", "CLINIC_WORKERS": "1",
               "CLINIC_TRUSTED_PROXIES": "127.0.0.1"}
        with open(log, "wb") as out:
            procs.append(subprocess.Popen([gunicorn, "-c", str(ROOT / "clinic" / "gunicorn.conf.py")], env=env,
                                          stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path))
    proxy_port = _free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CFG.format(port=proxy_port, pem=pem, one=ports[0], two=ports[1]))
    with open(tmp_path / "haproxy.log", "wb") as out:
        procs.append(subprocess.Popen([haproxy, "-f", str(config), "-db"], stdout=out, stderr=subprocess.STDOUT))
    base = f"https://127.0.0.1:{proxy_port}"
    try:
        for port in ports:
            _wait(f"http://127.0.0.1:{port}/health")
        _wait(base + "/health", ssl.create_default_context(cafile=str(cert)))
        time.sleep(0.5)  # both servers pass haproxy's health check (every 100 ms, twice) before the browser comes
        yield base, logs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


def test_sec27_log_in_and_send_forms_through_a_tls_proxy_in_front_of_two_instances(
        behind_haproxy, chromium, make_user, make_patient):
    base, logs = behind_haproxy
    _, email = make_user("therapist")
    make_patient(family_name="Okafor", given_names="Ada")
    context = chromium.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/login?next=/patients/")
        log_in(page, base, email, PASSWORD, go_to_login=False)
        assert "This form has expired" not in page.content()
        assert page.url == base + "/patients/"
        cookie = next(c for c in context.cookies() if c["name"] == "clinic_session")
        assert cookie["secure"] and cookie["httpOnly"]  # the app knows it is served over HTTPS
        for _ in range(3):  # several form posts, so both instances take some (haproxy alternates)
            page.fill("input[name=q]", "Okafor")
            with page.expect_navigation():
                page.press("input[name=q]", "Enter")
            assert "Okafor" in page.content() and "This form has expired" not in page.content()
        page.goto(base + "/")
        with page.expect_navigation():
            page.click("form[action='/logout'] button")
        assert "/login" in page.url
    finally:
        context.close()
    text = [log.read_text(errors="replace") for log in logs]
    for one in text:
        assert "ERROR" not in one, one[-2000:]  # no shared control socket, nothing else
        assert '"POST /' in one, "each instance served form posts"
    # The access log names no query string: a search could put a patient's name there.
    assert any('"GET /login HTTP' in one for one in text) and not any("next=" in one for one in text)


def test_sec27_csrf_is_still_enforced_through_the_proxy(behind_haproxy, make_user):
    base, _logs = behind_haproxy
    _, email = make_user("therapist")
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # our throwaway certificate
    body = f"email={email}&password={PASSWORD}".encode()  # no csrf_token
    request = urllib.request.Request(base + "/login", data=body, headers={"Referer": base + "/login"})  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=context, timeout=10)  # noqa: S310 - loopback only
    refused.value.close()
    assert refused.value.code == 400
