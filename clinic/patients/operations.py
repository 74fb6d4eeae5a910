"""Patient verbs: take the session, flush, never commit. The web views and the CLI call the same ones."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, Text, delete, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic import audit, inputs, staff
from clinic.auth import operations as auth_ops
from clinic.models import (
    Clinic,
    FormDraft,
    LoginSession,
    Patient,
    PatientChange,
    PatientNumberCounter,
    PatientSearchHead,
    PatientSearchTerm,
    PatientStatus,
    User,
    UTCDateTime,
)
from clinic.patients import fields as F
from clinic.patients import import_checks
from clinic.patients.registry import ImportContext, TimelineEntry, Window, timeline_source
from clinic.patients.tables import PATIENT_TABLES, PatientTable

RECORD_PREFIX = "P-"
EXPORT_FORMAT = "clinic.patient"
EXPORT_VERSION = 1


class RecordNumberTaken(ValueError):
    """Another patient of the clinic has this record number."""


class EditConflict(Exception):
    """Someone saved the record after the form was opened."""


class ImportProblem(ValueError):
    """The export file cannot be imported; the message names the key and what was expected."""


# ---------------------------------------------------------------------------------------------- values


def as_text(value: Any) -> str:
    """How a value is written in the change history."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def patient_values(patient: Patient) -> dict[str, Any]:
    """The editable values of ``patient`` as one flat mapping (history facts as ``history_facts.KEY``)."""
    facts = facts_for_screening(patient)
    values: dict[str, Any] = {}
    for name in (*F.IDENTITY_FIELDS, *F.CONTACT_FIELDS, *F.CLINICAL_FIELDS):
        if name.startswith("history_facts."):
            values[name] = facts[name.split(".", 1)[1]]
        else:
            values[name] = getattr(patient, name)
    return values


def facts_for_screening(patient: Patient) -> dict[str, str]:
    """Every history fact key with its answer (``not_known`` when never answered); screening pre-fills from it."""
    stored = patient.history_facts or {}
    return {key: stored.get(key, "not_known") for key in F.FACT_KEYS}


def alerts(patient: Patient) -> list[str]:
    """Banner alerts: each history fact answered yes."""
    facts = facts_for_screening(patient)
    return [fact.alert for fact in F.HISTORY_FACTS if facts[fact.key] == "yes"]


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years between ``birth_date`` and ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _apply(patient: Patient, values: Mapping[str, Any]) -> None:
    facts = dict(patient.history_facts or {})
    for name, value in values.items():
        if name.startswith("history_facts."):
            key = name.split(".", 1)[1]
            if key not in F.FACT_KEYS or value not in F.ANSWERS:
                raise ValueError(f"unknown history fact {name}={value!r}")
            facts[key] = value
        else:
            setattr(patient, name, value)
    patient.history_facts = {key: facts.get(key, "not_known") for key in F.FACT_KEYS}
    patient.sort_name = F.sort_name(patient.family_name, patient.given_names)


def _index_terms(db: Session, patient: Patient) -> None:
    """Rebuild the patient's search words and their heads (derived from names and record number)."""
    db.execute(delete(PatientSearchTerm).where(PatientSearchTerm.patient_id == patient.id))
    db.execute(delete(PatientSearchHead).where(PatientSearchHead.patient_id == patient.id))
    terms = F.search_terms(patient.family_name, patient.given_names, patient.record_number)
    if not terms:
        return
    # Plain INSERTs of many rows at once: derived rows nobody reads back in this request, so no ORM objects
    # (a registration: 2.4 -> 1.7 ms of CPU).
    row = {"patient_id": patient.id, "clinic_id": patient.clinic_id, "sort_name": patient.sort_name}
    db.execute(insert(PatientSearchTerm), [{**row, "term": t, "head": t[:F.HEAD]} for t in sorted(terms)])
    db.execute(insert(PatientSearchHead), [{**row, "head": h} for h in sorted(F.search_heads(terms))])


# ------------------------------------------------------------------------------------- record numbers


def _counter(db: Session, clinic_id: int) -> PatientNumberCounter:
    """The clinic's counter row, locked for this transaction; created on first use."""
    query = select(PatientNumberCounter).where(PatientNumberCounter.clinic_id == clinic_id).with_for_update()
    counter = db.scalars(query).first()
    if counter is None:
        try:
            with db.begin_nested():
                db.add(PatientNumberCounter(clinic_id=clinic_id, last=0))
        except IntegrityError:
            pass  # another worker created it first
        counter = db.scalars(query).one()
    return counter


def _taken(db: Session, clinic_id: int, record_number: str, exclude_id: int | None = None) -> bool:
    query = select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.record_number == record_number)
    if exclude_id is not None:
        query = query.where(Patient.id != exclude_id)
    return db.scalars(query).first() is not None


def suggest_record_number(db: Session, clinic_id: int) -> str:
    """The next free generated record number (read only: nothing is reserved)."""
    last = db.scalar(select(PatientNumberCounter.last).where(PatientNumberCounter.clinic_id == clinic_id)) or 0
    n = last + 1
    while _taken(db, clinic_id, f"{RECORD_PREFIX}{n:06d}"):
        n += 1
    return f"{RECORD_PREFIX}{n:06d}"


def _note_record_number(db: Session, clinic_id: int, record_number: str) -> None:
    """Move the counter past a generated-style number that was used, so it is not suggested again."""
    match = re.fullmatch(re.escape(RECORD_PREFIX) + r"(\d{1,9})", record_number)
    counter = _counter(db, clinic_id)
    if match and int(match.group(1)) > counter.last:
        counter.last = int(match.group(1))


# ---------------------------------------------------------------------------------------- create/edit


def _record_changes(
    db: Session, patient: Patient, changes: Iterable[tuple[str, Any, Any]], user: User | None, actor: str,
    now: dt.datetime,
) -> list[str]:
    names = []
    for name, old, new in changes:
        db.add(PatientChange(
            patient_id=patient.id, at=now, user_id=user.id if user else None, actor=actor,
            revision=patient.version, field=name, old_value=as_text(old), new_value=as_text(new),
            clinical=F.is_clinical(name) or name == "retention_hold",
        ))
        names.append(name)
    return names


def patient_by_record_number(db: Session, clinic_id: int, text: str) -> Patient | None:
    """The clinic's patient whose record number is exactly ``text`` (case aside), archived ones included;
    None when there is none (or it is restricted)."""
    text = text.strip()
    key = F.search_key(text)
    if not text or len(text) > 20 or not key:
        return None
    # The record number's search word finds the few candidates by index; comparing upper() on every patient
    # of the clinic read the whole table on every search (1.6 s at 1,000,000 patients).
    candidates = select(PatientSearchTerm.patient_id).where(PatientSearchTerm.clinic_id == clinic_id,
                                                            PatientSearchTerm.term == key)
    return db.scalars(select(Patient).where(
        Patient.id.in_(candidates), func.upper(Patient.record_number) == text.upper(),
        Patient.status != PatientStatus.RESTRICTED.value).limit(1)).first()


def same_person(db: Session, clinic_id: int, family_name: str, given_names: str,
                birth_date: dt.date | None) -> list[Patient]:
    """Patients of the clinic who may be this person: the same birth date and the same names once case,
    accents, spaces and punctuation are set aside ("Zoë  Ångström" is "zoe angstrom"). Restricted records are
    left out (they are hidden from everyone but the administrator)."""
    if birth_date is None:
        return []
    wanted = (F.search_key(family_name or ""), F.search_key(given_names or ""))
    candidates = db.scalars(select(Patient).where(
        Patient.clinic_id == clinic_id, Patient.birth_date == birth_date,
        Patient.status != PatientStatus.RESTRICTED.value).order_by(Patient.id))
    return [p for p in candidates if (F.search_key(p.family_name), F.search_key(p.given_names)) == wanted]


def create_patient(
    db: Session, *, clinic_id: int, values: Mapping[str, Any], user: User | None, now: dt.datetime,
    actor: str | None = None,
) -> Patient:
    """Register a patient; raises RecordNumberTaken when the clinic already uses the record number. No audit
    row: the registration page calls :func:`register_patient`."""
    record_number = values["record_number"]
    if _taken(db, clinic_id, record_number):
        raise RecordNumberTaken(record_number)
    patient = Patient(
        clinic_id=clinic_id, status=PatientStatus.ACTIVE.value, created_at=now, updated_at=now,
        clinical_changed_at=now, created_by=actor if actor is not None else (user.email if user else ""),
        history_facts={}, sex="", phone="", email="", address="", emergency_contact="", dominant_hand="not_known",
        occupation="", referring_doctor="", history_notes="", medications="", consent_treatment=False,
        consent_data=False, retention_hold="", restricted_reason="",
    )
    _apply(patient, values)
    db.add(patient)
    db.flush()
    _note_record_number(db, clinic_id, record_number)
    _index_terms(db, patient)
    db.flush()
    return patient


def register_patient(db: Session, *, clinic_id: int, values: Mapping[str, Any], user: User,
                     now: dt.datetime) -> Patient:
    """Register a patient from the registration form (:func:`create_patient`) and audit it."""
    patient = create_patient(db, clinic_id=clinic_id, values=values, user=user, now=now)
    audit.record(db, "patient_create", user=user, patient_ref=patient.id)
    return patient


def update_patient(
    db: Session, patient: Patient, values: Mapping[str, Any], *, expected_version: int, user: User | None,
    now: dt.datetime,
) -> list[str]:
    """Save ``values`` (only the fields given) when nobody saved since ``expected_version``; returns the
    changed field names. Raises EditConflict (the caller rolls back) or RecordNumberTaken."""
    if patient.status == PatientStatus.RESTRICTED:
        raise PermissionError("the record is restricted")
    if expected_version != patient.version:
        raise EditConflict()
    before = patient_values(patient)
    changes = [(name, before[name], value) for name, value in values.items() if before[name] != value]
    if not changes:
        return []
    if "record_number" in values and _taken(db, patient.clinic_id, values["record_number"], exclude_id=patient.id):
        raise RecordNumberTaken(values["record_number"])
    _apply(patient, values)
    patient.updated_at = now
    if any(name in F.STALE_FIELDS for name, _old, _new in changes):
        patient.clinical_changed_at = now
    try:
        db.flush()  # the version check: UPDATE ... WHERE version = expected
    except StaleDataError:
        raise EditConflict() from None
    names = _record_changes(db, patient, changes, user, user.email if user else "cli", now)
    if {"family_name", "given_names", "record_number"} & set(names):
        _index_terms(db, patient)
        if "record_number" in names:
            _note_record_number(db, patient.clinic_id, patient.record_number)
    db.flush()
    return names


def edit_patient(db: Session, patient: Patient, values: Mapping[str, Any], *, expected_version: int, user: User,
                 now: dt.datetime) -> list[str]:
    """Save the edit form (:func:`update_patient`) and audit what changed (nothing changed: no row)."""
    changed = update_patient(db, patient, values, expected_version=expected_version, user=user, now=now)
    if changed:
        audit.record(db, "patient_update", user=user, patient_ref=patient.id, detail="fields: " + ", ".join(changed))
    return changed


def edit_conflict(db: Session, patient: Patient, typed: Mapping[str, Any], started: Any, *,
                  user: User) -> list[tuple]:
    """A save based on version ``started`` met a newer saved version (REL-01): an audit row, and the fields to
    show, as (name, label, value when the form was opened, saved value, typed value, who changed it): "theirs"
    when only the other person did (the form should take their value, not undo their work), "both" otherwise.
    Fields only this user changed are no conflict and are left out."""
    saved = patient_values(patient)
    base = values_at(db, patient, started) if isinstance(started, int) else None
    rows = []
    for name, mine in typed.items():
        theirs = saved[name]
        if as_text(mine) == as_text(theirs):
            continue
        if base is not None and name not in base:
            continue  # only this user changed it: no conflict, it stays in the form
        if base is not None and as_text(mine) == base[name]:
            rows.append((name, F.LABELS[name], base[name], theirs, mine, "theirs"))
        else:
            rows.append((name, F.LABELS[name], base.get(name) if base else None, theirs, mine, "both"))
    audit.record(db, "patient_update", user=user, patient_ref=patient.id, outcome="conflict")
    return rows


def set_archived(db: Session, patient: Patient, archived: bool, *, user: User | None, now: dt.datetime) -> bool:
    """Archive (hide from search) or bring back, audited; returns whether anything changed."""
    if patient.status == PatientStatus.RESTRICTED:
        raise PermissionError("the record is restricted")
    new = PatientStatus.ARCHIVED.value if archived else PatientStatus.ACTIVE.value
    if patient.status == new:
        return False
    old, patient.status, patient.updated_at = patient.status, new, now
    db.flush()
    _record_changes(db, patient, [("status", old, new)], user, user.email if user else "cli", now)
    db.flush()
    audit.record(db, "patient_archive" if archived else "patient_unarchive", user=user, patient_ref=patient.id)
    return True


def set_retention_hold(db: Session, patient: Patient, reason: str, *, user: User | None, now: dt.datetime) -> bool:
    """Put a retention hold on the record (``reason`` given) or lift it (empty), audited; returns whether it
    changed."""
    reason = reason.strip()
    if patient.retention_hold == reason:
        return False
    old, patient.retention_hold, patient.updated_at = patient.retention_hold, reason, now
    db.flush()
    _record_changes(db, patient, [("retention_hold", old, reason)], user, user.email if user else "cli", now)
    db.flush()
    audit.record(db, "patient_hold" if reason else "patient_hold_lifted", user=user, patient_ref=patient.id)
    return True


# ---------------------------------------------------------------------------------------------- erase


@dataclass(frozen=True)
class EraseResult:
    """What erasure did: ``erased`` every row, or ``restricted`` the record because of a retention hold."""

    erased: bool
    restricted: bool
    rows: int = 0


def erase_patient(db: Session, patient: Patient, *, user: User | None, now: dt.datetime) -> EraseResult:
    """Delete every row of the patient (listed tables, children first, then the patient, and any form
    drafts typed on their pages). With a retention hold the record is restricted instead: hidden from
    search and read-only, the hold recorded as the reason (PRIV-03). Call ``checkpoint`` after commit. No audit
    row: the erase page calls :func:`erase_record`."""
    if patient.retention_hold.strip():
        if patient.status != PatientStatus.RESTRICTED:
            old = patient.status
            patient.status = PatientStatus.RESTRICTED.value
            patient.restricted_reason = patient.retention_hold
            patient.updated_at = now
            db.flush()
            _record_changes(db, patient, [("status", old, patient.status)], user,
                            user.email if user else "cli", now)
            db.flush()
        return EraseResult(erased=False, restricted=True)
    pid = patient.id
    rows = 0
    for table in reversed(PATIENT_TABLES):
        column = getattr(table.model, table.patient_column)
        rows += db.execute(delete(table.model).where(column == pid)).rowcount or 0
    rows += db.execute(delete(FormDraft).where(
        (FormDraft.path == f"/patients/{pid}") | FormDraft.path.like(f"/patients/{pid}/%")
    )).rowcount or 0
    db.delete(patient)
    db.flush()
    return EraseResult(erased=True, restricted=False, rows=rows + 1)


def erase_record(db: Session, patient: Patient, *, user: User, login: LoginSession, now: dt.datetime) -> EraseResult:
    """Erase the patient as asked on the erase page (:func:`erase_patient`), audited; an erasure also forgets
    the login's patient search, which may have held the erased name."""
    pid = patient.id
    result = erase_patient(db, patient, user=user, now=now)
    if result.restricted:
        audit.record(db, "patient_restrict", user=user, patient_ref=pid, detail="retention hold")
        return result
    audit.record(db, "patient_erase", user=user, patient_ref=pid, detail=f"{result.rows} rows deleted")
    auth_ops.remember_search(db, login, None)
    return result


def checkpoint(db: Session) -> None:
    """After an erasure is committed: on SQLite, copy the WAL into the database file and truncate it, so
    the deleted rows (zeroed by secure_delete) leave no copy in ``-wal``. PostgreSQL needs nothing here."""
    engine = db.get_bind()
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


# ------------------------------------------------------------------------------------ export / import

# Caps on imported values the pages cap too (REL-12): no text field of any page takes more than 10,000
# characters (plan and session notes; the patient form's own caps are lower and apply through the form).
IMPORT_TEXT_MAX = 10_000
IMPORT_JSON_MAX = 1_000_000  # a plan's JSON is a few kB to a few tens of kB

# Derived or internal columns of the patient row: rebuilt on import, never exported.
_PATIENT_SKIP = frozenset({"id", "clinic_id", "sort_name", "version"})


def _encode(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime) or isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: value[k] for k in sorted(value)}
    return value


def _decode(table: str, column, value: Any) -> Any:
    """A value of the file as the column's type, held to what the pages accept of any such value (REL-12):
    single-line text without control or bidi characters (SEC-25), notes cleaned as the forms clean them, dates
    from 1900 to 2200 (REL-13), integers a column can hold, JSON with finite numbers and clean text."""
    where = f"{table}.{column.key}"
    if value is None:
        if not column.nullable:
            raise ImportProblem(f"{where}: a value is required")
        return None
    kind = column.type
    try:
        if isinstance(kind, UTCDateTime):
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError
            if not inputs.date_in_range(parsed.date()):
                raise ImportProblem(f"{where}: {inputs.DATE_RANGE_MESSAGE} (it is {value})")
            return parsed.astimezone(dt.UTC)
        if isinstance(kind, Date):
            day = dt.date.fromisoformat(value)
            if not inputs.date_in_range(day):
                raise ImportProblem(f"{where}: {inputs.DATE_RANGE_MESSAGE} (it is {value})")
            return day
        if isinstance(kind, Boolean):
            if not isinstance(value, bool):
                raise ValueError
            return value
        if isinstance(kind, Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError
            if not -inputs.MAX_ID - 1 <= value <= inputs.MAX_ID:
                raise ImportProblem(f"{where}: {value} is too large")
            return value
        if isinstance(kind, JSON):
            if not isinstance(value, dict):
                raise ValueError
            if len(json.dumps(value)) > IMPORT_JSON_MAX:
                raise ImportProblem(f"{where}: larger than {IMPORT_JSON_MAX:,} characters")
            _check_json(where, value)
            return value
        if not isinstance(value, str):
            raise ValueError
        if isinstance(kind, Text):
            value = inputs.clean_notes(value)  # as every notes field of the pages does
        elif bad := inputs.bad_characters(value, line=True):
            raise ImportProblem(f"{where}: holds {', '.join(bad)}, an invisible control or text-direction "
                                "character that a one-line field cannot hold")
        length = getattr(kind, "length", None) or IMPORT_TEXT_MAX
        if len(value) > length:
            raise ImportProblem(f"{where}: at most {length:,} characters")
        return value
    except ImportProblem:
        raise
    except (TypeError, ValueError):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise ImportProblem(f"{where}: {shown} is not a valid {type(kind).__name__} value") from None


def _check_json(where: str, value: Any) -> None:
    """JSON the pages could have stored: finite numbers (PostgreSQL refuses NaN) and text without control or
    text-direction characters (the pages never store them; tab and newline are kept)."""
    if isinstance(value, str):
        if bad := inputs.bad_characters(value, line=False):
            raise ImportProblem(f"{where}: holds {', '.join(bad)}, an invisible control or text-direction "
                                "character")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ImportProblem(f"{where}: {value} is not a number")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(f"{where}.{key}" if len(key) <= 60 else f"{where}.{key[:57]}...", key)
            _check_json(f"{where}.{key}" if len(key) <= 60 else f"{where}.{key[:57]}...", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(f"{where}[{index}]", item)


def _columns(table: PatientTable):
    """(column, kind) for the exported columns of a listed table: kind is 'value' or ('ref', table)."""
    registered = {t.model.__tablename__: t for t in PATIENT_TABLES}
    out = []
    for column in inspect(table.model).columns:
        if column.key == table.patient_column or (column.primary_key and column.key == "id") \
                or column.key in table.skip:
            continue
        targets = {fk.column.table.name for fk in column.foreign_keys}
        if "users" in targets or "clinics" in targets:
            continue  # accounts differ between databases; tables keep a text copy of who acted
        refs = targets & set(registered)
        out.append((column, ("ref", refs.pop()) if refs else "value"))
    return out


def export_document(db: Session, patient: Patient) -> dict[str, Any]:
    """Every row of the patient and none of anyone else's, as plain JSON values (PRIV-01)."""
    clinic = db.get(Clinic, patient.clinic_id)
    mapper = inspect(Patient)
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "clinic": clinic.name if clinic else "",
        "patient": {c.key: _encode(c, getattr(patient, c.key)) for c in mapper.columns if c.key not in _PATIENT_SKIP},
        "tables": {},
    }
    positions: dict[str, dict[int, int]] = {}
    for table in PATIENT_TABLES:
        if not table.exported:
            continue
        model = table.model
        rows = db.scalars(
            select(model).where(getattr(model, table.patient_column) == patient.id)
            .order_by(*(getattr(model, c) for c in table.order_by))
        ).all()
        columns = _columns(table)
        if hasattr(model, "id"):
            positions[model.__tablename__] = {row.id: i for i, row in enumerate(rows)}
        out = []
        for row in rows:
            item = {}
            for column, kind in columns:
                value = getattr(row, column.key)
                if kind != "value" and value is not None:
                    value = positions[kind[1]][value]
                item[column.key] = _encode(column, value)
            out.append(item)
        document["tables"][table.name] = out
    return document


def export_json(db: Session, patient: Patient) -> bytes:
    """The export as canonical UTF-8 JSON: the same record always gives the same bytes (REL-07)."""
    document = export_document(db, patient)
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def _import_clinic(db: Session, name: str, now: dt.datetime, *, create_clinic: bool) -> Clinic:
    """The clinic called exactly ``name``; a new one only when asked or when the database has none yet.

    A near miss (``"Clinic A "``) once silently made a second clinic nobody could see (REL-12).
    """
    clinic = db.scalars(select(Clinic).where(Clinic.name == name)).first()
    if clinic is not None:
        return clinic
    names = sorted(db.scalars(select(Clinic.name)).all())
    if not names or create_clinic:
        if any(F.search_key(n) == F.search_key(name) for n in names):
            raise ImportProblem(f"clinic: {name!r} differs from an existing clinic only in spaces or case; "
                                f"the clinics are: {', '.join(repr(n) for n in names)}")
        return auth_ops.get_or_create_clinic(db, name, now)
    raise ImportProblem(f"clinic: there is no clinic called exactly {name!r}; the clinics are: "
                        f"{', '.join(repr(n) for n in names)}. Name one with --clinic, or add --new-clinic to "
                        "create it")


def import_json(
    db: Session, raw: bytes, *, now: dt.datetime, clinic_name: str | None = None, create_clinic: bool = False,
) -> Patient:
    """Recreate a patient from ``export_json`` output, checked like the pages check input (REL-12).

    Into the clinic named exactly in the file (or ``clinic_name``); a new clinic is made only when
    ``create_clinic`` is set or the database has no clinic yet. Raises ImportProblem naming the row.
    """
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportProblem(f"not a patient export: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportProblem(f"not a patient export: 'format' must be {EXPORT_FORMAT!r}")
    if document.get("format_version") != EXPORT_VERSION:
        raise ImportProblem(f"format_version {document.get('format_version')!r} is not supported "
                            f"(this version reads {EXPORT_VERSION})")
    name = clinic_name or document.get("clinic")
    if not isinstance(name, str) or not name.strip():
        raise ImportProblem("clinic: a clinic name is required")
    if bad := inputs.bad_characters(name, line=True):
        raise ImportProblem(f"clinic: holds {', '.join(bad)}, an invisible control or text-direction character")
    if len(name) > Clinic.__table__.c.name.type.length:
        raise ImportProblem(f"clinic: at most {Clinic.__table__.c.name.type.length} characters")
    source = document.get("patient")
    if not isinstance(source, dict):
        raise ImportProblem("patient: an object is required")
    columns = {c.key: c for c in inspect(Patient).columns if c.key not in _PATIENT_SKIP}
    source = {"name_order": "given_first", **source}  # exports written before names had an order
    unknown = set(source) - set(columns)
    if unknown:
        raise ImportProblem(f"patient: unknown keys {sorted(unknown)}")
    values = {key: _decode("patient", columns[key], source.get(key)) for key in columns}
    problems = import_checks.patient_problems(values)
    if problems:
        raise ImportProblem("patient: " + "; ".join(problems))
    clinic = _import_clinic(db, name, now, create_clinic=create_clinic)
    if _taken(db, clinic.id, values["record_number"]):
        raise ImportProblem(f"patient.record_number: {values['record_number']} is already used in {clinic.name}")
    patient = Patient(clinic_id=clinic.id, sort_name=F.sort_name(values["family_name"], values["given_names"]),
                      **values)
    db.add(patient)
    db.flush()
    _index_terms(db, patient)
    _note_record_number(db, clinic.id, patient.record_number)
    tables = document.get("tables") or {}
    if not isinstance(tables, dict):
        raise ImportProblem("tables: an object is required")
    known = {t.name: t for t in PATIENT_TABLES if t.exported}
    if set(tables) - set(known):
        raise ImportProblem(f"tables: unknown tables {sorted(set(tables) - set(known))}")
    new_ids: dict[str, list[int]] = {}
    context = ImportContext(db=db, patient=patient, now=now)
    for table in PATIENT_TABLES:
        if not table.exported:
            continue
        rows = tables.get(table.name, [])
        if not isinstance(rows, list):
            raise ImportProblem(f"tables.{table.name}: a list is required")
        columns_kinds = _columns(table)
        created = []
        for index, row in enumerate(rows):
            where = f"{table.name}[{index}]"
            if not isinstance(row, dict) or set(row) - {c.key for c, _k in columns_kinds}:
                raise ImportProblem(f"{where}: unexpected keys")
            item = {}
            for column, kind in columns_kinds:
                value = row.get(column.key)
                if kind != "value" and value is not None:
                    try:
                        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                            raise TypeError
                        value = new_ids[kind[1]][value]
                    except (KeyError, IndexError, TypeError):
                        raise ImportProblem(f"{where}.{column.key}: no row {value!r} in {kind[1]}") from None
                else:
                    value = _decode(where, column, value)
                item[column.key] = value
            problems = table.check(item, context) if table.check is not None else []
            if problems:
                raise ImportProblem(f"{where}: " + "; ".join(problems))
            instance = table.model(**{table.patient_column: patient.id}, **item)
            db.add(instance)
            created.append(instance)
        db.flush()
        new_ids[table.model.__tablename__] = [getattr(i, "id", None) for i in created]
    return patient


def import_record(db: Session, raw: bytes, *, now: dt.datetime, clinic_name: str | None = None,
                  create_clinic: bool = False) -> Patient:
    """``clinic import``: :func:`import_json`, audited as done on the command line."""
    patient = import_json(db, raw, now=now, clinic_name=clinic_name, create_clinic=create_clinic)
    audit.record(db, "patient_import", user=None, clinic_id=patient.clinic_id, actor="cli", patient_ref=patient.id)
    return patient


# ------------------------------------------------------------------------------------------- timeline

_WORDS_FOR_STATUS = {"archived": "Archived", "active": "Back in use", "restricted": "Restricted (retention hold)"}


@timeline_source
def _record_timeline(db: Session, patient: Patient, window: Window) -> Iterable[TimelineEntry]:
    """Registration and every saved change of the record itself (the window's newest saves)."""
    names = window.people(db, patient.clinic_id).by_email
    yield TimelineEntry(at=patient.created_at, title="Registered",
                        detail=f"by {staff.name_for_email(names, patient.created_by)}" if patient.created_by else "",
                        clinical=False, kind="record")
    seen = [PatientChange.patient_id == patient.id, *window.where(PatientChange.at)]
    if not window.clinical:
        seen.append(PatientChange.clinical.is_(False))
    saves = select(PatientChange.revision).where(*seen).group_by(PatientChange.revision) \
        .order_by(func.max(PatientChange.at).desc()).limit(window.limit)
    changes = db.scalars(
        select(PatientChange).where(*seen, PatientChange.revision.in_(saves))
        .order_by(PatientChange.at, PatientChange.id)
    ).all()
    for (_revision, at, actor), group in itertools.groupby(changes, key=lambda c: (c.revision, c.at, c.actor)):
        rows = list(group)
        for clinical in (False, True):
            part = [c for c in rows if c.clinical == clinical]
            if not part:
                continue
            if [c.field for c in part] == ["status"]:
                title = _WORDS_FOR_STATUS.get(part[0].new_value, "Status changed")
            else:
                title = "Clinical details changed" if clinical else "Details changed"
            yield TimelineEntry(
                at=at, title=title, detail=f"by {staff.name_for_email(names, actor)}", clinical=clinical,
                kind="change",
                changes=tuple(F.LABELS.get(c.field, c.field) for c in part if c.field != "status"),
            )


def values_at(db: Session, patient: Patient, version: int) -> dict[str, str]:
    """What each field changed after ``version`` held at that version (as history text): the common base
    of two people's edits, so a conflict can tell who changed what."""
    rows = db.scalars(
        select(PatientChange).where(PatientChange.patient_id == patient.id, PatientChange.revision > version)
        .order_by(PatientChange.revision, PatientChange.id)
    )
    base: dict[str, str] = {}
    for row in rows:
        base.setdefault(row.field, row.old_value)
    return base


def history(db: Session, patient: Patient, *, clinical: bool) -> list[PatientChange]:
    """The patient's change history, newest first; without clinical fields when ``clinical`` is False."""
    query = select(PatientChange).where(PatientChange.patient_id == patient.id)
    if not clinical:
        query = query.where(PatientChange.clinical.is_(False))
    return list(db.scalars(query.order_by(PatientChange.at.desc(), PatientChange.id.desc())))



# ------------------------------------------------------------------------------------------ audited reads


def record_view(db: Session, patient: Patient, *, user: User, detail: str = "") -> None:
    """``user`` read the patient's record (``detail`` names which page, empty: the patient page): an audit row."""
    audit.record(db, "patient_view", user=user, patient_ref=patient.id, detail=detail)


def record_export(db: Session, patient: Patient, kind: str, *, user: User | None) -> None:
    """The whole record left the system as ``kind`` ("json", "pdf"): an audit row. ``user`` None is the command
    line."""
    audit.record(db, "patient_export", user=user, clinic_id=patient.clinic_id, actor=None if user else "cli",
                 patient_ref=patient.id, detail=kind)
