"""WTForms classes, one module per area. Labels are lazily translated (`_l`).

Every form is a `BoundaryForm`: each text field passes the one text boundary (`roadmap.engine.text`), put
in NFC when the page posts it and refused beside its field, with the typed text kept, when it holds a
character that may not be stored.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField
from wtforms.meta import DefaultMeta

from roadmap.engine.text import first_forbidden
from roadmap.services import Invalid
from roadmap.services.platform.text import refusal


def _is_text(field_class: type[Field]) -> bool:
    # A password is compared with its hash as typed: normalising it would lock out its owner.
    return issubclass(field_class, StringField) and not issubclass(field_class, PasswordField)


def _nfc(value: Any) -> Any:
    """NFC, unless the text is to be refused (the check after it reports it, on the text as typed)."""
    if isinstance(value, str) and first_forbidden(value) is None:
        return unicodedata.normalize("NFC", value)
    return value


class BoundaryForm(FlaskForm):
    """The base of every form: its text fields pass the text boundary."""

    class Meta(DefaultMeta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            if _is_text(unbound_field.field_class):
                filters = (*unbound_field.kwargs.get("filters", ()), _nfc)
                options = {**options, "filters": filters}
            field: Field = unbound_field.bind(form=form, **options)
            return field

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if _is_text(type(field)) and isinstance(field.data, str):
                problem = first_forbidden(field.data)
                if problem is not None:
                    field.errors = [*list(field.errors), refusal(field.label.text, problem)]
                    valid = False
        return valid


def attach_problems(form: FlaskForm, error: Invalid) -> None:
    """Put a service's problems beside the fields they concern; the rest go to the form as a whole."""
    for problem in error.problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if field is not None:
            field.errors = [*list(field.errors), problem.message]
        else:
            form.form_errors.append(problem.message)
