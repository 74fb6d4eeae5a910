"""SEC-23: throttling stops guessing without locking the real user out: per account and per client, a
remembered-device exemption (OWASP), an administrator's unlock, and no password hash for a throttled try."""

from __future__ import annotations

import json
import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from clinic.auth import passwords
from clinic.extensions import db
from clinic.models import AuditEvent, LoginFailure
from tests.conftest import PASSWORD, csrf_from

ATTACKER_IP = "203.0.113.9"
OFFICE_IP = "198.51.100.20"


def browser_at(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def try_login(client, email: str, password: str):
    token = csrf_from(client.get("/login").data)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def remembered_browser(app, email: str, ip: str = OFFICE_IP):
    """A browser the user has logged in (and out) from: it holds the remembered-device cookie."""
    client = browser_at(app, ip)
    assert try_login(client, email, PASSWORD).status_code == 302
    assert client.get_cookie("clinic_device") is not None
    token = csrf_from(client.get("/").data)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    return client


@pytest.fixture
def count_hashes(monkeypatch):
    """How many argon2 verifications the app runs."""
    calls = {"n": 0}
    real = passwords._hasher

    class Counting:
        def verify(self, *args, **kwargs):
            calls["n"] += 1
            return real.verify(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    return calls


def test_sec23_the_attacker_is_throttled_and_the_victim_on_a_remembered_browser_still_logs_in(app, make_user):
    _, victim = make_user()
    desk = remembered_browser(app, victim)
    attacker = browser_at(app, ATTACKER_IP)
    codes = [try_login(attacker, victim, f"guess {i}").status_code for i in range(15)]
    assert codes == [401] * 10 + [429] * 5
    assert try_login(attacker, victim, PASSWORD).status_code == 429  # the right password does not help
    assert try_login(desk, victim, PASSWORD).status_code == 302  # the victim's own browser is exempt
    new_laptop = browser_at(app, OFFICE_IP)
    assert try_login(new_laptop, victim, PASSWORD).status_code == 429  # a browser never used before is not


def test_sec23_no_password_hash_is_computed_for_a_throttled_attempt(app, make_user, count_hashes):
    _, email = make_user()
    attacker = browser_at(app, ATTACKER_IP)
    for i in range(10):
        try_login(attacker, email, f"guess {i}")
    assert count_hashes["n"] == 10
    for password in ("guess again", PASSWORD, "x" * 1000):
        assert try_login(attacker, email, password).status_code == 429
    assert count_hashes["n"] == 10  # three more attempts, no more hashes


def _answer(response, email: str) -> str:
    page = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)


def test_sec23_a_throttled_answer_is_the_same_for_a_real_or_unknown_account_and_a_right_or_wrong_password(
        app, make_user):
    _, real = make_user()
    unknown = "nobody@example.org"
    attacker = browser_at(app, ATTACKER_IP)
    for email in (real, unknown):
        for i in range(10):
            assert try_login(attacker, email, f"guess {i}").status_code == 401
    answers = {
        (email, password): try_login(attacker, email, password) for email in (real, unknown)
        for password in (PASSWORD, "wrong one")
    }
    assert {r.status_code for r in answers.values()} == {429}
    texts = {_answer(r, email) for (email, _p), r in answers.items()}
    assert len(texts) == 1
    assert "Too many failed attempts" in texts.pop()


def test_sec23_one_client_guessing_across_many_accounts_is_throttled_but_others_are_not(app, make_user):
    _, colleague = make_user()
    desk = remembered_browser(app, colleague, ip=ATTACKER_IP)  # a colleague behind the same address
    attacker = browser_at(app, ATTACKER_IP)
    limit = app.config["LOGIN_MAX_CLIENT_FAILURES"]
    for i in range(limit):
        assert try_login(attacker, f"user{i}@example.org", "Winter2026!").status_code == 401
    assert try_login(attacker, "another@example.org", "Winter2026!").status_code == 429
    assert try_login(browser_at(app, ATTACKER_IP), colleague, PASSWORD).status_code == 429
    assert try_login(browser_at(app, OFFICE_IP), colleague, PASSWORD).status_code == 302  # other address
    assert try_login(desk, colleague, PASSWORD).status_code == 302  # remembered browser, same address


def test_sec23_a_remembered_browser_has_its_own_limit(app, make_user):
    _, email = make_user()
    stolen_laptop = remembered_browser(app, email)
    codes = [try_login(stolen_laptop, email, f"guess {i}").status_code for i in range(12)]
    assert codes == [401] * 10 + [429] * 2
    # The lock is the device's: a browser elsewhere (below the account limit) is not affected.
    assert try_login(browser_at(app, "192.0.2.7"), email, PASSWORD).status_code == 302


def test_sec23_the_device_cookie_names_nobody_and_a_forged_or_foreign_one_exempts_nothing(app, make_user):
    _, victim = make_user()
    _, other = make_user()
    other_desk = remembered_browser(app, other)
    value = other_desk.get_cookie("clinic_device").value
    # payload.timestamp.signature; the payload starts with "." when itsdangerous found it shorter compressed.
    entries = URLSafeTimedSerializer("any key: only the payload is read").load_payload(value.rsplit(".", 2)[0].encode())
    assert len(entries) == 1 and len(entries[0]) == 2  # [nonce, tag]: no id, email or name
    assert other not in value and victim not in json.dumps(entries)
    attacker = browser_at(app, ATTACKER_IP)
    for i in range(10):
        try_login(attacker, victim, f"guess {i}")
    # Another account's remembered cookie does not exempt the victim's account...
    assert try_login(other_desk, victim, PASSWORD).status_code == 429
    # ...and neither does a tampered one.
    forged = browser_at(app, OFFICE_IP)
    forged.set_cookie("clinic_device", value[:-4] + "AAAA")
    assert try_login(forged, victim, PASSWORD).status_code == 429


def test_sec23_an_administrator_unlocks_the_account_from_the_accounts_page_audited_and_csrf_checked(
        app, make_user, login):
    victim_id, victim = make_user(email="victim@example.org")
    _, admin_email = make_user("admin")
    attacker = browser_at(app, ATTACKER_IP)
    for i in range(10):
        try_login(attacker, victim, f"guess {i}")
    admin = login(admin_email)
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Login locked" in page and f"/admin/users/{victim_id}/unlock" in page
    assert admin.client.post(f"/admin/users/{victim_id}/unlock").status_code == 400  # no CSRF token
    assert try_login(browser_at(app, OFFICE_IP), victim, PASSWORD).status_code == 429
    response = admin.post(f"/admin/users/{victim_id}/unlock")
    assert response.status_code == 302
    assert "Login unlocked" in admin.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account_unlock")).one()
        assert f"account {victim_id}" in row.detail and "10 failed logins cleared" in row.detail
        assert db.session.scalars(select(LoginFailure)).all() == []
    assert try_login(browser_at(app, OFFICE_IP), victim, PASSWORD).status_code == 302


def test_sec23_only_an_administrator_of_the_same_clinic_may_unlock(app, make_user, login):
    victim_id, _ = make_user()
    _, therapist = make_user("therapist")
    _, foreign_admin = make_user("admin", clinic="Clinic B")
    assert login(therapist).post(f"/admin/users/{victim_id}/unlock").status_code == 403
    assert login(foreign_admin).post(f"/admin/users/{victim_id}/unlock").status_code == 404


def test_sec23_failures_too_old_to_count_are_forgotten(app, make_user, clock):
    _, email = make_user()
    attacker = browser_at(app, ATTACKER_IP)
    for i in range(3):
        try_login(attacker, email, f"guess {i}")
    clock.advance(days=2)
    try_login(attacker, email, "one more")
    with app.app_context():
        assert len(db.session.scalars(select(LoginFailure)).all()) == 1


def test_sec23_rotating_secret_key_forgets_remembered_browsers_as_the_readme_says(app, make_app, make_user):
    """README "Keys": after a new SECRET_KEY the remembered-device cookie exempts nothing until its owner
    logs in again, so a throttled account waits out its window for its owner too (or an administrator unlocks)."""
    _, victim = make_user()
    desk_cookie = remembered_browser(app, victim).get_cookie("clinic_device").value
    rotated = make_app(SECRET_KEY="rotated-secret-key-" + "y" * 40)
    attacker = browser_at(rotated, ATTACKER_IP)
    assert [try_login(attacker, victim, f"guess {i}").status_code for i in range(11)][-1] == 429
    desk = browser_at(rotated, OFFICE_IP)
    desk.set_cookie("clinic_device", desk_cookie)
    assert try_login(desk, victim, PASSWORD).status_code == 429  # the old cookie no longer vouches for the browser


@pytest.mark.sqlite_only
@pytest.mark.parametrize("right", [True, False])
def test_rel02_a_login_holds_no_sqlite_write_lock_while_its_password_hash_is_checked(
        app, make_user, monkeypatch, right):
    """Twenty therapists logging in at once each held SQLite's write lock through their password hash, so the
    last waited past the busy timeout and got an error page (the 20-therapist load bench, "database is locked").
    The hash is now checked in a read transaction; the failure or the login session is written after it."""
    from clinic.auth import operations as auth_ops
    from tests.helpers.sqlite_lock import trying_the_lock_first

    _, email = make_user("therapist")
    others_could_write: list[bool] = []
    monkeypatch.setattr(auth_ops, "matches", trying_the_lock_first(auth_ops.matches, app.config["DATABASE_URL"],
                                                                   others_could_write))
    client = app.test_client()
    token = csrf_from(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": PASSWORD if right else "not-the-password",
                                           "csrf_token": token})
    assert response.status_code == (302 if right else 401)
    assert others_could_write == [True]
    with app.app_context():  # and what the login writes is written: the failure counted, or the session begun
        assert len(db.session.scalars(select(LoginFailure)).all()) == (0 if right else 1)
        assert db.session.scalars(select(AuditEvent.action)).all()[-1] == ("login" if right else "login_failed")
