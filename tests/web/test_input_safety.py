"""Input that is out of range or malformed never reaches the database as a 500 (SEC-24)."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from tests.conftest import PASSWORD, csrf_from
from tests.helpers.forms import every_form_class
from tests.helpers.sweep import all_rules

OUT_OF_RANGE_IDS = [str(2**31), str(2**63), str(2**64 + 1), "9" * 40, "-1", "-9223372036854775809", "1" * 5000]


def _urls_with(app, bad: str) -> list[tuple[str, str]]:
    """(method, url) for every id-bearing rule, with every int argument replaced by ``bad``."""
    out = []
    for rule, method, _url in all_rules(app):
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if not ints:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", bad if name in ints else "1")
        out.append((method, url))
    return out


@pytest.mark.parametrize("bad", OUT_OF_RANGE_IDS, ids=["2^31", "2^63", "2^64+1", "40 digits", "-1", "-2^63-1",
                                                   "5000 digits"])
def test_sec24_ids_out_of_range_in_every_id_bearing_url_are_404(app, make_user, login, make_patient, bad):
    _, email = make_user("admin")
    make_patient()
    browser = login(email)
    token = browser.token()
    urls = _urls_with(app, bad)
    assert len(urls) >= 20  # the sweep really found the id-bearing routes
    for method, url in urls:
        response = browser.client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 404, (method, url[:80], response.status_code)
        assert b"Not found" in response.data


def test_sec24_the_largest_id_a_row_can_have_is_a_plain_not_found(app, make_user, login):
    """2^31 - 1: every id column is INTEGER, 32-bit on PostgreSQL; the database answers "no such row"."""
    _, email = make_user("admin")
    browser = login(email)
    top = 2**31 - 1
    for url in (f"/patients/{top}", f"/screenings/{top}", f"/admin/users/{top}", f"/patients/1/plans/{top}"):
        assert browser.get(url).status_code == 404, url


@pytest.mark.parametrize("target", [
    "/patients/\r\nSet-Cookie: x=1", "/\r\n", "/patients\x00/", "/\t/evil.example", "/patients/\n",
    "/\\\tevil.example", "\x00//evil.example", "/\u2028x", "/\x85x", " //evil.example", "/\x7f",
])
def test_sec24_next_with_control_characters_is_ignored(app, make_user, client, target):
    _, email = make_user()
    token = csrf_from(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token,
                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    # Already logged in: the login page sends the user on, with the same check.
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and again.headers["Location"] == "/"


@pytest.mark.parametrize("body", [
    b"family_name=Oka%FFfor&csrf_token=TOKEN",  # a percent-escape that is not UTF-8
    b"family_name=Oka\xff\xfefor&csrf_token=TOKEN",  # raw Latin-1 bytes
    b"family_name=%C3%28&csrf_token=TOKEN",  # a broken two-byte sequence
])
def test_sec24_a_body_that_is_not_utf8_gets_could_not_read_not_form_expired(app, make_user, login, body):
    _, email = make_user()
    browser = login(email)
    body = body.replace(b"TOKEN", browser.token().encode())
    response = browser.client.post("/patients/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "We could not read what was sent" in page and "nothing was saved" in page
    assert "expired" not in page


def test_sec24_a_multipart_body_with_bad_bytes_gets_the_same_clear_message(app, make_user, login):
    _, email = make_user()
    browser = login(email)
    token = browser.token().encode()
    body = (b'--X\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token +
            b'\r\n--X\r\nContent-Disposition: form-data; name="family_name"\r\n\r\nOka\xfffor\r\n--X--\r\n')
    response = browser.client.post("/patients/new", data=body, content_type="multipart/form-data; boundary=X")
    assert response.status_code == 400 and "We could not read what was sent" in response.get_data(as_text=True)


def test_sec22_a_body_over_the_cap_gets_a_page_that_says_the_limit_and_that_nothing_was_saved(
        app, make_user, login):
    _, email = make_user()
    browser = login(email)
    response = browser.post("/patients/new", data={"history_notes": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "1 MB" in page and "nothing was saved" in page and "Go back" in page


def test_sec22_no_form_filled_in_a_browser_can_reach_the_size_cap_so_typed_text_is_never_lost_to_a_413(app):
    """Every text field carries a maxlength (browsers stop typing and pasting there), and even with every field
    full of four-byte characters (12 bytes each, percent-encoded) a form stays under MAX_CONTENT_LENGTH."""
    from werkzeug.datastructures import MultiDict
    from wtforms import HiddenField, StringField, TextAreaField

    cap = app.config["MAX_CONTENT_LENGTH"]
    largest = ("", 0)
    for form_class in every_form_class(app):
        with app.test_request_context(method="POST"):
            try:
                form = form_class(formdata=MultiDict(), meta={"csrf": False})
            except TypeError:
                continue
            worst = 0
            for field in form:
                worst += len(field.name) + 64  # name, "=", "&" and a short value of a non-text field
                if isinstance(field, StringField | TextAreaField) and not isinstance(field, HiddenField):
                    maxlength = field.flags.maxlength
                    assert maxlength, f"{form_class.__name__}.{field.name} has no maximum length"
                    worst += 12 * maxlength
        largest = max(largest, (form_class.__name__, worst), key=lambda x: x[1])
    assert largest[1] < cap, largest


def test_sec24_a_failed_csrf_check_is_logged_with_route_and_reason_but_no_personal_data(
        app, make_user, login, make_patient, caplog, monkeypatch):
    _, email = make_user()
    pid = make_patient(family_name="Okafor")
    browser = login(email)
    # Another test may have configured logging (gunicorn's dictConfig disables loggers that existed then):
    # listen on the app's own logger so this checks what the app writes, whatever ran before.
    monkeypatch.setattr(app.logger, "disabled", False)
    app.logger.addHandler(caplog.handler)
    try:
        with caplog.at_level("WARNING", logger=app.logger.name):
            response = browser.client.post(f"/patients/{pid}/edit",
                                           data={"family_name": "Okafor", "csrf_token": "x"})
    finally:
        app.logger.removeHandler(caplog.handler)
    assert response.status_code == 400
    # The handler may see the record twice (on the app's logger and, when it propagates, on the root): once it is.
    (record,) = {id(r): r for r in caplog.records if "CSRF" in r.getMessage()}.values()
    message = record.getMessage()
    assert "POST /patients/<int:patient_id>/edit" in message and "token" in message.lower()
    assert "Okafor" not in message and email not in message and str(pid) not in message.replace("<int:", "")
