"""Every table, typed (SQLAlchemy 2.0 style). No clinical rules live here."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import db


class UTCDateTime(TypeDecorator):
    """Stores aware UTC datetimes; SQLite drops the zone, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Role(enum.StrEnum):
    """What an account may do: administrators manage accounts, therapists treat, reception books."""

    ADMIN = "admin"
    THERAPIST = "therapist"
    RECEPTION = "reception"


class Clinic(db.Model):
    """A practice: the tenant every account and patient belongs to."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    # The number patients call when it cannot wait (999, 112, 911); printed in the stop-and-call box.
    emergency_number: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # PNG bytes re-encoded by clinic.settings.operations (never the uploaded file itself).
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # IANA name (Europe/London): every date and time a person reads is shown in this zone.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    paper_size: Mapped[str] = mapped_column(String(10), default="A4", server_default="A4")
    screening_valid_days: Mapped[int] = mapped_column(default=30, server_default="30")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class User(db.Model):
    """A staff account; email is unique across the installation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(default=1)

    clinic: Mapped[Clinic] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def has_role(self, *roles: str) -> bool:
        """True when the account holds one of ``roles``."""
        return self.role in roles


class LoginSession(db.Model):
    """One row per login; the cookie carries only a random token whose hash is stored here."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    authenticated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    # The patient search this login last ran: kept here, not in the cookie, because it is a name (SEC-26).
    search: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A failed login, counted across all workers per account, per client address and per remembered device
    (SEC-23: ``clinic.auth.throttle``)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # The client's address as the app sees it (behind a proxy: the address the proxy reports).
    client: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The remembered-device key the attempt came with ("" for a browser without one).
    device: Mapped[str] = mapped_column(String(64), default="", index=True)


class FormDraft(db.Model):
    """What a user had typed when their login expired mid-form; handed back after they log in again."""

    __tablename__ = "form_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AuditEvent(db.Model):
    """Append-only, hash-chained audit trail. ``patient_ref`` is a plain number, not a foreign key,
    so the pseudonymous stub survives when a patient is erased."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_clinic_at", "clinic_id", "at"),
        # The dashboard: "your recent activity" (the user's newest rows about no patient) and "Today" (the
        # patients the user saw in the last two weeks), without reading everyone's rows or all of theirs.
        Index("ix_audit_events_user_patient_id", "user_id", "patient_ref", "id"),
        Index("ix_audit_events_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    clinic_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(nullable=True)
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(50), index=True)
    patient_ref: Mapped[int | None] = mapped_column(nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """A single row locked while appending, so concurrent workers extend the chain one at a time."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(default=0)


class AuditCheckpoint(db.Model):
    """How far ``clinic audit verify`` found the chain intact: the next check starts after ``row_id``.
    ``mac`` (HMAC with the audit key) makes a forged checkpoint fail like a forged row."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int]
    row_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    mac: Mapped[str] = mapped_column(String(64))



class PatientStatus(enum.StrEnum):
    """Where a patient record stands: in use, archived (hidden from search unless asked for), or
    restricted (erasure was asked for under a retention hold: hidden and read-only)."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    RESTRICTED = "restricted"


class Patient(db.Model):
    """A patient of one clinic. Tables that belong to a patient reference ``patients.id`` with
    ``ondelete="CASCADE"`` and register with ``clinic.patients.records`` so export and erasure see them."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("clinic_id", "record_number", name="uq_patients_clinic_record_number"),
        Index("ix_patients_clinic_status_sort_name", "clinic_id", "status", "sort_name"),
        Index("ix_patients_clinic_birth_date", "clinic_id", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    record_number: Mapped[str] = mapped_column(String(20))
    family_name: Mapped[str] = mapped_column(String(100))
    given_names: Mapped[str] = mapped_column(String(100))
    # How the patient writes their name: "given_first" (Anna Smith) or "family_first" (王秀英, Nagy Anna).
    name_order: Mapped[str] = mapped_column(String(20), default="given_first", server_default="given_first")
    # "family given", case-folded and without accents: filled on save, used to sort the list.
    sort_name: Mapped[str] = mapped_column(String(201))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    emergency_contact: Mapped[str] = mapped_column(Text, default="")
    dominant_hand: Mapped[str] = mapped_column(String(20), default="not_known")
    occupation: Mapped[str] = mapped_column(String(200), default="")
    referring_doctor: Mapped[str] = mapped_column(String(300), default="")
    # Structured history facts screening reads: key -> "yes" | "no" | "not_known" (clinic.patients.facts).
    history_facts: Mapped[dict] = mapped_column(JSON, default=dict)
    history_notes: Mapped[str] = mapped_column(Text, default="")
    medications: Mapped[str] = mapped_column(Text, default="")
    consent_treatment: Mapped[bool] = mapped_column(default=False)
    consent_treatment_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    consent_data: Mapped[bool] = mapped_column(default=False)
    consent_data_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=PatientStatus.ACTIVE.value)
    # Set by an administrator when the record must be kept (e.g. a legal claim); erasure then restricts.
    retention_hold: Mapped[str] = mapped_column(Text, default="")
    restricted_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Email of the account that registered the patient (a copy: the account may go later).
    created_by: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Bumped whenever history facts, notes or medications change: screenings and plans older than
    # this are stale.
    clinical_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class PatientChange(db.Model):
    """One field changed in one save: who, when, old and new value (PRIV-04). ``clinical`` rows are
    never shown to reception."""

    __tablename__ = "patient_changes"
    __table_args__ = (Index("ix_patient_changes_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The account that saved, and its email at the time (kept if the account later goes).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    actor: Mapped[str] = mapped_column(String(254), default="")
    revision: Mapped[int] = mapped_column(default=1)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    clinical: Mapped[bool] = mapped_column(default=False)


class PatientSearchTerm(db.Model):
    """One normalised word of a patient's names or record number, for prefix search with an index.
    Derived from the patient row on every save (never exported: import rebuilds it)."""

    __tablename__ = "patient_search_terms"
    # Covering: a prefix search reads the matching patients, in list order, from the index alone.
    __table_args__ = (
        Index("ix_patient_search_terms_clinic_term", "clinic_id", "term", "sort_name", "patient_id"),
        # A long, common prefix reads its head's words in list order and keeps those it starts, inside the index.
        Index("ix_patient_search_terms_clinic_head", "clinic_id", "head", "sort_name", "patient_id", "term"),
    )

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    # Binary ("C") order on PostgreSQL so a prefix is a plain index range whatever the database locale.
    term: Mapped[str] = mapped_column(
        String(100).with_variant(String(100, collation="C"), "postgresql"), primary_key=True
    )
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    # The patient's ``sort_name`` (folded: case and accents removed), copied beside each word.
    sort_name: Mapped[str] = mapped_column(String(201), default="", server_default="")
    # The word's first three letters (``fields.HEAD``).
    head: Mapped[str] = mapped_column(String(3).with_variant(String(3, collation="C"), "postgresql"), default="",
                                      server_default="")


class PatientSearchHead(db.Model):
    """The first one, two and three letters of a patient's search words (``fields.search_heads``), each once per
    patient, beside the sort name: a short or common prefix lists its patients in list order straight from this
    index, wherever in the alphabet they cluster. Derived like the words (never exported: import rebuilds it)."""

    __tablename__ = "patient_search_heads"
    __table_args__ = (Index("ix_patient_search_heads_clinic_head", "clinic_id", "head", "sort_name", "patient_id"),)

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    head: Mapped[str] = mapped_column(String(3).with_variant(String(3, collation="C"), "postgresql"), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    sort_name: Mapped[str] = mapped_column(String(201), default="", server_default="")


class PatientNumberCounter(db.Model):
    """The last generated record number of a clinic (P-000123), locked while taking the next one."""

    __tablename__ = "patient_number_counters"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Screening(db.Model):
    """One intake screening of a patient (a FHIR *QuestionnaireResponse*): what was answered, the
    case facts, the engine's result and the rules version it used. Never edited after it is stored;
    a new screening replaces it."""

    __tablename__ = "screenings"
    __table_args__ = (Index("ix_screenings_patient_at", "patient_id", "screened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # The protocol screened for, or NULL for a general screening.
    condition: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # rule id -> {"answer", "detail", "regions", "side"} (the JSON of ``screening_json.answers_from_json``).
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # case fact name -> value, dates as ISO text (the JSON of ``screening_json.facts_from_json``).
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    # ``screening_json.result_to_json`` of the engine's result.
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    decision: Mapped[str] = mapped_column(String(20))
    rules_version: Mapped[int] = mapped_column()
    # Email of the account that screened (a copy: the account may go later).
    screened_by: Mapped[str] = mapped_column(String(254), default="")
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    screened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    on_date: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)


class ScreeningOverride(db.Model):
    """A therapist's decision to treat despite absolute contraindications of a screening (CS-02)."""

    __tablename__ = "screening_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    # The overridden rule ids, comma-separated (each a defer finding of the screening).
    rule_ids: Mapped[str] = mapped_column(String(1000))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(254), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    @property
    def rules(self) -> list[str]:
        """The overridden rule ids as a list."""
        return [r for r in self.rule_ids.split(",") if r]


class Clearance(db.Model):
    """A doctor's clearance for a refer finding of a screening, as recorded by the therapist."""

    __tablename__ = "clearances"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(60))
    cleared_by: Mapped[str] = mapped_column(String(300))
    cleared_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(254), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PlanStatus(enum.StrEnum):
    """Where a plan stands: a draft being edited, or approved (its latest revision is what prints).
    Whether an approved plan needs review is worked out when it is read (CS-06, CS-11): a stored flag
    could be stale, and a plan that needs review must never print."""

    DRAFT = "draft"
    APPROVED = "approved"
    NEEDS_REVIEW = "needs_review"


class Plan(db.Model):
    """A staged plan for one patient and protocol: the draft being edited (canonical JSON of
    ``clinic.domain.planning``) and, through its revisions, every approved version."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_patient_protocol", "patient_id", "protocol_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    protocol_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT.value)
    # ``plan_to_canonical`` of the draft: what the plan page shows and approval freezes.
    draft: Mapped[dict] = mapped_column(JSON)
    # The screening the draft was generated from (its validity decides whether the plan may print).
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id", ondelete="SET NULL"), nullable=True)
    # When the draft was made again: the therapist's edits kept and not kept, in words
    # ({"kept": [...], "not_kept": [...]}); shown on the plan page until the draft is approved (C29).
    carried_over: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    # Versioned by hand (``clinic.plans.operations``) so an exported plan imports with its version;
    # SQLAlchemy still checks it on every UPDATE, so a concurrent save fails (REL-01).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class PlanRevision(db.Model):
    """An approved plan, frozen: canonical JSON, its digest (CS-09) and the protocol version and hash
    it came from. Rows are inserted once and never updated (an ORM guard refuses it)."""

    __tablename__ = "plan_revisions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_revisions_plan_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    canonical: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(80))
    protocol_id: Mapped[str] = mapped_column(String(40))
    protocol_version: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(80))
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id", ondelete="SET NULL"), nullable=True)
    approved_by: Mapped[str] = mapped_column(String(254), default="")
    # The approving therapist's name as printed on the handout (a copy: the account may change later).
    approved_by_name: Mapped[str] = mapped_column(String(200), default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    approved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class RevisionReview(db.Model):
    """A therapist's "Reviewed — still correct" for an approved revision that was held because its protocol
    changed after approval (CS-11). The revision itself never changes (CS-09); this row says who checked it
    against which protocol version and file, when, and why. It counts only while the protocol is still that
    version and file: a later change of the protocol holds the revision again."""

    __tablename__ = "revision_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revisions.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    # The protocol as it was loaded when the therapist checked the revision against it.
    protocol_version: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(254), default="")
    # The therapist's name as shown on the plan page (a copy: the account may change later).
    by_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TreatmentSession(db.Model):
    """One treatment session of a plan: the stage, techniques done, pain before and after (0–10)."""

    __tablename__ = "treatment_sessions"
    __table_args__ = (Index("ix_treatment_sessions_patient_date", "patient_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    on_date: Mapped[dt.date] = mapped_column(Date)
    stage_id: Mapped[str] = mapped_column(String(60))
    # {"done": [technique or sequence ids]}
    techniques: Mapped[dict] = mapped_column(JSON, default=dict)
    pain_before: Mapped[int | None] = mapped_column(nullable=True)
    pain_after: Mapped[int | None] = mapped_column(nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(254), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Withdrawn (WF-05): kept, shown struck through in the history, left out of charts and letters.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class StageMove(db.Model):
    """The move of a plan to its next stage once the stage's criteria were confirmed: who, when, which."""

    __tablename__ = "stage_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str] = mapped_column(String(60))
    to_stage: Mapped[str] = mapped_column(String(60))
    # {"confirmed": [the move_on_when criteria, in the protocol's words]}
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    # The revision the move made (the plan with its new current stage).
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("plan_revisions.id", ondelete="SET NULL"),
                                                    nullable=True)
    by: Mapped[str] = mapped_column(String(254), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StageConfirmation(db.Model):
    """A therapist's confirmation that one entry criterion of one stage holds for this patient: who, when,
    which (CLINICAL.md §3). A stage becomes current only when its date has come and all its entry criteria are
    confirmed. ``before_change`` marks the rows written for plans that reached a stage before criteria were
    recorded one by one (the stages up to their stored current stage)."""

    __tablename__ = "stage_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[str] = mapped_column(String(60))
    # The criterion in the protocol's words, as the therapist ticked it.
    criterion: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(254), default="")
    # The therapist's name as shown in the history (a copy: the account may change later).
    by_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    before_change: Mapped[bool] = mapped_column(default=False)


class OutcomeMeasure(db.Model):
    """An outcome measure (a FHIR Observation): the answers or measurements of one kind, and the score.
    ``clinic.measures.kinds`` says what ``values`` holds for each kind."""

    __tablename__ = "outcome_measures"
    __table_args__ = (Index("ix_outcome_measures_patient_date", "patient_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    on_date: Mapped[dt.date] = mapped_column(Date)
    # quickdash, grip, prwe, psfs, pain, rom, pinch (``clinic.measures.kinds``)
    kind: Mapped[str] = mapped_column(String(20))
    # quickdash: {"items": [1-5 or null ×11], "answered": n, "score": 0-100 or null, "modules": {...}}
    # grip: {"affected_kg": x, "other_kg": y, "side": "left", "score": percent or null}; the others likewise.
    values: Mapped[dict] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(254), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Withdrawn (WF-05): kept, shown struck through in the history, left out of charts and letters.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def score(self) -> float | None:
        """QuickDASH 0–100 (None when fewer than 10 answers) or grip as % of the other side."""
        return self.values.get("score")


class DiaryEntry(db.Model):
    """One day of the printed exercise diary brought back (OUT-06): ticks per exercise against the boxes printed,
    and the pain before and after exercising that day."""

    __tablename__ = "diary_days"
    __table_args__ = (UniqueConstraint("plan_id", "day", name="uq_diary_days_plan_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    # The approved revision whose handout the sheet came with (its exercises and doses).
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("plan_revisions.id", ondelete="SET NULL"),
                                                    nullable=True)
    day: Mapped[dt.date] = mapped_column(Date)
    # {"exercise ref": [ticks, boxes printed]}
    ticks: Mapped[dict] = mapped_column(JSON, default=dict)
    pain_before: Mapped[int | None] = mapped_column(nullable=True)
    pain_after: Mapped[int | None] = mapped_column(nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(254), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Episode(db.Model):
    """An episode of care for one condition (protocol): opened with the patient's first plan for it, closed by a
    discharge with its outcome and reason (OUT-07)."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    protocol_id: Mapped[str] = mapped_column(String(40))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str] = mapped_column(String(40), default="")  # discharge outcome, in words
    reason: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str] = mapped_column(String(254), default="")


class Letter(db.Model):
    """A progress or discharge letter to the referring doctor: a draft the therapist edits, then final (signed,
    rendered once, never changed again: an ORM guard refuses it, like an approved plan revision)."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "progress" or "discharge"
    status: Mapped[str] = mapped_column(String(20), default="draft")  # "draft" or "final"
    recipient: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    signed_name: Mapped[str] = mapped_column(String(200), default="")
    qualification: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    final_by: Mapped[str] = mapped_column(String(254), default="")
    final_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), default="")


class RecordCorrection(db.Model):
    """A correction or withdrawal of a measure or a session (WF-05): the values before and after, the reason,
    who and when. Rows are inserted once and never changed; the measure or session row holds the current value."""

    __tablename__ = "record_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_measures.id", ondelete="CASCADE"),
                                                   nullable=True, index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id", ondelete="CASCADE"),
                                                   nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(20))  # "corrected" or "withdrawn"
    # {"on_date": "2026-03-02", ...the row's values}: what was there before, and what is there now.
    old_values: Mapped[dict] = mapped_column(JSON)
    new_values: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(254), default="")
    by_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class HandoutPrint(db.Model):
    """A handout or therapist summary printed (downloaded) from an approved revision: which, how, who, when."""

    __tablename__ = "handout_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revisions.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "handout" or "summary"
    options: Mapped[str] = mapped_column(String(100))  # the cache key: "handout:A4:large:next"
    by: Mapped[str] = mapped_column(String(254), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class HandoutFile(db.Model):
    """A rendered PDF of an approved revision with one set of options. Approved revisions never change, so
    the bytes are served again without rendering. Derived data: not exported, deleted with the patient."""

    __tablename__ = "handout_files"
    __table_args__ = (UniqueConstraint("revision_id", "options", name="uq_handout_files_revision_options"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revisions.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    options: Mapped[str] = mapped_column(String(100))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
