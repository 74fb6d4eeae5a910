"""Benchmark (not a test; `make bench`): costs that must stay flat over ten years of data (PERFORMANCE 9).

1,000,000 audit rows (BENCH_AUDIT_ROWS): the dashboard of a user with little recent activity (target p95 <=
25 ms), a full ``clinic audit verify``, the daily incremental one after 1,000 new rows, and how many app
writes failed "database is locked" while the full verify ran (target 0). A patient with five years of data
(200 sessions, 100 outcome measures, 21 revisions and their prints): patient page, plan page and plan
history p95 (target <= 25 ms each). One line per figure, with the core count.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import threading
import time
from types import SimpleNamespace

from sqlalchemy import insert, select, update

from clinic import audit
from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent, User
from tests.helpers.plans import add_years_of_history, approved_plan

AUDIT_ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
TARGET_MS = 25.0
CORES = os.cpu_count()


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _timed(request, runs: int = RUNS) -> tuple[float, float]:
    for _ in range(10):
        request()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        assert request().status_code == 200
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), _p95(samples)


def _line(engine: str, label: str, median: float, p95: float, target: float = TARGET_MS) -> None:
    verdict = "ok" if p95 <= target else "OVER TARGET"
    print(f"bench history [{engine}] {label:<46} median {median:7.2f} ms  p95 {p95:7.2f} ms  "
          f"(target p95 <= {target:g} ms, {verdict}; cores={CORES}, n={RUNS})")


def _seed_audit(app, rows: int, user_id: int, clinic_id: int) -> None:
    """``rows`` chained audit rows by someone else, after this user's few (signed as the app signs them)."""
    key = audit._key()
    at = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    prev = db.session.scalar(select(AuditChainHead.last_hash)) or audit.GENESIS
    first = (db.session.scalar(select(AuditChainHead.count)) or 0) + 1
    batch = []
    for n in range(first, first + rows):
        row = SimpleNamespace(id=n, at=at + dt.timedelta(seconds=n * 300), clinic_id=clinic_id,
                              user_id=user_id + 1000, actor="someone@else", action="patient_view",
                              patient_ref=n % 20000, outcome="ok", detail="", prev_hash=prev)
        row.hash = prev = audit._digest(key, row)
        batch.append(vars(row))
        if len(batch) == 20000:
            db.session.execute(insert(AuditEvent), batch)
            batch = []
    if batch:
        db.session.execute(insert(AuditEvent), batch)
    db.session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(count=first + rows - 1,
                                                                                 last_hash=prev))
    db.session.commit()


def test_bench_dashboard_and_audit_verify_at_a_million_audit_rows(app, make_user, login, make_patient, runner):
    user_id, email = make_user("therapist")
    pid = make_patient()
    browser = login(email)  # this user's few rows come first; everyone else's million after them
    engine = db_engine_name(app)
    with app.app_context():
        clinic_id = db.session.get(User, user_id).clinic_id
        started = time.perf_counter()
        _seed_audit(app, AUDIT_ROWS, user_id, clinic_id)
        seeded = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    print(f"\nbench history [{engine}] {AUDIT_ROWS} audit rows seeded in {seeded:.1f} s; cores={CORES}")
    _line(engine, f"dashboard at {AUDIT_ROWS} audit rows", *_timed(lambda: browser.get("/")))

    failures: list[str] = []
    writes: list[int] = []
    done = threading.Event()

    def app_writes():  # a therapist opening a patient (each view writes an audit row) while the full verify runs
        while not done.is_set():
            response = browser.get(f"/patients/{pid}")
            if response.status_code != 200:
                failures.append(str(response.status_code))
            writes.append(1)
            time.sleep(0.05)

    writer = threading.Thread(target=app_writes)
    started = time.perf_counter()
    writer.start()
    full = runner.invoke(args=["audit", "verify", "--full"])
    full_s = time.perf_counter() - started
    done.set()
    writer.join()
    assert full.exit_code == 0, full.output
    print(f"bench history [{engine}] audit verify --full over {AUDIT_ROWS} rows: {full_s:.1f} s; app writes "
          f"meanwhile: {len(writes)}, failed: {len(failures)} (target 0); cores={CORES}")
    with app.app_context():
        _seed_audit(app, 1000, user_id, clinic_id)
    started = time.perf_counter()
    daily = runner.invoke(args=["audit", "verify"])
    daily_s = time.perf_counter() - started
    assert daily.exit_code == 0 and "written since the last verify" in daily.output, daily.output
    print(f"bench history [{engine}] audit verify (daily, 1,000 new rows) over {AUDIT_ROWS} rows: "
          f"{daily_s * 1000:.0f} ms; cores={CORES}")
    assert failures == []


def test_bench_pages_of_a_patient_with_five_years_of_data(app, make_user, login, make_patient, clock):
    _, email = make_user("therapist")
    browser = login(email)
    pid = make_patient()
    plan_id = approved_plan(browser, app, pid, "fracture")
    add_years_of_history(app, plan_id, clock() - dt.timedelta(days=5 * 365), 200)
    engine = db_engine_name(app)
    base = f"/patients/{pid}/plans/{plan_id}"
    for label, url in (("five-year patient: patient page", f"/patients/{pid}"),
                       ("five-year patient: plan page", base), ("five-year patient: plan history", f"{base}/history")):
        size = len(browser.get(url).data)
        median, p95 = _timed(lambda url=url: browser.get(url))
        _line(engine, f"{label} ({size // 1024} KB)", median, p95)


def db_engine_name(app) -> str:
    return app.config["DATABASE_URL"].split(":", 1)[0].split("+", 1)[0]
