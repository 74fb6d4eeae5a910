"""Input that is out of range or malformed never reaches the database as a 500 (SEC-24)."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from tests.conftest import PASSWORD, csrf_from
from tests.web.sweep import all_rules

OUT_OF_RANGE_IDS = [str(2**63), str(2**64 + 1), "9" * 40, "-1", "-9223372036854775809", "1" * 5000]


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


@pytest.mark.parametrize("bad", OUT_OF_RANGE_IDS, ids=["2^63", "2^64+1", "40 digits", "-1", "-2^63-1", "5000 digits"])
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


def test_sec24_the_largest_real_id_is_a_plain_not_found(app, make_user, login):
    _, email = make_user("admin")
    browser = login(email)
    for url in ("/patients/9223372036854775807", "/screenings/9223372036854775807", "/admin/users/9223372036854775807",
                "/patients/1/plans/9223372036854775807"):
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
