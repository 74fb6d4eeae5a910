"""Fictional demo data so a newcomer sees a working clinic right after `make run`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from clinic.auth import operations as auth_ops

CLINIC_NAME = "Riverside Hand Therapy (demo)"
ACCOUNTS = (
    ("admin@demo.clinic", "Alex Morgan", "admin", "demo-admin-pass"),
    ("therapist@demo.clinic", "Sam Rivera", "therapist", "demo-therapist-pass"),
    ("reception@demo.clinic", "Jo Patel", "reception", "demo-reception-pass"),
)

LOGIN_HELP = "\n".join(
    ["Open http://127.0.0.1:5000 and log in with one of the demo accounts:"]
    + [f"  {role:<10} {email:<24} password: {password}" for email, _name, role, password in ACCOUNTS]
)


def load(db: Session, now: dt.datetime) -> None:
    """Add the demo clinic and its accounts (flushes, never commits)."""
    clinic = auth_ops.get_or_create_clinic(db, CLINIC_NAME, now)
    clinic.address = "12 River Street, Springfield"
    clinic.phone = "+1 555 0100"
    for email, name, role, password in ACCOUNTS:
        auth_ops.create_user(db, clinic=clinic, email=email, full_name=name, role=role, password=password, now=now)
