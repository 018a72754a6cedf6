"""The form that makes a personal API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from forms import BoundaryForm
from roadmap.services.directory.api_tokens import NAME_MAX_LENGTH


class TokenForm(BoundaryForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the token a name, so that you know later what it is used for.")),
            Length(max=NAME_MAX_LENGTH, message=_l("The name must have at most %(max)d characters.")),
        ],
        description=_l("For example the program or the report that uses it."),
    )
    expires_in_days = SelectField(
        _l("Valid for"),
        choices=[
            SelectChoice("90", _l("90 days")),
            SelectChoice("30", _l("30 days")),
            SelectChoice("365", _l("1 year")),
            SelectChoice("0", _l("Until revoked")),
        ],
        default="90",
    )
    submit = SubmitField(_l("Create token"))
