"""Logging in and out, login sessions, timeouts, throttling and redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import AuditEvent, FormDraft, LoginSession, User
from tests.conftest import CHEAP_PASSWORD_HASH, PASSWORD, TEST_SECRET, csrf_from


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_page_is_public_and_dashboard_is_not(client):
    assert client.get("/login").status_code == 200
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


def test_demo_style_login_reaches_the_dashboard(app, make_user, login):
    _, email = make_user("therapist")
    browser = login(email)
    page = browser.get("/")
    assert page.status_code == 200
    assert b"Your recent activity" in page.data
    assert b"Logged in" in page.data


def test_wrong_password_says_so_next_to_the_field_and_keeps_the_email(app, make_user, client):
    _, email = make_user()
    token = csrf_from(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    assert b"The email or password is not right." in response.data
    assert email.encode() in response.data


def test_sec08_cookie_replayed_after_logout_opens_nothing(app, make_user, login):
    _, email = make_user()
    browser = login(email)
    stolen = browser.client.get_cookie("clinic_session").value
    assert browser.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("clinic_session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert b"recent activity" not in response.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_password_change_ends_every_login_session(app, make_user, login):
    _, email = make_user()
    first, second = login(email), login(email)
    new = "a brand new passphrase"
    response = first.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new, "confirm_password": new,
    })
    assert response.status_code == 302
    assert second.get("/").status_code == 302
    assert login(email, "a brand new passphrase").get("/").status_code == 200


def test_password_change_with_wrong_current_password_is_refused_next_to_the_field(app, make_user, login):
    _, email = make_user()
    browser = login(email)
    new = "a brand new passphrase"
    response = browser.post("/account/password", data={
        "current_password": "wrong one", "new_password": new, "confirm_password": new,
    })
    assert response.status_code == 400
    assert b"Your current password is not right." in response.data


def test_sec12_idle_timeout_returns_to_login_with_an_audit_row(app, make_user, login, clock):
    _, email = make_user()
    browser = login(email)
    clock.advance(minutes=29)
    assert browser.get("/").status_code == 200
    clock.advance(minutes=31)
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "expired=1" in response.headers["Location"]
    assert audit_actions(app).count("session_timeout") == 1


def test_sec12_reading_pages_that_write_nothing_keeps_the_login_alive(app, make_user, login, clock):
    _, email = make_user()
    browser = login(email)
    for _ in range(4 * 3):  # four hours of reading: the dashboard and protocols every 20 minutes
        clock.advance(minutes=20)
        assert browser.get("/protocols/").status_code == 200
        assert browser.get("/").status_code == 200
    assert audit_actions(app).count("session_timeout") == 0


def test_sec12_absolute_lifetime_ends_an_active_session(app, make_user, login, clock):
    _, email = make_user()
    browser = login(email)
    for hour in range(12 * 3):  # busy all day: a request every 20 minutes, up to the 12th hour
        clock.advance(minutes=20)
        assert browser.get("/").status_code == 200, f"the login ended after {(hour + 1) * 20} minutes"
    clock.advance(minutes=1)
    assert browser.get("/").status_code == 302
    assert audit_actions(app).count("session_timeout") == 1


def test_sec12_half_typed_form_survives_the_timeout_and_relogin(app, make_user, login, clock):
    admin_id, email = make_user("admin")
    browser = login(email)
    token = csrf_from(browser.get("/admin/users/new").data)
    clock.advance(minutes=45)
    typed = {"full_name": "Dana Half-Typed", "email": "dana@example.org", "role": "reception", "csrf_token": token}
    response = browser.client.post("/admin/users/new", data=typed)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 1
    again = login(email, client=browser.client)
    page = again.get("/admin/users/new")
    assert b'value="Dana Half-Typed"' in page.data
    assert b'value="dana@example.org"' in page.data
    assert b'<option selected value="reception">' in page.data
    assert b"Add account" in page.data
    assert b"We kept what you typed" in page.data
    fresh = {k: v for k, v in typed.items() if k != "csrf_token"}
    done = again.post("/admin/users/new", data={**fresh, "password": "a fine first password", "active": "y"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 0
        assert db.session.scalar(select(User.full_name).where(User.email == "dana@example.org")) == "Dana Half-Typed"


def test_sec16_throttles_after_ten_failures_and_lets_the_real_user_in_later(app, make_user, client, clock):
    _, email = make_user()
    token = csrf_from(client.get("/login").data)
    codes = [
        client.post("/login", data={"email": email, "password": f"guess {i}", "csrf_token": token}).status_code
        for i in range(100)
    ]
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}
    blocked = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    assert b"Too many failed attempts" in blocked.data
    clock.advance(minutes=16)
    allowed = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert allowed.status_code == 302


def test_sec16_throttle_is_shared_by_all_workers(make_app, app, make_user, clock):
    """Two app instances (two workers) on one database count the same failures."""
    _, email = make_user()
    other_worker = make_app()
    for i in range(10):
        worker = app if i % 2 else other_worker
        c = worker.test_client()
        token = csrf_from(c.get("/login").data)
        assert c.post("/login", data={"email": email, "password": "bad", "csrf_token": token}).status_code == 401
    c = other_worker.test_client()
    token = csrf_from(c.get("/login").data)
    assert c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 429


def test_throttle_for_one_account_leaves_other_accounts_alone(app, make_user, client):
    _, victim = make_user()
    _, colleague = make_user()
    token = csrf_from(client.get("/login").data)
    for _ in range(12):
        client.post("/login", data={"email": victim, "password": "bad", "csrf_token": token})
    ok = client.post("/login", data={"email": colleague, "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example/x", "http:evil.example",
    "javascript:alert(1)", "https:/evil.example",
])
def test_sec18_next_never_leaves_our_host(app, make_user, client, target):
    _, email = make_user()
    token = csrf_from(client.get("/login").data)
    response = client.post(f"/login?next={target}", data={"email": email, "password": PASSWORD, "csrf_token": token,
                                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_inside_the_site_is_followed(app, make_user, client):
    _, email = make_user("admin")
    token = csrf_from(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token,
                                           "next": "/admin/users"})
    assert response.headers["Location"] == "/admin/users"


def test_disabled_account_cannot_log_in(app, make_user, client):
    user_id, email = make_user()
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    token = csrf_from(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401


def test_password_hash_is_argon2id_and_rehashed_when_parameters_change(app, make_user, login):
    # Changed on purpose: the tests hash at the cheapest cost (tests/conftest.py), so a hash made at another
    # cost is re-made at the app's configured one; production's cost is checked in the next test.
    from argon2 import PasswordHasher

    user_id, email = make_user()
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.password_hash.startswith("$argon2id$")
        user.password_hash = PasswordHasher(time_cost=2, memory_cost=8192).hash(PASSWORD)
        db.session.commit()
    login(email)
    with app.app_context():
        assert "$m=8,t=1,p=1$" in db.session.get(User, user_id).password_hash


def test_production_hashes_passwords_with_argon2id_at_3_passes_64_mib_and_4_lanes(tmp_path):
    """An app built as production builds it (no cost in its settings) hashes at argon2-cffi's default cost, which
    meets ASVS 5.0 (RELIABILITY.md pitfall 4), and a stored hash made at the tests' cheap cost is re-made."""
    from clinic.app import create_app
    from clinic.auth import passwords

    url = f"sqlite:///{tmp_path / 'p.db'}"
    create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url})
    made = passwords.hash_password(PASSWORD)
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.matches(made, PASSWORD) and not passwords.matches(made, PASSWORD + "!")
    create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url, **CHEAP_PASSWORD_HASH})
    assert passwords.hash_password(PASSWORD).startswith("$argon2id$v=19$m=8,t=1,p=1$") and passwords.needs_rehash(made)


@pytest.mark.parametrize("cheap", [{"PASSWORD_HASH_MEMORY_KIB": 8}, {"PASSWORD_HASH_TIME_COST": 1}])
def test_a_deployment_cannot_configure_a_password_hash_below_owasp_floor(tmp_path, cheap):
    from clinic.app import ConfigError, create_app

    with pytest.raises(ConfigError, match="cheap to guess"):
        create_app({"SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", **cheap})
