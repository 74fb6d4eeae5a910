"""Account forms: input checks only."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from clinic.forms import ClinicForm
from clinic.models import Role

ROLE_CHOICES = [
    SelectChoice(Role.THERAPIST.value, "Therapist: patients, screening, plans, handouts"),
    SelectChoice(Role.RECEPTION.value, "Reception: contact details only"),
    SelectChoice(Role.ADMIN.value, "Administrator: everything, plus accounts"),
]


class UserEditForm(ClinicForm):
    """Change an account's name, role or status."""

    full_name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Account active (untick to disable: the person is logged out at once)")


class UserCreateForm(UserEditForm):
    """Add an account with a first password that the person changes."""

    email = EmailField(
        "Email",
        validators=[DataRequired("Enter an email address."), Email("Enter a valid email address."), Length(max=254)],
    )
    password = PasswordField(
        "First password",
        validators=[Optional(), Length(min=12, max=1000, message="Use 12 to 1000 characters.")],
        description="At least 12 characters. Give it to the person; they can change it under Account.",
    )


class UnlockForm(ClinicForm):
    """The unlock button: CSRF only."""
