"""The login wall, CSRF on every form, safe GETs, cookie flags and security headers."""

from __future__ import annotations

import pytest

from clinic.extensions import db
from tests.conftest import TEST_SECRET, csrf_from
from tests.helpers.sweep import PROTECTED, PUBLIC, all_rules, snapshot


def test_sec01_every_route_is_classified_public_or_protected(app):
    endpoints = {rule.endpoint for rule, _m, _u in all_rules(app)}
    unknown = endpoints - PUBLIC - PROTECTED
    assert not unknown, f"classify these endpoints in tests/helpers/sweep.py: {sorted(unknown)}"


def test_sec01_without_a_session_nothing_but_the_allow_list_answers_2xx(app):
    client = app.test_client()
    leaks = []
    for rule, method, url in all_rules(app):
        response = client.open(url, method=method)
        response.close()
        if rule.endpoint in PUBLIC:
            continue
        if 200 <= response.status_code < 300:
            leaks.append((method, url, response.status_code))
        if method == "GET":
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert leaks == []


def test_sec05_every_post_without_or_with_a_wrong_csrf_token_is_rejected(app, make_user, login):
    _, email = make_user("admin")
    browser = login(email)
    posts = [(rule, url) for rule, method, url in all_rules(app) if method == "POST"]
    assert len(posts) >= 5
    before = snapshot(app)
    for _rule, url in posts:
        for token in (None, "wrong-token", csrf_from(app.test_client().get("/login").data)):
            data = {"full_name": "Mallory", "email": "m@evil.example", "password": "x" * 20, "role": "admin"}
            if token is not None:
                data["csrf_token"] = token
            response = browser.client.post(url, data=data)
            assert response.status_code == 400, (url, token, response.status_code)
            assert b"This form has expired" in response.data
    assert snapshot(app) == before


def test_sec07_a_get_to_every_route_changes_no_table(app, make_user, login, make_patient):
    _, email = make_user("admin")
    assert make_patient(clinic="Clinic A") == 1  # the sample id in every URL: GETs exercise real pages
    browser = login(email)
    # Audit rows for views are expected (AUD-01); nothing else may change.
    exclude = frozenset({"audit_events", "audit_chain_head"})
    before = snapshot(app, exclude)
    for _rule, method, url in all_rules(app):
        if method == "GET":
            response = browser.get(url)
            response.close()
            # /health says 503 here on purpose: the test tables come from create_all, not from migrations (REL-17).
            assert response.status_code < 500 or (url == "/health" and response.status_code == 503)
    assert snapshot(app, exclude) == before


@pytest.fixture
def production_app(make_app):
    app = make_app(TESTING=False, SECRET_KEY=TEST_SECRET, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        db.create_all()
    return app


def test_sec10_production_cookie_is_httponly_secure_and_samesite(production_app, make_user):
    from clinic.auth import operations as ops

    with production_app.app_context():
        clinic = ops.get_or_create_clinic(db.session, "Clinic P", production_app.config["NOW"]())
        ops.create_user(db.session, clinic=clinic, email="p@example.org", full_name="P", role="therapist",
                        password="correct horse battery", now=production_app.config["NOW"]())
        db.session.commit()
    client = production_app.test_client()
    token = csrf_from(client.get("/login", base_url="https://localhost").data)
    response = client.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                           data={"email": "p@example.org", "password": "correct horse battery", "csrf_token": token})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_sec11_headers_forbid_framing_plugins_and_caching(production_app):
    response = production_app.test_client().get("/login", base_url="https://localhost")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_sec11_dashboard_is_not_cached(app, make_user, login):
    _, email = make_user()
    assert login(email).get("/").headers["Cache-Control"] == "no-store"


def test_app_refuses_to_start_with_a_missing_or_weak_secret(make_app):
    from clinic.config import ConfigError

    for secret in (None, "dev", "short-secret"):
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            make_app(TESTING=False, SECRET_KEY=secret)


def test_unknown_page_is_a_friendly_404_without_traceback(app, make_user, login):
    _, email = make_user()
    response = login(email).get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data and b"Traceback" not in response.data


def test_an_unexpected_error_is_a_friendly_500_without_traceback(make_app, login):
    from clinic.auth import operations as ops

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with app.app_context():
        db.create_all()
        clinic = ops.get_or_create_clinic(db.session, "Clinic B", app.config["NOW"]())
        ops.create_user(db.session, clinic=clinic, email="b@example.org", full_name="B", role="therapist",
                        password="correct horse battery", now=app.config["NOW"]())
        db.session.commit()
    client = app.test_client()
    assert client.get("/boom").status_code == 302  # behind the login wall like every route
    token = csrf_from(client.get("/login").data)
    client.post("/login", data={"email": "b@example.org", "password": "correct horse battery", "csrf_token": token})
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"secret internals" not in response.data and b"Traceback" not in response.data


# What reception may open (the role matrix): identity and contact, the patient list and search, the Today page,
# their own password, and the current handout to reprint (WF-09). Every other page is 403 to them.
RECEPTION_MAY = {
    "main.dashboard", "auth.logout", "auth.change_password", "patients.index", "patients.search", "patients.new",
    "patients.show", "patients.history", "patients.edit", "plans.current_handout",
}


def test_wf09_reception_is_refused_every_page_but_identity_contact_and_the_current_handout(
        app, make_user, login, make_patient):
    assert make_patient() == 1
    browser = login(make_user("reception")[1])
    reached = set()
    for rule, method, url in all_rules(app):
        if method != "GET" or rule.endpoint in PUBLIC:
            continue
        response = browser.get(url)
        response.close()
        if response.status_code != 403:
            reached.add(rule.endpoint)
    gets = {rule.endpoint for rule, method, _url in all_rules(app) if method == "GET"}
    assert reached == RECEPTION_MAY & gets


def test_sec03_every_route_that_takes_a_patient_id_loads_the_patient_through_the_one_guard(app):
    """clinic/patients/access.py is the one place that decides "this patient, in my clinic"; the SEC-03 sweeps
    check what it answers, this that no view reads a patient by id around it (itself, or through a helper of ours
    that calls it, like the plan pages' ``_own_plan``, in the view's module or imported into it)."""
    import inspect
    import sys

    def guards(view) -> bool:
        module = sys.modules[view.__module__]
        helpers = {name for name, fn in vars(module).items() if inspect.isfunction(fn)
                   and fn.__module__.startswith("clinic.") and "patient_in_my_clinic(" in inspect.getsource(fn)}
        source = inspect.getsource(inspect.unwrap(view))
        return any(f"{name}(" in source for name in helpers | {"patient_in_my_clinic"})

    views = {rule.endpoint: app.view_functions[rule.endpoint] for rule in app.url_map.iter_rules()
             if "patient_id" in rule.arguments}
    assert len(views) > 10
    assert sorted(endpoint for endpoint, view in views.items() if not guards(inspect.unwrap(view))) == []
