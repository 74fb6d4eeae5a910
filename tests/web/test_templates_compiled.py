"""A served worker compiles its page templates before its first request (clinic/templating.py
compile_page_templates, called by gunicorn's post_worker_init): no therapist's first view of a page after a restart
waits for Jinja to compile it."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

from clinic.handouts import render
from tests.helpers.plans import screen

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(app):
    """The app without the tests' shared compiled templates (tests/conftest.py), so it compiles as a served one."""
    app.jinja_env.bytecode_cache = None
    app.jinja_env.cache.clear()
    return app


def test_a_served_worker_compiles_every_page_before_its_first_request(app, make_user, make_patient, login,
                                                                       monkeypatch):
    conf = runpy.run_path(str(ROOT / "clinic" / "gunicorn.conf.py"))
    monkeypatch.setattr(render, "start_render_pool", lambda processes: None)  # no render processes in this test
    conf["post_worker_init"](SimpleNamespace(wsgi=app))
    pages = {path.relative_to(ROOT / "templates").as_posix() for path in (ROOT / "templates").rglob("*.html")
             if not path.relative_to(ROOT / "templates").as_posix().startswith("handouts/")}
    assert len(pages) > 40

    def compiled_during_a_request(source, name=None, *args, **kwargs):
        raise AssertionError(f"{name} was compiled during a request")

    monkeypatch.setattr(app.jinja_env, "compile", compiled_during_a_request)
    browser = login(make_user("therapist")[1])
    pid = make_patient()
    for path in ("/", "/patients/", f"/patients/{pid}", f"/patients/{pid}/screen?condition=fracture",
                 "/protocols/fracture", "/no-such-page"):
        response = browser.get(path)
        assert response.status_code in (200, 404), path
        assert response.status_code == 200 or path == "/no-such-page"
    saved = screen(browser, app, pid, "fracture")
    assert saved.status_code == 302
    assert "Screening" in browser.get(saved.headers["Location"]).get_data(as_text=True)  # the result page


def test_without_it_the_first_view_of_a_page_compiles_its_template(app, make_user, login, monkeypatch):
    """The check above can fail: an app no worker hook has seen compiles on its first page."""
    asked = []
    original = app.jinja_env.compile
    monkeypatch.setattr(app.jinja_env, "compile", lambda source, name=None, *a, **k: (
        asked.append(name), original(source, name, *a, **k))[1])
    browser = login(make_user("therapist")[1])
    assert browser.get("/protocols/fracture").status_code == 200
    assert any(name and name.startswith("protocols/") for name in asked)
