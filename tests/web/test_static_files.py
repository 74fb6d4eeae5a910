"""Static files are fetched once per browser: each link carries the file's content version and the answer may be
kept a year; they are public and never touch the database (clinic/static_files.py)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import event

from clinic.extensions import db
from clinic.static_files import content_version

LINK = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"')


def fetch(get, path: str):
    """get(path), read and closed (a static file is sent as an open file)."""
    response = get(path)
    response.get_data()
    response.close()
    return response


def test_every_static_link_on_a_page_carries_the_version_of_the_file_it_names(app, make_user, login):
    browser = login(make_user("therapist")[1])
    html = browser.get("/protocols/fracture").get_data(as_text=True)
    links = LINK.findall(html)
    assert {path for path, _ in links} >= {"/static/app.css", "/static/idle.js"}
    assert any("/illustrations/" in path for path, _ in links), "the protocol page shows its drawings"
    assert "/static/" not in LINK.sub("", html), "a static link without its version"
    for path, version in links:
        assert fetch(app.test_client().get, f"{path}?v={version}").status_code == 200, path
        assert content_version(Path(app.static_folder) / path.removeprefix("/static/")) == version


def test_a_versioned_static_file_is_kept_a_year_and_an_unversioned_one_is_asked_for_again(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    css = next(f"{path}?v={version}" for path, version in LINK.findall(page) if path.endswith("app.css"))
    kept = fetch(app.test_client().get, css)
    assert kept.status_code == 200 and "body" in kept.get_data(as_text=True)
    cache = kept.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "no-store" not in cache
    again = fetch(app.test_client().get, "/static/app.css")
    assert again.status_code == 200
    assert "immutable" not in again.headers.get("Cache-Control", "") and "max-age=31536000" not in \
        again.headers.get("Cache-Control", "")
    missing = fetch(app.test_client().get, "/static/no-such-file.css?v=000000000000")
    assert missing.status_code == 404 and "immutable" not in missing.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_version(tmp_path):
    path = tmp_path / "app.css"
    path.write_text("body { color: black }")
    first = content_version(path)
    path2 = tmp_path / "app2.css"
    path2.write_text("body { color: navy }")
    assert first and content_version(path2) and content_version(path2) != first
    assert content_version(tmp_path / "nothing.css") == ""


def test_a_static_file_never_looks_up_the_login_in_the_database(app, make_user, login):
    browser = login(make_user("therapist")[1])
    with app.app_context():
        engine = db.engine

    def statements_of(path: str) -> list[str]:
        seen: list[str] = []
        listen = lambda _conn, _cursor, statement, *_args: seen.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listen)
        try:
            assert fetch(browser.get, path).status_code == 200, path
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        return seen

    assert statements_of("/"), "a page does read the login"
    assert statements_of("/static/app.css") == []
