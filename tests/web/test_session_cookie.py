"""SEC-26: nothing identifying in the session cookie; the idle timeout counts from the last request."""

from __future__ import annotations

import json

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import LoginSession, Patient
from tests.conftest import PASSWORD, csrf_from


def cookie_contents(app, client) -> str:
    """The session cookie, decoded and verified the way the app reads it, as JSON text."""
    raw = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if raw is None:
        return ""
    data = app.session_interface.get_signing_serializer(app).loads(raw.value)
    return raw.value + json.dumps(data, default=str)


def test_sec26_the_patient_search_is_kept_on_the_server_not_in_the_cookie(app, make_user, login, make_patient):
    _, email = make_user()
    make_patient(family_name="Okafor", given_names="Adaeze")
    make_patient(family_name="Lindqvist", given_names="Sven")
    browser = login(email)
    page = browser.post("/patients/search", data={"q": "okafor"}, follow_redirects=True).get_data(as_text=True)
    assert "OKAFOR" in page and "LINDQVIST" not in page  # the search still works
    assert "OKAFOR" in browser.get("/patients/").get_data(as_text=True)  # and is remembered
    assert "LINDQVIST" not in browser.get("/patients/").get_data(as_text=True)
    cookie = cookie_contents(app, browser.client)
    assert cookie and "okafor" not in cookie.lower()
    with app.app_context():
        assert db.session.scalars(select(LoginSession.search)).one() == {"q": "okafor", "archived": False}
    browser.post("/logout")
    with app.app_context():
        assert db.session.scalars(select(LoginSession)).all() == []  # the search went with the login


def test_sec26_no_name_or_record_number_sits_in_the_cookie_through_register_search_and_erase(app, make_user, login):
    _, email = make_user("admin")
    browser = login(email)
    seen = []
    response = browser.post("/patients/new", data={
        "record_number": "P-000777", "family_name": "Okafor", "given_names": "Adaeze", "birth_date": "1960-05-04",
        "dominant_hand": "right", "sex": "", "consent_treatment": "", "consent_data": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    seen.append(cookie_contents(app, browser.client))  # the flash waits in the cookie for the next page
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    browser.get(f"/patients/{pid}")
    browser.post("/patients/search", data={"q": "Adaeze Okafor"})
    seen.append(cookie_contents(app, browser.client))
    erased = browser.post(f"/patients/{pid}/erase", data={"confirm": "P-000777"})
    assert erased.status_code == 302
    seen.append(cookie_contents(app, browser.client))
    for cookie in seen:
        for word in ("okafor", "adaeze", "p-000777", "000777", "1960"):
            assert word not in cookie.lower(), word
    with app.app_context():
        assert db.session.scalars(select(Patient)).all() == []
        assert db.session.scalars(select(LoginSession.search)).one() is None  # erasing forgot the search too


def test_sec26_the_idle_timeout_counts_from_the_last_request_not_the_last_database_write(
        app, make_user, login, clock):
    _, email = make_user()
    idle = app.config["SESSION_IDLE_MINUTES"]
    browser = login(email)  # 09:00:00
    clock.advance(seconds=50)
    assert browser.get("/").status_code == 200  # 09:00:50: within a minute, nothing written to the database
    clock.advance(minutes=idle - 1, seconds=40)  # 30 min 30 s after login, 29 min 40 s after the last request
    assert browser.get("/").status_code == 200
    clock.advance(minutes=idle, seconds=1)
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sec26_logging_in_still_works_and_sets_only_the_token_in_the_cookie(app, make_user):
    _, email = make_user()
    client = app.test_client()
    token = csrf_from(client.get("/login").data)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    data = app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    assert set(data) <= {"sid", "seen", "csrf_token", "_flashes"}
    assert email not in json.dumps(data)
