"""Administrators manage their own clinic's accounts; nobody else can."""

from __future__ import annotations

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import LoginSession, User


def test_admin_adds_an_account_that_can_log_in(app, make_user, login):
    _, admin = make_user("admin")
    browser = login(admin)
    response = browser.post("/admin/users/new", data={
        "full_name": "Robin Lee", "email": "Robin@Example.org", "role": "therapist",
        "password": "a long first password", "active": "y"})
    assert response.status_code == 302
    listing = browser.get("/admin/users")
    assert b"Robin Lee" in listing.data and b"robin@example.org" in listing.data
    assert login("robin@example.org", "a long first password").get("/").status_code == 200


def test_bad_account_form_shows_messages_next_to_fields_and_keeps_input(app, make_user, login):
    _, admin = make_user("admin")
    browser = login(admin)
    response = browser.post("/admin/users/new", data={
        "full_name": "", "email": "not-an-email", "role": "therapist", "password": "short"})
    assert response.status_code == 400
    assert b"Enter the person&#39;s name." in response.data
    assert b"Enter a valid email address." in response.data
    assert b"Use 12 to 1000 characters." in response.data
    assert b'value="not-an-email"' in response.data


def test_duplicate_email_is_refused_next_to_the_email_field(app, make_user, login):
    _, admin = make_user("admin")
    _, taken = make_user("therapist")
    response = login(admin).post("/admin/users/new", data={
        "full_name": "Twin", "email": taken, "role": "therapist", "password": "a long first password"})
    assert response.status_code == 400
    assert b"An account with this email already exists." in response.data


def test_disabling_an_account_logs_that_person_out_at_once(app, make_user, login):
    _, admin = make_user("admin")
    user_id, email = make_user("therapist")
    victim = login(email)
    response = login(admin).post(f"/admin/users/{user_id}", data={"full_name": "Therapist", "role": "therapist"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).active is False
        assert db.session.scalars(select(LoginSession).where(LoginSession.user_id == user_id)).first() is None


def test_admin_cannot_disable_themselves(app, make_user, login):
    admin_id, admin = make_user("admin")
    response = login(admin).post(f"/admin/users/{admin_id}", data={"full_name": "Me", "role": "admin"})
    assert response.status_code == 400
    assert b"You cannot disable your own account" in response.data


def test_therapist_and_reception_cannot_open_account_admin(app, make_user, login):
    for role in ("therapist", "reception"):
        _, email = make_user(role)
        browser = login(email)
        assert browser.get("/admin/users").status_code == 403
        assert browser.post("/admin/users/new", data={"full_name": "X", "email": "x@example.org",
                                                      "role": "admin", "password": "a long first password"}
                            ).status_code == 403


def test_sec03_admin_of_clinic_a_cannot_see_or_edit_clinic_b_accounts(app, make_user, login):
    _, admin_a = make_user("admin", clinic="Clinic A")
    b_id, b_email = make_user("therapist", clinic="Clinic B")
    browser = login(admin_a)
    listing = browser.get("/admin/users")
    assert b_email.encode() not in listing.data
    for response in (browser.get(f"/admin/users/{b_id}"),
                     browser.post(f"/admin/users/{b_id}", data={"full_name": "Hijacked", "role": "admin"})):
        assert response.status_code == 404
        assert b_email.encode() not in response.data and b"Clinic B" not in response.data
    with app.app_context():
        assert db.session.get(User, b_id).full_name != "Hijacked"
