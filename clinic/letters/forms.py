"""The letter form: the text the therapist reviews and edits, the signature, and (discharge) the outcome."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from clinic.forms import ClinicForm
from clinic.letters.operations import BODY_MAX, OUTCOMES


class LetterForm(ClinicForm):
    """A draft letter; ``action`` says whether to keep the draft or sign it."""

    recipient = StringField("To", description="The referring doctor, as the letter greets them.",
                            validators=[Length(max=300, message="At most 300 characters.")])
    body = TextAreaField("Letter", validators=[InputRequired("The letter has no text."),
                                               Length(max=BODY_MAX, message=f"At most {BODY_MAX:,} characters.")])
    signed_name = StringField("Your name", validators=[InputRequired("Give your name for the signature."),
                                                       Length(max=200, message="At most 200 characters.")])
    qualification = StringField("Your qualification", description="For example: Hand therapist, HCPC OT12345.",
                                validators=[Length(max=200, message="At most 200 characters.")])
    outcome = SelectField("Outcome at discharge", choices=[SelectChoice("", "— choose —")]
                          + [SelectChoice(o, o) for o in OUTCOMES], default="", validate_choice=True)
    reason = TextAreaField("Reason for discharge", validators=[Length(max=2000, message="At most 2,000 characters.")])
