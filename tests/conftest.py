"""Shared fixtures: a fresh app and database per test (SQLite file, or PostgreSQL when
CLINIC_TEST_DATABASE_URL is set by tests/run.sh), an injectable clock, factories and login helpers."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import jinja2
import jinja2.bccache
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from clinic.app import create_app
from clinic.domain import questionnaires as _questionnaires
from clinic.extensions import db as _db
from tests.helpers import properties as _properties  # noqa: F401 - loads the Hypothesis profile (dev, ci or full)
from tests.helpers import routes_once

# Each app reads its questionnaires' wording at start-up, and parsing the two YAML files was a third of building
# an app (12 of 35 ms), paid by every test that uses one. Parsing is pure (the file's bytes in, a frozen
# Questionnaire out) and a broken file still raises every time: each distinct file is parsed once per worker.
_questionnaires.parse_questionnaire = functools.lru_cache(maxsize=32)(_questionnaires.parse_questionnaire)

routes_once.install()

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("CLINIC_TEST_DATABASE_URL")
TEST_SECRET = "test-secret-key-" + "x" * 40
PASSWORD = "correct horse battery"
# A clinic as the tests find it: set up, with a phone number, so its handouts print (WF-01).
SET_UP_CLINIC = {"phone": "01632 960 000", "address": "1 Test Street"}
# The cheapest argon2id cost: every user and login of the suite would otherwise pay production's ~0.3 s.
# tests/web/test_auth.py checks that production's settings are the safe ones.
CHEAP_PASSWORD_HASH = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_PARALLELISM": 1}


def pytest_collection_modifyitems(config, items):
    """Mark every test that builds the app as a database test, so it runs again on PostgreSQL."""
    for item in items:
        if "app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


def pytest_collection_finish(session):
    """What collection made (modules, test items, parameters) lives for the whole run: out of the garbage
    collector's way, so its passes walk only what the tests make (about 5 % less CPU on the page tests)."""
    gc.collect()
    gc.freeze()


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a skipped test is a failure: nothing is silently left out."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI=true: {len(reporter.stats['skipped'])} test(s) skipped; failing the run.", red=True)
        session.exitstatus = 1


def require_tool(name: str) -> str:
    """The path of a command-line tool; missing fails under CI and skips elsewhere."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make system-deps installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime):
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        """Move forward by a timedelta's keyword arguments."""
        self.current += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))


def reset_postgres(url: str) -> None:
    """An empty public schema in the test PostgreSQL database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# What create_all made in this worker's PostgreSQL database, to know whether emptying the tables gives the
# schema a test expects (a test may have migrated, stamped or dropped the schema since).
_SCHEMA_OF_PG = """
SELECT 'column', table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
"""
_pg_made_by_create_all: dict[str, frozenset] = {}
_reset_engines: dict[str, Engine] = {}


# Every sequence of the schema back to 1, as TRUNCATE ... RESTART IDENTITY would.
_RESTART_SEQUENCES = """
SELECT setval(c.oid::regclass, 1, false) FROM pg_class c
WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace
"""


def _empty_every_table(conn) -> bool:
    """DELETE every row (children first) and restart the sequences: a few milliseconds for the handful of rows a
    test leaves, where TRUNCATE of the 28 tables took about 170 ms (it makes every table and index anew). False,
    with nothing changed, when a DELETE is refused (rows whose references only TRUNCATE ... CASCADE can untie)."""
    deletes = "; ".join(f'DELETE FROM "{table.name}"'  # noqa: S608 - our own tables' names
                        for table in reversed(_db.metadata.sorted_tables))
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(deletes)
            conn.execute(text(_RESTART_SEQUENCES)).all()
    except DBAPIError:
        return False
    return True


def _postgres_with_empty_tables(url: str) -> None:
    """Every table of the models, empty and numbered from 1: emptied when the schema is still the one create_all
    made here (a fortieth of the time of dropping and making it again), else dropped and made again."""
    from clinic import models  # noqa: F401 - every table on the metadata

    engine = _reset_engines.get(url)
    if engine is None:
        # One connection kept per worker for this, not one made for every test: connecting to PostgreSQL took
        # about as long as emptying the tables.
        engine = _reset_engines[url] = create_engine(url, pool_size=1, pool_pre_ping=True)
    with engine.begin() as conn:
        found = frozenset(tuple(row) for row in conn.execute(text(_SCHEMA_OF_PG)))
        if found and found == _pg_made_by_create_all.get(url):
            if not _empty_every_table(conn):
                tables = ", ".join(f'"{table.name}"' for table in _db.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        _db.metadata.create_all(conn)
        _pg_made_by_create_all[url] = frozenset(tuple(row) for row in conn.execute(text(_SCHEMA_OF_PG)))


@pytest.fixture(scope="session")
def pg_url() -> str | None:
    """This worker's PostgreSQL database: CLINIC_TEST_DATABASE_URL's, or under pytest-xdist one made for the
    worker beside it (``clinic_test_gw0``...), so two workers never share tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not PG_URL or not worker:
        return PG_URL
    from sqlalchemy.engine import make_url

    name = f"{make_url(PG_URL).database}_{worker}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with every table of the models, made once per session (per worker) and copied for each
    test that uses ``app``: a copy takes a millisecond, create_all a few hundred."""
    path = tmp_path_factory.mktemp("template") / "tables.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{path}",
                      **CHEAP_PASSWORD_HASH})
    with app.app_context():
        _db.create_all()
        _db.session.remove()
        _db.engine.dispose()  # the last connection closing folds the write-ahead log into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def db_url(request, tmp_path, pg_url) -> str:
    """The test database. Empty, except for a test that uses ``app``: then every table of the models is there,
    empty (copied from a template on SQLite; emptied, or made when a test changed the schema, on PostgreSQL)."""
    with_tables = "app" in request.fixturenames
    if pg_url:
        if with_tables:
            _postgres_with_empty_tables(pg_url)
        else:
            _pg_made_by_create_all.pop(pg_url, None)
            reset_postgres(pg_url)
        return pg_url
    path = tmp_path / "test.sqlite3"
    if with_tables:
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


class _TemplatesOfThisWorker(jinja2.BytecodeCache):
    """Compiled templates shared by the apps of one test worker: each test builds its own app, and compiling the
    same templates again in every one was about a tenth of a page test's time. Jinja checks each template's source
    checksum, so an edited template compiles again."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _TemplatesOfThisWorker()


class _CompiledStatementsOfThisWorker:
    """SQLAlchemy's cache of compiled statements, shared by every test's engine on the same kind of database in this
    worker. An engine keeps its own cache, keyed by its dialect object; each test builds an app and so an engine, and
    compiled every statement it ran again (tests/web: 139 -> 119 s of CPU with this). The engines of a worker differ
    only in the database file or name, never in how a statement is written, so the dialect is left out of the key."""

    def __init__(self) -> None:
        from sqlalchemy.util import LRUCache

        self.entries = LRUCache(5000)

    def get(self, key, default=None):
        return self.entries.get(key[1:], default)

    def __setitem__(self, key, value) -> None:
        self.entries[key[1:]] = value

    def clear(self) -> None:
        self.entries.clear()


_COMPILED_STATEMENTS: dict[tuple[str, str], _CompiledStatementsOfThisWorker] = {}


def _share_compiled_statements(engine) -> None:
    kind = (engine.dialect.name, engine.dialect.driver)
    engine._compiled_cache = _COMPILED_STATEMENTS.setdefault(kind, _CompiledStatementsOfThisWorker())


@pytest.fixture
def make_app(tmp_path, db_url, clock) -> Callable:
    """Build an app on the test database; extra settings override the test defaults."""
    apps = []

    def build(**overrides):
        config = {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "DATABASE_URL": db_url,
            "NOW": clock,
            "SESSION_COOKIE_SECURE": False,
        }
        if overrides.get("TESTING", True):  # an app built as production (TESTING=False) hashes as production
            config.update(CHEAP_PASSWORD_HASH)
        config.update(overrides)
        app = create_app(config)
        app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
        with app.app_context():
            _share_compiled_statements(_db.engine)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app on a database with every table made (see ``db_url``)."""
    return make_app()


# PDFs by the HTML and stylesheet they were made from, in this worker (see ``same_pdf_once``).
_RENDERED: dict[str, tuple[bytes, tuple[str, ...]]] = {}
_RENDERED_LIMIT = 300
# make test's two passes share these PDFs through a folder tests/run.sh makes for the run (and removes after): the
# PostgreSQL pass prints the same handouts from the same HTML as the SQLite pass did, and rendered them again.
_PDF_STORE = os.environ.get("CLINIC_TEST_PDF_STORE")


def _stored_pdf(key: str) -> tuple[bytes, tuple[str, ...]] | None:
    """A PDF (and the fetches it was refused) an earlier pass of this run rendered from the same input."""
    if not _PDF_STORE:
        return None
    path = Path(_PDF_STORE) / f"{key}.pdf"
    try:
        made = path.read_bytes()
        fetches = tuple(json.loads(path.with_suffix(".json").read_text("utf-8")))
    except (OSError, ValueError):
        return None
    return made, fetches


def _store_pdf(key: str, made: bytes, fetches: tuple[str, ...]) -> None:
    """Keep a rendered PDF for the later pass; the PDF lands last (atomically), so a reader sees both or neither."""
    if not _PDF_STORE:
        return
    path = Path(_PDF_STORE) / f"{key}.pdf"
    for target, data in ((path.with_suffix(".json"), json.dumps(fetches).encode()), (path, made)):
        part = target.with_name(f"{target.name}.{os.getpid()}.part")
        part.write_bytes(data)
        os.replace(part, target)


def _pdf_key(html: str, css: str, kwargs: dict) -> str:
    from clinic import pdf

    return hashlib.sha256("\0".join((html, css, str(pdf.PDF_VARIANT), repr(sorted(kwargs.items()))))
                          .encode("utf-8", "surrogatepass")).hexdigest()


def _keep_for_the_second_pass(monkeypatch) -> None:
    """tests/pdf on the first database: render every time, and keep each PDF for the PostgreSQL pass."""
    from clinic import pdf

    real = pdf.render_pdf

    def render_and_keep(html: str, css: str = "", *, blocked: list[str] | None = None, **kwargs) -> bytes:
        made, fetches = _render_and_keep(real, _pdf_key(html, css, kwargs), html, css, kwargs)
        if blocked is not None:
            blocked.extend(fetches)
        return made

    monkeypatch.setattr(pdf, "render_pdf", render_and_keep)


def _render_and_keep(real: Callable, key: str, html: str, css: str, kwargs: dict) -> tuple[bytes, tuple[str, ...]]:
    """Render for real, noting the fetches refused, and keep the PDF for a later pass of this run."""
    fetches: list[str] = []
    made = real(html, css, blocked=fetches, **kwargs)
    _store_pdf(key, made, tuple(fetches))
    return made, tuple(fetches)


@pytest.fixture(autouse=True)
def same_pdf_once(request, monkeypatch):
    """The pages' and features' tests (tests/web, tests/e2e) render each distinct handout, letter or record once per
    worker: WeasyPrint is deterministic, so the same HTML, stylesheet and PDF variant give the same bytes, and its
    blocked fetches are replayed. Many tests approve the same fixture plan, and WeasyPrint took a large share of
    their time rendering it again. The renderer itself (time limits, fetching nothing, fonts, tags) is tested in
    tests/pdf, which always renders on the first database, and so do the benchmarks (tests/bench) and any test
    marked ``real_render``. Under make test the PostgreSQL pass reuses what the SQLite pass rendered from the same
    input (``CLINIC_TEST_PDF_STORE``), tests/pdf's too: the second pass checks that the app on PostgreSQL makes the
    same HTML (a different HTML is a different key, and renders); the renderer was tested on that input already."""
    folder = request.path.parent.name
    second_pdf_pass = folder == "pdf" and PG_URL is not None
    if request.node.get_closest_marker("real_render"):
        yield  # renders every time, untouched, in both passes
        return
    if folder not in ("web", "e2e") and not second_pdf_pass:
        if folder == "pdf" and _PDF_STORE:
            _keep_for_the_second_pass(monkeypatch)
        yield  # tests/pdf (on the first database), tests/unit and the benchmarks render every time
        return
    from clinic import pdf

    real = pdf.render_pdf

    def render_once(html: str, css: str = "", *, blocked: list[str] | None = None, **kwargs) -> bytes:
        key = _pdf_key(html, css, kwargs)
        if key in _RENDERED:
            made, fetches = _RENDERED[key]
        else:
            made, fetches = _stored_pdf(key) or _render_and_keep(real, key, html, css, kwargs)
            if len(_RENDERED) >= _RENDERED_LIMIT:
                _RENDERED.pop(next(iter(_RENDERED)))
            _RENDERED[key] = (made, fetches)
        if blocked is not None:
            blocked.extend(fetches)
        return made

    monkeypatch.setattr(pdf, "render_pdf", render_once)
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app, clock) -> Callable:
    """Create an account: make_user(role="therapist", clinic="Clinic A", email=None)."""
    from clinic.auth import operations as ops

    counter = {"n": 0}

    def create(role: str = "therapist", clinic: str = "Clinic A", email: str | None = None, password: str = PASSWORD):
        counter["n"] += 1
        with app.app_context():
            c = ops.get_or_create_clinic(_db.session, clinic, clock(), defaults=SET_UP_CLINIC)
            user = ops.create_user(
                _db.session, clinic=c, email=email or f"{role}{counter['n']}@example.org",
                full_name=f"{role.title()} {counter['n']}", role=role, password=password, now=clock(),
            )
            _db.session.commit()
            return user.id, user.email

    return create


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: bytes | str) -> str:
    """The CSRF token in a rendered page."""
    text_ = html.decode() if isinstance(html, bytes) else html
    match = CSRF_RE.search(text_)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


class Browser:
    """A logged-in test client that sends a valid CSRF token with every form post.

    The token is the one Flask-WTF would put in the next page the browser shows: signed from the secret in the
    session (made there if the session has none yet, as a page would). A page used to be fetched for it before the
    first post of every client, the dashboard mostly, the most expensive page there is; the CSRF check itself is
    tested with real pages' tokens and with none (tests/web/test_auth.py, test_input_safety.py)."""

    def __init__(self, client, email: str | None = None):
        self.client = client
        self.email = email

    def token(self) -> str:
        app = self.client.application
        # Flask-WTF's own names (flask_wtf/csrf.py generate_csrf): the session key and the signer's salt.
        with self.client.session_transaction() as session:
            secret = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())  # noqa: S324
        signer = URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, salt="wtf-csrf-token")
        return str(signer.dumps(secret))

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def login(app) -> Callable:
    """login(email, password=PASSWORD) -> a Browser with its own cookie jar, logged in."""

    def do_login(email: str, password: str = PASSWORD, client=None) -> Browser:
        browser = Browser(client or app.test_client(), email)
        response = browser.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return browser

    return do_login


@pytest.fixture
def make_patient(app, clock) -> Callable:
    """Register a patient: make_patient(clinic="Clinic A", **values) -> patient id."""
    from clinic.auth import operations as ops
    from clinic.patients import operations as patient_ops

    counter = {"n": 0}

    def create(clinic: str = "Clinic A", **values) -> int:
        counter["n"] += 1
        with app.app_context():
            c = ops.get_or_create_clinic(_db.session, clinic, clock(), defaults=SET_UP_CLINIC)
            data = {
                "record_number": patient_ops.suggest_record_number(_db.session, c.id),
                "family_name": f"Family{counter['n']}", "given_names": f"Given{counter['n']}",
                "birth_date": dt.date(1980, 1, counter["n"] % 28 + 1),
            }
            data.update(values)
            patient = patient_ops.create_patient(_db.session, clinic_id=c.id, values=data, user=None, now=clock(),
                                                 actor="test")
            _db.session.commit()
            return patient.id

    return create
