"""Patient forms: input checks only, each message next to its field. ``values()`` hands the operations
a flat mapping of model fields."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from clinic.clock import today
from clinic.forms import ClinicForm, FriendlyDateField
from clinic.patients import fields as F

MAX_AGE_YEARS = 120
RECORD_NUMBER_RE = r"^[A-Za-z0-9][A-Za-z0-9./-]{0,19}$"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _crlf(value: Any) -> Any:
    """Browsers send CRLF in text areas; store plain newlines so history compares like with like."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _today() -> dt.date:
    return today()


def _not_in_future(form, field) -> None:
    if field.data and field.data > _today():
        raise ValidationError("This date is in the future.")


def _plausible_birth_date(form, field) -> None:
    if not field.data:
        return
    today = _today()
    if field.data > today:
        raise ValidationError("The date of birth cannot be in the future.")
    years = today.year - field.data.year - ((today.month, today.day) < (field.data.month, field.data.day))
    if years >= MAX_AGE_YEARS:
        raise ValidationError(f"That would make the patient {years} years old. Check the year.")


def _plausible_phone(form, field) -> None:
    if not field.data:
        return
    digits = re.sub(r"\D", "", field.data)
    if not re.fullmatch(r"\+?[0-9 ()./-]+", field.data) or not 6 <= len(digits) <= 15:
        raise ValidationError("Enter a phone number of 6 to 15 digits, like +44 20 7946 0958.")


def _choices(mapping: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in mapping.items()]


class IdentityFields:
    """Who the patient is (visible to every role)."""

    record_number = StringField(
        "Record number", filters=[_strip],
        validators=[DataRequired("Enter a record number."), Length(max=20, message="Use at most 20 characters."),
                    Regexp(RECORD_NUMBER_RE, message="Use up to 20 letters, digits or hyphens, like P-000123.")],
        description="Suggested by the system; change it if your clinic numbers records differently.",
    )
    family_name = StringField("Family name", filters=[_strip], validators=[
        DataRequired("Enter the family name."), Length(max=100, message="Use at most 100 characters.")])
    given_names = StringField("Given names", filters=[_strip], validators=[
        DataRequired("Enter the given names."), Length(max=100, message="Use at most 100 characters.")])
    name_order = RadioField("How the patient writes their name", choices=_choices(F.NAME_ORDERS),
                            default="given_first",
                            description="Handouts and the patient's record print the name in this order.")
    birth_date = FriendlyDateField("Date of birth", what="date of birth",
                                   validators=[InputRequired("Enter the date of birth."), _plausible_birth_date])
    sex = SelectField("Sex (optional)", choices=_choices(F.SEXES), default="")
    dominant_hand = SelectField("Dominant hand", choices=_choices(F.DOMINANT_HANDS), default="not_known")


class ContactFields:
    """How to reach the patient (reception may edit these)."""

    phone = TelField("Phone", filters=[_strip], validators=[
        Optional(), Length(max=40, message="Use at most 40 characters."), _plausible_phone])
    email = EmailField("Email", filters=[_strip], validators=[
        Optional(), Length(max=254, message="Use at most 254 characters."),
        Email("Enter an email address like name@example.org.")])
    address = TextAreaField("Address", filters=[_crlf], validators=[
        Length(max=1000, message="Use at most 1000 characters.")])
    emergency_contact = TextAreaField(
        "Emergency contact", filters=[_crlf], description="Name, relation and phone number.",
        validators=[Length(max=1000, message="Use at most 1000 characters.")])


class ClinicalFields:
    """History, medications and consent (therapists and administrators only)."""

    occupation = StringField("Occupation", filters=[_strip], description="Hand-heavy work matters for the plan.",
                             validators=[Length(max=200, message="Use at most 200 characters.")])
    referring_doctor = StringField("Referring doctor", filters=[_strip],
                                  validators=[Length(max=300, message="Use at most 300 characters.")])
    history_notes = TextAreaField(
        "Other history", filters=[_crlf], description="Operations, injuries, conditions, what the treatment was.",
        validators=[Length(max=5000, message="Use at most 5000 characters.")])
    medications = TextAreaField(
        "Medications", filters=[_crlf], description="Name and dose, one per line.",
        validators=[Length(max=5000, message="Use at most 5000 characters.")])
    consent_treatment = BooleanField("The patient consents to treatment")
    consent_treatment_on = FriendlyDateField("Consent to treatment given on", what="consent date",
                                             description="Leave empty for today.",
                                             validators=[Optional(), _not_in_future])
    consent_data = BooleanField("The patient consents to us keeping and processing their data")
    consent_data_on = FriendlyDateField("Consent to data processing given on", what="consent date",
                                        description="Leave empty for today.",
                                        validators=[Optional(), _not_in_future])


def _add_fact_fields(cls):
    # No answer is chosen in advance (a default "Not known" would cost a click on every line to change, and
    # would look answered): the therapist answers what applies and ticks "None of these" for the rest; a line
    # left unanswered is stored as "Not known".
    for fact in F.HISTORY_FACTS:
        setattr(cls, f"fact_{fact.key}", RadioField(fact.label, choices=_choices(F.ANSWERS), validators=[Optional()]))
    cls.history_none = BooleanField(
        "None of these", description="Answers “No” to every line above you leave unanswered. Answer “Yes” or "
        "“Not known” first where it applies.")
    return cls


_add_fact_fields(ClinicalFields)


class _PatientFormBase(ClinicForm):
    def values(self) -> dict[str, Any]:
        """Model field -> value for every field this form carries."""
        out: dict[str, Any] = {}
        for name in (*F.IDENTITY_FIELDS, *F.CONTACT_FIELDS, *F.CLINICAL_FIELDS):
            field_name = f"fact_{name.split('.', 1)[1]}" if name.startswith("history_facts.") else name
            if field_name in self:
                field = self[field_name]
                if field_name.startswith("fact_") and field.data not in F.ANSWERS:
                    out[name] = "no" if self.history_none.data else "not_known"
                    continue
                # A text field left out of the post (never by a browser) is empty text, not NULL (was a 500).
                out[name] = "" if field.data is None and isinstance(field, StringField) else field.data
        return out

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for box, day in (("consent_treatment", "consent_treatment_on"), ("consent_data", "consent_data_on")):
            if box not in self:
                continue
            if self[box].data and not self[day].data and not self[day].errors:
                self[day].data = _today()  # consent given at the desk today: the clinic's today, nothing to type
            elif not self[box].data and self[day].data:
                self[box].errors.append("Tick the box, or clear the date below if no consent was given.")
                valid = False
        return valid

    @staticmethod
    def data_from(values: dict[str, Any]) -> dict[str, Any]:
        """Form data for ``values`` (as returned by ``operations.patient_values``)."""
        return {(f"fact_{k.split('.', 1)[1]}" if k.startswith("history_facts.") else k): v for k, v in values.items()}


class VersionField:
    """The version the user started from: a later save by someone else means a conflict (REL-01)."""

    version = HiddenField(filters=[lambda v: int(v) if isinstance(v, str) and v.isdigit() else v])


class PatientForm(_PatientFormBase, IdentityFields, ContactFields, ClinicalFields, VersionField):
    """Everything: for therapists and administrators."""


class NewPatientForm(_PatientFormBase, IdentityFields, ContactFields, ClinicalFields):
    """Register a patient (therapists and administrators)."""


class ReceptionNewPatientForm(_PatientFormBase, IdentityFields, ContactFields):
    """Register a patient at the desk: who they are and how to reach them; the therapist adds the rest."""


class ContactForm(_PatientFormBase, ContactFields, VersionField):
    """Contact details only: what reception may change."""


class SearchForm(ClinicForm):
    """The one search box (sent by POST so names and birth dates never appear in a URL)."""

    q = StringField("Name, record number or date of birth", filters=[_strip],
                    validators=[Length(max=200, message="Use at most 200 characters.")])
    archived = BooleanField("Include archived patients")


class HoldForm(ClinicForm):
    """Put a retention hold on a record, or lift it (empty reason)."""

    reason = TextAreaField("Reason for keeping the record", filters=[_crlf],
                           description="For example a pending legal claim. Leave empty to lift the hold.",
                           validators=[Length(max=1000, message="Use at most 1000 characters.")])


class EraseForm(ClinicForm):
    """Erase after typing the record number, so the wrong patient is not erased by a slip."""

    confirm = StringField("Type the record number to confirm", filters=[_strip],
                          validators=[DataRequired("Type the record number to confirm."), Length(max=100)])
