"""The base form: CSRF from Flask-WTF, plus handing back what a user typed before their login expired."""

from __future__ import annotations

import datetime as dt

from flask import g, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from clinic.auth import operations as auth_ops
from clinic.clock import now
from clinic.extensions import db

DRAFT_MAX_AGE = dt.timedelta(hours=12)


class ClinicForm(FlaskForm):
    """Every form in the app derives from this.

    On a GET it refills itself from what the user typed before their login expired; the draft is
    kept until the form is sent successfully, so a GET writes nothing.
    """

    restored_draft: bool = False

    def __init__(self, *args, **kwargs):
        if request.method == "GET" and "formdata" not in kwargs and g.get("user") is not None:
            data = auth_ops.find_form_draft(db.session, g.user, request.path, now(), DRAFT_MAX_AGE)
            if data:
                kwargs["formdata"] = MultiDict([(k, v) for k, values in data.items() for v in values])
                self.restored_draft = True
        super().__init__(*args, **kwargs)

    def validate_on_submit(self, extra_validators=None) -> bool:
        """Validate a POST; when valid, the user's draft for this page is no longer needed."""
        valid = super().validate_on_submit(extra_validators)
        if valid and g.get("user") is not None:
            auth_ops.discard_form_drafts(db.session, g.user, request.path)
        return valid
