"""Login and password forms: input checks only."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from clinic.forms import ClinicForm


class LoginForm(ClinicForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=1000)])
    next = HiddenField()


class PasswordForm(ClinicForm):
    """Change one's own password."""

    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password."),
                                                                     Length(max=1000)])
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(min=12, max=1000, message="Use 12 to 1000 characters."),
        ],
    )
    confirm_password = PasswordField(
        "New password again", validators=[EqualTo("new_password", message="The two new passwords differ."),
                                          Length(max=1000)]
    )
