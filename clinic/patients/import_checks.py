"""The patient row of an import, judged by the registration form the pages use (REL-12).

A file is not a browser, so the form is fed what a browser would send for these values, inside a
request context of its own (the CLI has none), without CSRF: the same fields, filters, caps and
messages as the page, including the checks between fields (a consent date needs its box ticked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import current_app
from werkzeug.datastructures import MultiDict

from clinic.models import PatientStatus
from clinic.patients import fields as F
from clinic.patients.forms import NewPatientForm


def _form_value(value: Any) -> str | None:
    if value is None or value is False:
        return None  # a browser sends nothing for an empty date or an unticked box
    if value is True:
        return "y"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def patient_problems(values: Mapping[str, Any]) -> list[str]:
    """``key: message`` for each patient value the registration page would refuse; empty when it would save."""
    problems = []
    facts = values.get("history_facts") or {}
    unknown = sorted(set(facts) - set(F.FACT_KEYS))
    if unknown:
        problems.append(f"history_facts: unknown facts {unknown}")
    status = values.get("status")
    if status not in {s.value for s in PatientStatus}:
        problems.append(f"status: {status!r} is not one of {sorted(s.value for s in PatientStatus)}")
    formdata = MultiDict()
    for name, value in values.items():
        if name != "history_facts" and (sent := _form_value(value)) is not None:
            formdata.add(name, sent)
    for key, answer in facts.items():
        formdata.add(f"fact_{key}", str(answer))
    with current_app.test_request_context(method="POST"):
        form = NewPatientForm(formdata=formdata, meta={"csrf": False})
        form.validate()
        for field_name, messages in form.errors.items():
            key = f"history_facts.{field_name[5:]}" if field_name.startswith("fact_") else field_name
            problems += [f"{key}: {message}" for message in messages]
    return problems
