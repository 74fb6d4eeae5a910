"""The clinic settings form: input checks only; the operation judges every value (shared with the CLI)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from clinic.forms import ClinicForm
from clinic.settings.operations import LABELS, LOGO_MAX_BYTES, PAPER_SIZES


class SettingsForm(ClinicForm):
    """Name, contact numbers, logo, time zone, paper size and screening validity of one clinic."""

    # The lengths are the columns'; a maxlength stops the browser there (SEC-22: no form reaches the size cap).
    name = StringField(LABELS["name"], description="As patients know it; printed at the top of every handout.",
                       validators=[Length(max=200, message="Use at most 200 characters.")])
    address = TextAreaField(LABELS["address"], render_kw={"rows": 3},
                            validators=[Length(max=500, message="Use at most 500 characters.")])
    phone = StringField(
        LABELS["phone"],
        description="The number a worried patient calls. Handouts and records do not print until it is set.",
        validators=[Length(max=50, message="Use at most 50 characters.")],
    )
    emergency_number = StringField(
        LABELS["emergency_number"],
        description="Printed in the call-an-ambulance box, for example 999, 112 or 911. Empty prints all three.",
        validators=[Length(max=50, message="Use at most 50 characters.")],
    )
    logo = FileField(
        LABELS["logo"],
        description=f"Optional. A PNG or JPEG picture of at most {LOGO_MAX_BYTES // 1024} KB; "
                    "it is printed small at the top left of every handout.",
        render_kw={"accept": "image/png,image/jpeg"},
    )
    remove_logo = BooleanField("Remove the logo")
    time_zone = StringField(
        LABELS["time_zone"],
        description="Every date and time is shown on this clock, and \u201ctoday\u201d is this zone's date. "
                    "Its IANA name, such as Europe/London or America/Los_Angeles.",
        render_kw={"list": "time-zones", "spellcheck": "false"},
        validators=[Length(max=64, message="Use at most 64 characters.")],
    )
    paper_size = SelectField(LABELS["paper_size"], choices=[SelectChoice(p, p) for p in PAPER_SIZES])
    screening_valid_days = IntegerField(
        LABELS["screening_valid_days"],
        validators=[InputRequired("Enter a whole number of days from 1 to 365.")],
        description="After this many days a screening is stale and the patient is screened again before a plan.",
        render_kw={"inputmode": "numeric"},
    )

    def to_values(self) -> dict[str, object]:
        """The settings as the operation takes them."""
        return {key: getattr(self, key).data for key in (
            "name", "address", "phone", "emergency_number", "time_zone", "paper_size", "screening_valid_days")}

