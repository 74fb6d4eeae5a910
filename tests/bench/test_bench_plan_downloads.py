"""Handout download through the app (PERFORMANCE.md target 1): an approved revision's PDF is rendered once
(at approval) and then served from the cache; p95 <= 20 ms. Also the download when the PDF must be
rendered first. Run with `make bench`; one line per figure."""

from __future__ import annotations

import os
import statistics
import time

from sqlalchemy import delete

from clinic.extensions import db
from clinic.models import HandoutFile
from tests.helpers.plans import approved_plan

RUNS = 200
RENDER_RUNS = 15
CPUS = os.cpu_count() or 1


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _report(label: str, samples: list[float], target: str) -> None:
    print(f"\nBENCH {label}: n={len(samples)} p50={statistics.median(samples):.1f} ms p95={_p95(samples):.1f} ms "
          f"(target {target}; cpus={CPUS}; load {os.getloadavg()[0]:.1f})", flush=True)


def test_bench_handout_download_cached_and_uncached(app, make_user, login, make_patient):
    browser = login(make_user("therapist")[1])
    pid = make_patient()
    plan_id = approved_plan(browser, app, pid, "fracture")
    url = f"/patients/{pid}/plans/{plan_id}/revisions/1/handout.pdf"
    client = browser.client
    for _ in range(20):
        assert client.get(url).status_code == 200
    cached = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        cached.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    kind = "PostgreSQL" if app.config["DATABASE_URL"].startswith("postgresql") else "SQLite"
    _report(f"handout download, cached (through the app, {kind})", cached, "p95 <= 20 ms")
    rendered = []
    for _ in range(RENDER_RUNS):
        with app.app_context():
            db.session.execute(delete(HandoutFile))
            db.session.commit()
        start = time.perf_counter()
        response = client.get(url)
        rendered.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    _report("handout download, rendered on request (4-page handout)", rendered, "render once, then cached")
    assert _p95(cached) <= 20.0
