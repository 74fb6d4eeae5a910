"""Load: gunicorn with 2 workers on loopback, 20 simulated therapists doing a mixed clinic day.

Not a test of correctness (that is the suite's job): it prints p50/p95 per action, the error count and
how often "database is locked" appeared, on SQLite and (when CLINIC_TEST_DATABASE_URL is set) PostgreSQL.
Bounded in requests and time; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import TEST_SECRET, csrf_from
from tests.e2e.test_two_instances import free_port

USERS = 20
ROUNDS = 8
TIME_LIMIT_SECONDS = 120
CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


class User:
    def __init__(self, base: str, number: int = 0):
        self.base = base
        self.number = number
        self.csrf = ""
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path: str, data: dict | None = None) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def day_of_work(user: User) -> list[tuple]:
    """(action name, path[, form data]) for one round; later features add their pages here.

    Each user works on one of the demo's five patients with an approved plan (ids 1-5 in a fresh database).
    A form is sent with the user's CSRF token; a redirect is followed, so "search" is the POST and the list.
    """
    pid = user.number % 5 + 1
    return [
        ("dashboard", "/"),
        ("protocol list", "/protocols/"),
        ("protocol page", "/protocols/fracture"),
        ("search", "/patients/search", {"q": "Nguyen"}),
        ("open patient", f"/patients/{pid}"),
        ("screen (form)", f"/patients/{pid}/screen?condition=fracture"),
        ("plan page", f"/patients/{pid}/plans/{pid}"),
        ("edit plan (form)", f"/patients/{pid}/plans/{pid}/edit"),
        ("download handout", f"/patients/{pid}/plans/{pid}/revisions/1/handout.pdf"),
    ]


def run_load(base: str, email: str, password: str) -> tuple[dict[str, list[float]], int]:
    timings: dict[str, list[float]] = {}
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT_SECONDS

    ready = threading.Barrier(USERS)

    numbers = iter(range(USERS))

    def worker():
        with lock:
            user = User(base, next(numbers))
        _, page = user.open("/login")
        user.csrf = csrf_from(page)
        status, _ = user.open("/login", {"email": email, "password": password, "csrf_token": user.csrf})
        user.csrf = csrf_from(user.open("/")[1])
        ready.wait()  # a clinic day starts once everyone is in; logins cost ~120 ms of argon2 each
        for _ in range(ROUNDS):
            for name, path, *data in day_of_work(user):
                if time.monotonic() > deadline:
                    return
                form = {**data[0], "csrf_token": user.csrf} if data else None
                start = time.perf_counter()
                status, _ = user.open(path, form)
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    timings.setdefault(name, []).append(elapsed)
                    if status >= 400:
                        errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors[0]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def test_bench_load_twenty_therapists_on_gunicorn(tmp_path):
    db_url = os.environ.get("CLINIC_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'load.sqlite3'}"
    env = {**os.environ, "CLINIC_DATABASE_URL": db_url, "CLINIC_SECRET_KEY": TEST_SECRET,
           "CLINIC_INSTANCE_PATH": str(tmp_path), "CLINIC_SESSION_COOKIE_SECURE": "false"}
    clinic = str(Path(sys.executable).with_name("clinic"))
    subprocess.run([clinic, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([clinic, "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "clinic.app:create_app()"], env=env, stdout=out, stderr=out)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    with urllib.request.urlopen(base + "/health", timeout=2):  # noqa: S310 - loopback
                        break
                except OSError:
                    time.sleep(0.2)
            timings, errors = run_load(base, "therapist@demo.clinic", "demo-therapist-pass")
        finally:
            server.terminate()
            server.wait(timeout=20)
    locked = log.read_text(errors="replace").count("database is locked")
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    cores = os.cpu_count()
    for name, values in sorted(timings.items()):
        print(f"load[{kind}] cores={cores} users={USERS} {name}: n={len(values)} "
              f"p50={statistics.median(values):.1f} ms p95={p95(values):.1f} ms (target p95 <= 300 ms)")
    print(f"load[{kind}] cores={cores} errors={errors} database_is_locked={locked}")
    assert errors == 0 and locked == 0
