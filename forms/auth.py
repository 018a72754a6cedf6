"""Login and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from forms import BoundaryForm


class LoginForm(BoundaryForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(_l("Please enter your e-mail address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=256)]
    )
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(BoundaryForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please enter a new password."))],
        description=_l(
            "At least 12 characters. A phrase of several words is easy to remember and hard to guess."
        ),
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(_l("Please repeat the new password."))]
    )
    submit = SubmitField(_l("Change password"))


class ConfirmForm(BoundaryForm):
    """A form with only the CSRF token, for POST-only actions (logout, deactivate, open/close)."""

    submit = SubmitField(_l("Confirm"))


class SecondFactorForm(BoundaryForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Please enter the code.")), Length(max=32)],
        description=_l("The 6 digits your authenticator app shows now, or one of your recovery codes."),
    )
    submit = SubmitField(_l("Continue"))


class EnrolSecondFactorForm(BoundaryForm):
    code = StringField(
        _l("First code"),
        validators=[DataRequired(_l("Please enter the code.")), Length(max=32)],
        description=_l("The 6 digits the app shows after you have added the account."),
    )
    submit = SubmitField(_l("Turn on two-factor sign-in"))
