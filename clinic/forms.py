"""The base form: CSRF from Flask-WTF, one check of every text field (SEC-25), one date field with the
date range every date obeys (REL-13), plus handing back what a user typed before their login expired."""

from __future__ import annotations

import datetime as dt

from flask import g, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation

from clinic import inputs
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

    def validate(self, extra_validators=None) -> bool:
        """Clean notes and refuse control or bidi characters in single-line text, then the field checks.

        Every form derives from this class, so no text field can miss the check (SEC-25).
        """
        refused = []
        for field in self:
            if not isinstance(field.data, str) or isinstance(field, PasswordField | HiddenField):
                continue
            if isinstance(field, TextAreaField):
                field.data = inputs.clean_notes(field.data)
            elif isinstance(field, StringField) and inputs.has_bad_line_characters(field.data):
                refused.append(field)
        valid = super().validate(extra_validators)
        for field in refused:
            field.errors = [inputs.LINE_MESSAGE, *[e for e in field.errors if e != inputs.LINE_MESSAGE]]
        return valid and not refused

    def validate_on_submit(self, extra_validators=None) -> bool:
        """Validate a POST; when valid, the user's draft for this page is no longer needed."""
        valid = super().validate_on_submit(extra_validators)
        if valid and g.get("user") is not None:
            auth_ops.discard_form_drafts(db.session, g.user, request.path)
        return valid


class FriendlyDateField(DateField):
    """The date field of every form: a parse error says what to type, and the date lies between 1900 and
    2200 (REL-13), so whatever is stored re-opens in its form and can be saved again."""

    def __init__(self, label=None, validators=None, what: str = "date", **kwargs):
        render_kw = {"min": inputs.FIRST_DATE.isoformat(), "max": inputs.LAST_DATE.isoformat(),
                     **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], render_kw=render_kw, **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(f"Enter the {self.what} as a real date, like 1984-03-27.") from None

    def pre_validate(self, form) -> None:
        """Refuse a date outside 1900 to 2200, next to the field."""
        if isinstance(self.data, dt.date) and not inputs.date_in_range(self.data):
            raise StopValidation(inputs.DATE_RANGE_MESSAGE)  # one message, not also "in the future"

    def _value(self) -> str:
        # ISO with a four-digit year even for a year like 1: strftime("%Y") gives "1-01-01", which a
        # browser's date field shows as empty, so an old stored date could never be corrected.
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if isinstance(self.data, dt.date) else ""
