"""Benchmark (not a test; `make bench`): 1,000,000 patients (BENCH_PATIENTS), search by every kind of prefix
and the patient page, p95 through the app for one user, on SQLite, and on PostgreSQL when
CLINIC_TEST_DATABASE_URL is set. Target p95 <= 25 ms (PERFORMANCE 3 and 9). The search words, seven or so
a patient, and their heads are bulk-loaded (COPY on PostgreSQL, executemany on SQLite): minutes, not hours."""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

from sqlalchemy import insert, select

from clinic.extensions import db
from clinic.models import Patient, PatientNumberCounter
from clinic.patients import fields as F

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "1000000"))
WORDS = {"patient_search_terms": "term", "patient_search_heads": "head"}
RUNS = int(os.environ.get("BENCH_RUNS", "300"))
TARGET_MS = 25.0
FAMILY = ["Ångström", "García", "Müller", "O'Brien", "Nguyen", "Smith", "Johansson", "Kowalski", "Rossi",
          "Papadopoulos", "Иванов", "Dubois", "Novák", "Silva", "Yılmaz", "Hansen", "Schmidt", "Lefèvre",
          "Fernández", "Kim", "Wójcik", "Björk", "Costa", "Peeters", "Horváth", "Jensen", "Moreau", "Ferreira"]
GIVEN = ["Zoë", "José", "Anna", "Minh", "Siobhán", "Ελένη", "Дмитрий", "Lars", "Chloé", "Jürgen", "Agnieszka",
         "Mehmet", "Léa", "Marco", "Ingrid", "Tomás", "Yuki", "Noah", "Amélie", "Oskar", "Björn", "Sofía"]


def _seed(app, clinic_id: int, now: dt.datetime) -> list[int]:
    rng = random.Random(7)  # noqa: S311 - reproducible fake data, not security
    with app.app_context():
        batch, terms, heads = [], [], []
        for n in range(1, PATIENTS + 1):
            family = f"{rng.choice(FAMILY)}{'' if n % 3 else '-' + rng.choice(FAMILY)}{n % 997}"
            given = rng.choice(GIVEN)
            record = f"P-{n:06d}"
            batch.append({
                "id": n, "clinic_id": clinic_id, "record_number": record, "family_name": family,
                "given_names": given, "sort_name": F.sort_name(family, given),
                "birth_date": dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30000)), "sex": "",
                "phone": f"+1 555 {n:07d}", "email": "", "address": "", "emergency_contact": "",
                "dominant_hand": "right", "occupation": "", "referring_doctor": "",
                "history_facts": {k: "no" for k in F.FACT_KEYS}, "history_notes": "", "medications": "",
                "consent_treatment": True, "consent_data": True, "status": "active", "retention_hold": "",
                "restricted_reason": "", "created_at": now, "created_by": "bench", "updated_at": now,
                "clinical_changed_at": now, "version": 1,
            })
            words = F.search_terms(family, given, record)
            terms += [(n, clinic_id, t, batch[-1]["sort_name"]) for t in words]
            heads += [(n, clinic_id, h, batch[-1]["sort_name"]) for h in F.search_heads(words)]
            if len(batch) == 20000:
                db.session.execute(insert(Patient), batch)
                _load_words("patient_search_terms", terms)
                _load_words("patient_search_heads", heads)
                batch, terms, heads = [], [], []
        if batch:
            db.session.execute(insert(Patient), batch)
            _load_words("patient_search_terms", terms)
            _load_words("patient_search_heads", heads)
        db.session.add(PatientNumberCounter(clinic_id=clinic_id, last=PATIENTS))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load; SQLite gets no ANALYZE (the app must not need it).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('patients', 'id'), (SELECT max(id) FROM patients))")
        rows = db.session.execute(select(Patient.id, Patient.family_name, Patient.birth_date)
                                  .where(Patient.id % 97 == 0)).all()
    return rows


def _load_words(table: str, rows: list[tuple]) -> None:
    """Search words or their heads straight through the driver, in the seeding transaction: COPY on PostgreSQL."""
    raw = db.session.connection().connection.driver_connection
    columns = f"{table} (patient_id, clinic_id, {WORDS[table]}, sort_name)"
    if db.engine.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {columns} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        raw.executemany(f"INSERT INTO {columns} VALUES (?, ?, ?, ?)", rows)  # noqa: S608 - names from WORDS


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _measure(label: str, request, runs: int = RUNS) -> tuple[float, float]:
    for _ in range(20):
        request(0)
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        request(i)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), _p95(samples)


def test_bench_patient_search_and_page_with_a_million_patients(app, make_user, login, clock):
    user_id, email = make_user("therapist", clinic="Bench Clinic")
    with app.app_context():
        from clinic.models import User

        clinic_id = db.session.get(User, user_id).clinic_id
    started = time.perf_counter()
    sample = _seed(app, clinic_id, clock())
    seeded = time.perf_counter() - started
    browser = login(email)
    engine = app.config["DATABASE_URL"].split(":", 1)[0].split("+", 1)[0]
    cores = os.cpu_count()
    rng = random.Random(11)  # noqa: S311 - reproducible sample, not security
    queries = {
        "first list page": [""],
        # 28 base surnames: a 5-letter prefix matches 1 in 28 patients (~36,000 of 1,000,000).
        "search common prefix": [row.family_name[:5] for row in rng.sample(sample, 40)],
        "search 1-letter prefix": [row.family_name[:1] for row in rng.sample(sample, 40)],
        "search 3-letter prefix": [row.family_name[:3] for row in rng.sample(sample, 40)],
        # a surname and its number: a few hundred to a few thousand matches, between the two roads
        "search rare prefix": [row.family_name.split("-")[0][:8] for row in rng.sample(sample, 40)],
        "search full name": [f"{row.family_name} " for row in rng.sample(sample, 40)],
        "search birth date": [f"{row.birth_date:%d/%m/%Y}" for row in rng.sample(sample, 40)],
        "search record number": [f"P-{row.id:06d}" for row in rng.sample(sample, 40)],
    }
    print(f"\nbench patients: {PATIENTS} patients seeded on {engine} in {seeded:.1f} s; cores={cores}")
    results = {}
    token = browser.token()
    for label, texts in queries.items():
        # The search box posts once (into the session); the list page GET is what is timed.
        def search_then_list(i, texts=texts):
            browser.client.post("/patients/search", data={"q": texts[i % len(texts)], "csrf_token": token})
            start = time.perf_counter()
            response = browser.client.get("/patients/")
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200
            return elapsed

        for i in range(20):
            search_then_list(i)
        timings = [search_then_list(i) for i in range(RUNS)]
        results[label] = (statistics.median(timings), _p95(timings))
    ids = [row.id for row in sample]
    results["patient page"] = _measure("patient page",
                                       lambda i: browser.client.get(f"/patients/{ids[i % len(ids)]}"))
    results["search POST+redirect"] = _measure(
        "search POST", lambda i: browser.client.post(
            "/patients/search", data={"q": queries["search common prefix"][i % 40], "csrf_token": token}))
    for label, (median, p95) in results.items():
        verdict = "ok" if p95 <= TARGET_MS else "OVER TARGET"
        print(f"bench patients [{engine}] {label:<24} median {median:6.2f} ms  p95 {p95:6.2f} ms  "
              f"(target p95 <= {TARGET_MS:g} ms, {verdict}; cores={cores}, n={RUNS})")
