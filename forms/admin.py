"""Administration forms: offices, users, assignments, cycles, framework versions, report settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from forms import BoundaryForm
from roadmap.models import OfficeKind, Role

OFFICE_KIND_LABELS = {
    OfficeKind.PARTY: _l("Party body"),
    OfficeKind.STATE: _l("State body"),
    OfficeKind.LEGISLATIVE: _l("Legislative body"),
    OfficeKind.GOVERNMENT: _l("Government body"),
    OfficeKind.JUDICIAL: _l("Judicial body"),
    OfficeKind.OTHER: _l("Other"),
}

ROLE_LABELS = {
    Role.RESPONDENT: _l("Office representative"),
    Role.CONSULTANT: _l("Consultant"),
    Role.ADMIN: _l("Administrator"),
}

LOCALE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class BilingualNamesForm(BoundaryForm):
    """Offices and cycles are named in both languages; templates place the fields where they belong."""

    name_vi = StringField(
        _l("Name in Vietnamese"),
        validators=[DataRequired(_l("Please enter the Vietnamese name.")), Length(max=255)],
    )
    name_en = StringField(
        _l("Name in English"),
        validators=[DataRequired(_l("Please enter the English name.")), Length(max=255)],
    )


class OfficeForm(BilingualNamesForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Please enter a code.")), Length(max=32)],
        description=_l("Short and stable, for example VPCP."),
    )
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, label) for k, label in OFFICE_KIND_LABELS.items()]
    )
    parent_code = StringField(
        _l("Parent office code"), validators=[Optional(), Length(max=32)], description=_l("Optional.")
    )
    submit = SubmitField(_l("Save"))


class UserForm(BoundaryForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(_l("Please enter an e-mail address.")), Length(max=254)]
    )
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Please enter the full name.")), Length(max=200)]
    )
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    office_code = StringField(
        _l("Office code"),
        validators=[Optional(), Length(max=32)],
        description=_l("Required for office representatives; empty for other roles."),
    )
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    second_factor_required = BooleanField(
        _l("Require two-factor sign-in"),
        description=_l(
            "Consultants and administrators always need it; tick to require it of a representative."
        ),
    )
    submit = SubmitField(_l("Save"))


class AssignmentForm(BoundaryForm):
    consultant_id = SelectField(_l("Consultant"), coerce=int, validate_choice=True)
    office_id = SelectField(_l("Office"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Assign"))


class DaysField(IntegerField):
    """A whole number of days. WTForms's own refusal of a text that is no number is English only: this one
    is the service's, in the user's language; the text typed stays in the field."""

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a number of days from 1 to 365.")) from None


class CycleRemindersForm(BoundaryForm):
    """When a cycle's reminders go: on its own page for an existing cycle, and part of a new cycle's form.
    The service checks the values and its messages go beside the fields."""

    reminder_days = StringField(
        _l("Deadline reminders (days before closing)"),
        default="14,7,2",
        description=_l("Offices that have not submitted are reminded on these days, for example 14,7,2."),
    )
    review_reminder_days = DaysField(
        _l("Remind consultants after (days waiting for review)"),
        default=5,
        validators=[Optional()],
    )


class CycleForm(BilingualNamesForm, CycleRemindersForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Please enter a code.")), Length(max=32)],
        description=_l("For example 2026."),
    )
    opens_on = DateField(_l("Opens on"), validators=[DataRequired(_l("Please enter a valid date."))])
    closes_on = DateField(_l("Closes on"), validators=[DataRequired(_l("Please enter a valid date."))])
    # Choices are the stored versions (set by the view); the service refuses an empty or unknown choice
    # with its message beside this field, so that the rest of what was typed stays.
    framework_version = SelectField(
        _l("Framework version"),
        coerce=lambda value: int(value) if value not in (None, "") else None,
        validate_choice=False,
        description=_l(
            "Every assessment of the cycle uses it; importing another version later does not change it."
        ),
    )
    submit = SubmitField(_l("Save"))


class ReportSettingsForm(BoundaryForm):
    """The official report's settings (Decree 30/2020). The service checks the values and puts its
    messages beside the fields, so that what was typed stays in the form."""

    issuing_body_parent = StringField(
        _l("Parent body of the issuing body"),
        validators=[Optional()],
        description=_l("Written above the issuing body, for example BỘ KHOA HỌC VÀ CÔNG NGHỆ. Optional."),
    )
    issuing_body = StringField(
        _l("Issuing body"),
        description=_l("The consultants' department, for example CỤC BƯU ĐIỆN TRUNG ƯƠNG."),
    )
    issuer_symbol = StringField(
        _l("Issuing body's symbol"),
        description=_l("Its abbreviation in document numbers (Decree 30/2020), for example CBĐTW."),
    )
    number_pattern = StringField(
        _l("Document number pattern"),
        description=_l(
            "Placeholders: {seq} (the report's number within the cycle), {year}, {cycle_code}, "
            "{issuer_symbol}. For example {seq}/BC-{issuer_symbol}."
        ),
    )
    place = StringField(_l("Place"), description=_l("For the date line, for example Hà Nội."))
    signatory_position = StringField(_l("Signatory's position"), description=_l("For example CỤC TRƯỞNG."))
    signatory_name = StringField(
        _l("Signatory's full name"), description=_l("Printed under the signature in both languages.")
    )
    recipients = TextAreaField(
        _l("Recipients"),
        description=_l("One per line, as they appear at the end of the report, for example “Lưu: VT.”."),
        render_kw={"rows": 5},
    )
    issuing_body_parent_en = StringField(
        _l("Parent body of the issuing body, in English"),
        validators=[Optional()],
        description=_l("For example Ministry of Science and Technology. Optional."),
    )
    issuing_body_en = StringField(
        _l("Issuing body, in English"), description=_l("For example Central Post Office Department.")
    )
    place_en = StringField(_l("Place, in English"), description=_l("For example Hanoi."))
    signatory_position_en = StringField(
        _l("Signatory's position, in English"), description=_l("For example Director General.")
    )
    recipients_en = TextAreaField(
        _l("Recipients, in English"),
        description=_l("One per line, for example “Archived: Records.”."),
        render_kw={"rows": 5},
    )
    submit = SubmitField(_l("Save"))


class FrameworkUploadForm(BoundaryForm):
    """A framework file to validate; nothing is stored until the reviewed file is imported."""

    file = FileField(
        _l("Framework file (YAML)"),
        validators=[FileRequired(_l("Please choose a framework file."))],
        description=_l("At most 1 MB. It is validated, compared and previewed before anything is imported."),
    )
    submit = SubmitField(_l("Validate"))


class FrameworkImportForm(BoundaryForm):
    """Imports the reviewed upload; the fingerprint proves it is the content that was shown."""

    fingerprint = HiddenField()
    submit = SubmitField(_l("Import this version"))
