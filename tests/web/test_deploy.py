"""Deployment behaviour seen through the Flask client: /health for load balancers (REL-17) and forwarded
headers from a TLS-terminating proxy (SEC-27). The real proxy in front of two gunicorn instances is in
tests/e2e/test_tls_proxy.py."""

from __future__ import annotations

import pytest
from flask import request
from flask_migrate import stamp, upgrade

from clinic import schema
from clinic.config import ConfigError
from clinic.extensions import db
from tests.conftest import PASSWORD, TEST_SECRET, csrf_from

pytestmark = pytest.mark.db

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
def migrated_app(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
    return app


def test_rel17_health_is_200_when_the_database_is_at_the_code_s_migration_head(migrated_app):
    response = migrated_app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_rel17_health_is_503_naming_pending_migrations(migrated_app):
    with migrated_app.app_context():
        first = schema.script_heads()
        stamp(revision="f0a37e492ee3")  # the database says it is at the first migration: the rest are pending
    response = migrated_app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable",
                                   "problem": "migrations are pending: run `clinic db upgrade`"}
    assert first  # the scripts have a head


def test_rel17_health_is_503_on_a_database_never_migrated(app):
    response = app.test_client().get("/health")  # tables made by create_all, no migration recorded
    assert response.status_code == 503
    assert "clinic db upgrade" in response.get_json()["problem"]


def test_rel17_health_is_503_when_the_database_does_not_answer(make_app, db_url, tmp_path):
    if db_url.startswith("postgresql"):
        down = db_url.rsplit("@", 1)[0] + "@127.0.0.1:9/clinic_test"  # the discard port: nothing listens
    else:
        down = f"sqlite:///{tmp_path / 'no-such-folder' / 'clinic.sqlite3'}"  # SQLite cannot open it
    app = make_app(DATABASE_URL=down)
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "problem": "the database does not answer"}


# ------------------------------------------------------------------------------------------ SEC-27


def _proxied_app(make_app, **overrides):
    app = make_app(TESTING=False, SECRET_KEY=TEST_SECRET, SESSION_COOKIE_SECURE=True, TRUSTED_PROXIES="127.0.0.1, ::1",
                   **overrides)
    with app.app_context():
        db.create_all()
    return app


def test_sec27_login_through_a_trusted_tls_proxy_works_with_our_own_referer(make_app, make_user):
    app = _proxied_app(make_app)
    _, email = make_user("therapist")
    client = app.test_client()
    page = client.get("/login", headers=HTTPS, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    # Our pages tell the browser to send a Referer to us (and to nobody else): Flask-WTF needs it over HTTPS.
    assert page.headers["Referrer-Policy"] == "same-origin"
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.data)},
        headers={**HTTPS, "Referer": "https://localhost/login"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    # The next form post (logout) goes through the proxy as well.
    home = client.get("/", headers=HTTPS, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert home.status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_from(home.data)},
                      headers={**HTTPS, "Referer": "https://localhost/"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert out.status_code == 302


@pytest.mark.parametrize("referer", [None, "https://evil.example/login", "http://localhost/login"])
def test_sec27_csrf_stays_strict_behind_the_proxy(make_app, make_user, referer):
    app = _proxied_app(make_app)
    _, email = make_user("therapist")
    client = app.test_client()
    page = client.get("/login", headers=HTTPS, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    headers = {**HTTPS, **({"Referer": referer} if referer else {})}
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.data)},
                           headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 400
    assert "sid" not in (response.headers.get("Set-Cookie") or "")


def _probe(app) -> dict:
    """What the app believes about each request: its scheme and the client's address."""
    seen: dict = {}

    @app.after_request
    def _record(response):
        seen.update(scheme=request.scheme, addr=request.remote_addr)
        return response

    return seen


def test_sec27_forwarded_headers_from_an_untrusted_peer_are_ignored(make_app):
    app = _proxied_app(make_app)
    seen = _probe(app)
    client = app.test_client()
    client.get("/login", headers=HTTPS, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert seen == {"scheme": "http", "addr": "198.51.100.9"}
    client.get("/login", headers=HTTPS, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == {"scheme": "https", "addr": "203.0.113.7"}


def test_sec27_nobody_is_trusted_by_default(make_app):
    app = make_app()
    seen = _probe(app)
    app.test_client().get("/login", headers=HTTPS, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == {"scheme": "http", "addr": "127.0.0.1"}


@pytest.mark.parametrize(("setting", "value"), [("TRUSTED_PROXIES", "localhost"), ("FORWARDED_HOPS", 0)])
def test_sec27_a_bad_proxy_setting_stops_the_app_with_a_message(make_app, setting, value):
    with pytest.raises(ConfigError, match=setting):
        make_app(**{setting: value})
